"""Recording a notebook's headline figures for the course runner.

Inside ``python -m course_utils run`` the runner sets ``COURSE_RESULTS_DIR`` for
each notebook's kernel; :func:`record` and :func:`save_artifact` then write
there. Anywhere else (JupyterLab, Colab, the test suite) both are silent no-ops,
so a notebook can call them unconditionally.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import numpy as np

from .config import RESULTS_DIR_ENV_VAR

METRICS_FILE_NAME = "metrics.json"
_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_\-.]+$")


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME_PATTERN.match(name):
        raise ValueError(
            f"A result name must be letters, digits, '_', '-' or '.', got {name!r}."
        )


def results_dir() -> Path | None:
    """Return the folder the runner asked for, or None outside the runner."""
    configured = os.environ.get(RESULTS_DIR_ENV_VAR, "").strip()
    return Path(configured) if configured else None


def record(name: str, value) -> float:
    """Record a named number (an accuracy, a time in seconds, a size ...).

    Parameters
    ----------
    name : str
        A metric name such as ``"cnn_test_accuracy"``.
    value : int or float
        A finite number; NumPy and TensorFlow scalars are accepted.

    Returns
    -------
    float
        The value, as a Python float, so the call can sit at the end of a cell.
    """
    _check_name(name)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"record({name!r}, ...) needs a number, got {value!r}.") from None
    if not math.isfinite(number):
        raise ValueError(f"record({name!r}, ...) got {number}; only finite numbers are recorded.")
    folder = results_dir()
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        metrics_path = folder / METRICS_FILE_NAME
        metrics = json.loads(metrics_path.read_text()) if metrics_path.exists() else {}
        metrics[name] = number
        metrics_path.write_text(json.dumps(metrics, indent=2, sort_keys=True))
    return number


def save_artifact(name: str, array) -> Path | None:
    """Save an array (e.g. generated samples) as ``<results dir>/artifacts/<name>.npy``.

    Parameters
    ----------
    name : str
        File stem, e.g. ``"samples"``.
    array : array-like
        Saved as given (keep its dtype small: float32 or uint8).

    Returns
    -------
    pathlib.Path or None
        The file written, or None outside the runner.
    """
    _check_name(name)
    folder = results_dir()
    if folder is None:
        return None
    artifacts = folder / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    path = artifacts / f"{name}.npy"
    np.save(path, np.asarray(array))
    return path


def load_metrics(folder: str | os.PathLike) -> dict:
    """Read the metrics a notebook recorded in ``folder`` (empty if none)."""
    metrics_path = Path(folder) / METRICS_FILE_NAME
    return json.loads(metrics_path.read_text()) if metrics_path.exists() else {}
