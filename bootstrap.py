#!/usr/bin/env python3
"""Set up the course in ./.venv and run it: the two commands of the README.

    python3 bootstrap.py course [--fast] [NOTEBOOK ...]   # run the notebooks, report in build/
    python3 bootstrap.py test [PYTEST ARGS ...]           # run the test suite (-m slow: the long tests)
    python3 bootstrap.py setup                            # only set up .venv (no test tools)

It needs nothing but Python 3.10-3.13 with its standard `venv` module. It
creates `.venv` next to this file, installs the pinned versions from
`binder/requirements.txt` (plus `requirements-test.txt` for `test`) and
course_utils itself, and skips the installation when nothing changed since the
last run. Exit status: that of the course runner or of pytest (non-zero on any
failure, including "no tests collected").
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
RUNTIME_REQUIREMENTS = ROOT / "binder" / "requirements.txt"
TEST_REQUIREMENTS = ROOT / "requirements-test.txt"
SUPPORTED = ((3, 10), (3, 13))


def say(message: str) -> None:
    print(f"[bootstrap] {message}", flush=True)


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def check_python() -> None:
    version = sys.version_info[:2]
    if not SUPPORTED[0] <= version <= SUPPORTED[1]:
        sys.exit(f"Python {version[0]}.{version[1]} is not supported: use Python 3.10 to 3.13 "
                 "(TensorFlow 2.21 has no wheels for other versions), e.g. `python3.11 bootstrap.py ...`.")


def venv_problem() -> str | None:
    """Why ``.venv`` cannot be used as it is (None when it is healthy).

    A venv breaks when its Python went away or changed (an OS upgrade), or when it was
    created without pip (Debian's python3 without python3-venv leaves one like that).
    """
    python = venv_python()
    if not python.exists():
        return None if not VENV.exists() else f"{python} is missing"
    probe = subprocess.run([str(python), "-c", "import sys, pip; print('%d.%d' % sys.version_info[:2])"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["it does not run"])[-1]
        return f"its Python or pip does not work ({last})"
    wanted = f"{sys.version_info[0]}.{sys.version_info[1]}"
    if probe.stdout.strip() != wanted:
        return f"it was made with Python {probe.stdout.strip()}, and this is Python {wanted}"
    return None


def create_venv() -> None:
    problem = venv_problem()
    if problem is not None:
        say(f"rebuilding {VENV}: {problem}")
        shutil.rmtree(VENV)
    if venv_python().exists():
        return
    say(f"creating a virtual environment in {VENV}")
    try:
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(venv_python()), "-m", "pip", "--version"], check=True,
                       stdout=subprocess.DEVNULL)
    except (subprocess.CalledProcessError, OSError):
        shutil.rmtree(VENV, ignore_errors=True)
        sys.exit("Could not create a working .venv (with pip). On Debian/Ubuntu install the venv "
                 "module first: sudo apt install python3-venv (then run this command again).")


def install(with_tests: bool) -> None:
    files = [RUNTIME_REQUIREMENTS] + ([TEST_REQUIREMENTS] if with_tests else [])
    fingerprint = hashlib.sha256(
        b"".join(path.read_bytes() for path in files)
        + (ROOT / "pyproject.toml").read_bytes()
        + f"{sys.version} {platform.machine()} {sys.platform}".encode()
    ).hexdigest()
    stamp = VENV / f".installed-{'test' if with_tests else 'course'}"
    if stamp.exists() and stamp.read_text() == fingerprint:
        say("environment is up to date")
        return
    say("installing the pinned packages" + (" and the test tools" if with_tests else "")
        + " (the first time takes a few minutes)")
    pip = [str(venv_python()), "-m", "pip", "install", "--disable-pip-version-check"]
    requirements = [argument for path in files for argument in ("-r", str(path))]
    subprocess.run(pip + ["--upgrade", "pip"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(pip + requirements + ["--editable", str(ROOT)], check=True)
    stamp.write_text(fingerprint)


def run_in_venv(arguments: list[str]) -> int:
    environment = dict(os.environ)
    # nbgrader calls `alembic`, and notebooks may call tools installed next to Python.
    environment["PATH"] = str(venv_python().parent) + os.pathsep + environment.get("PATH", "")
    environment.setdefault("PYTHONUNBUFFERED", "1")
    return subprocess.run([str(venv_python()), *arguments], cwd=ROOT, env=environment).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"course", "test", "setup"}:
        print(__doc__)
        return 2
    check_python()
    command, rest = argv[0], argv[1:]
    create_venv()
    install(with_tests=command == "test")
    if command == "setup":
        say(f"ready: activate with `source {VENV}/bin/activate`, then `jupyter lab notebooks/`")
        return 0
    if command == "course":
        return run_in_venv(["-m", "course_utils", "run", *rest])
    workers = "2" if (os.cpu_count() or 1) >= 2 else "1"
    if "-m" not in rest:  # the quick suite; CI runs the long tests too (`test -m slow`)
        say("running every test except those marked slow (run them with: python3 bootstrap.py test -m slow)")
        rest = ["-m", "not slow", *rest]
    return run_in_venv(["-m", "pytest", "-n", workers, "--dist", "loadfile", *rest])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
