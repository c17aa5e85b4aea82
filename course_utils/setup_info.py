"""The line every notebook prints at its start (mode, versions, data source), and hardware facts."""

from __future__ import annotations

import platform

from .config import DATA_DIR_ENV_VAR, FAST_ENV_VAR, is_fast
from .datasets import data_dir


def describe_setup() -> str:
    """Return one line: run mode, Python/Keras/backend versions and the data mirror.

    Returns
    -------
    str
        For example ``"Mode: full | Python 3.11.7, Keras 3.15.1 (tensorflow 2.21.0) | data: ..."``.
    """
    import keras

    backend = keras.backend.backend()
    backend_version = ""
    if backend == "tensorflow":
        import tensorflow as tf

        backend_version = f" {tf.__version__}"
    mode = (f"fast ({FAST_ENV_VAR}=1: small data, few steps)" if is_fast()
            else "full (the whole data sets)")
    mirror = data_dir()
    mirrored = sorted(p.name for p in mirror.iterdir() if p.is_dir()) if mirror is not None else []
    if mirrored:
        data_line = f"local mirror {mirror} ({', '.join(mirrored)}), else Keras download"
    else:
        data_line = (f"no local mirror (set {DATA_DIR_ENV_VAR} for one): Keras download, "
                     "else packaged offline data")
    return (f"Mode: {mode} | Python {platform.python_version()}, Keras {keras.__version__} "
            f"({backend}{backend_version}) | data: {data_line}")


def cpu_computes_bfloat16(cpuinfo_path: str = "/proc/cpuinfo") -> bool:
    """Whether this processor multiplies bfloat16 numbers natively (Intel AMX units).

    Where it does, Keras' ``mixed_bfloat16`` policy (compute in bfloat16, keep the weights in
    float32) trains a convolutional network about three times faster on the CPU; elsewhere
    bfloat16 is emulated and slower, so the notebooks stay in float32. Read from Linux's
    ``/proc/cpuinfo`` (the ``amx_bf16`` flag); on other systems the answer is ``False``.

    Parameters
    ----------
    cpuinfo_path : str
        The file to read (a parameter so that tests can point it elsewhere).

    Returns
    -------
    bool
        True only when the flag is listed.
    """
    try:
        with open(cpuinfo_path, encoding="utf-8", errors="replace") as cpu_info:
            return any(line.startswith("flags") and "amx_bf16" in line.split() for line in cpu_info)
    except OSError:  # not Linux, or unreadable: we cannot tell, so stay in float32
        return False


def show_setup() -> None:
    """Print :func:`describe_setup`'s line (the shared opening of every notebook)."""
    print(describe_setup())
