"""Test-suite set-up shared by unit tests and notebook runs (nbval).

* Fast mode (``COURSE_FAST=1``) for everything, notebooks included.
* ``COURSE_DATA_DIR`` points at the genuine full data sets of ``../shared/data`` when
  that folder exists, as in CI (through ``build/test-data``, where CIFAR-10 is decompressed
  once: see ``plain_test_mirror``); on a learner's fresh clone it does not, and the
  notebooks fall back as the data layer describes.
* Matplotlib draws off-screen (Agg).

The environment is set at import time, before any kernel starts, so nbval's
kernels (``--nbval-current-env``) and xdist workers inherit it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from course_utils.config import DATA_DIR_ENV_VAR, FAST_ENV_VAR

REPOSITORY_ROOT = Path(__file__).resolve().parent
SHARED_DATA_DIR = REPOSITORY_ROOT.parent / "shared" / "data"

TEST_MIRROR = REPOSITORY_ROOT / "build" / "test-data"


def plain_test_mirror(shared: Path = SHARED_DATA_DIR, target: Path = TEST_MIRROR) -> Path:
    """``shared`` as a mirror that reads fast: CIFAR-10 decompressed once per clone, the rest linked.

    ``../shared/data`` keeps CIFAR-10 xz-compressed. Reading it that way costs about 8 s of lzma per
    load, in every notebook run and test that loads CIFAR-10 (three runs of 06_3 in ``.ci/run``).
    The plain files are those of the official tarball, so the data layer checks them against the
    same SHA-256 on every load; the xz path keeps its own tests. Where links cannot be made, the
    shared folder itself is returned.
    """
    if (target / ".complete").is_file():
        return target
    import lzma
    import shutil

    from course_utils.data_files import CIFAR10_FOLDER

    partial = target.with_name(f"{target.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        partial.mkdir(parents=True)
        for entry in shared.iterdir():
            if entry.is_dir() and entry.name != CIFAR10_FOLDER:
                (partial / entry.name).symlink_to(entry.resolve(), target_is_directory=True)
        (partial / CIFAR10_FOLDER).mkdir()
        for entry in (shared / CIFAR10_FOLDER).iterdir():
            if entry.suffix == ".xz":
                (partial / CIFAR10_FOLDER / entry.stem).write_bytes(lzma.decompress(entry.read_bytes()))
            else:
                shutil.copyfile(entry, partial / CIFAR10_FOLDER / entry.name)
        (partial / ".complete").write_text("")
    except (OSError, lzma.LZMAError):  # no symbolic links here (Windows without developer mode), a
        # read-only clone, a damaged .xz file (the data layer then names it, in the tests that read it)
        shutil.rmtree(partial, ignore_errors=True)
        return shared
    try:
        partial.rename(target)
    except OSError:  # another session finished first
        shutil.rmtree(partial, ignore_errors=True)
    return target if (target / ".complete").is_file() else shared


os.environ[FAST_ENV_VAR] = "1"
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
if SHARED_DATA_DIR.is_dir() and DATA_DIR_ENV_VAR not in os.environ:
    # set here, in the controller, before xdist starts its workers: they and every notebook
    # kernel inherit it (a worker finds it set and builds nothing)
    os.environ[DATA_DIR_ENV_VAR] = str(plain_test_mirror())


@pytest.fixture(scope="session")
def plain_cifar_mirror(shared_data_dir) -> Path:
    """A mirror folder whose ``cifar-10-batches-py/`` holds the official, uncompressed batch files."""
    mirror = plain_test_mirror(shared_data_dir)
    if mirror == shared_data_dir:
        pytest.skip("no plain CIFAR-10 mirror could be made beside this clone")
    return mirror


@pytest.fixture(scope="session")
def shared_data_dir() -> Path:
    """The genuine full data sets in ``../shared/data``; skips the test where absent."""
    if not SHARED_DATA_DIR.is_dir():
        pytest.skip("../shared/data (the full reference data sets) is not beside this clone")
    return SHARED_DATA_DIR


# --------------------------------------------------------------------------- notebook warnings
# An executed notebook shows the learner no Python warning: nbval runs every notebook
# cell as a test, and a cell whose output holds a warning fails (a warning means the
# course's own code does something Keras/NumPy/... advise against). Warnings that a
# library raises about itself, whatever the course does, are listed here with why.
_WARNING_LINE = re.compile(r"^.*\b\w*Warning: .*$", re.MULTILINE)
_LIBRARY_WARNINGS = [
    # (none yet: add a pattern here only with the reason it is not the course's doing)
]


def notebook_warnings(outputs) -> list[str]:
    """The warning lines in a cell's outputs that are not known library noise."""
    lines = []
    for output in outputs or []:
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            for line in _WARNING_LINE.findall(output.get("text", "")):
                if not any(re.search(pattern, line) for pattern in _LIBRARY_WARNINGS):
                    lines.append(line.strip())
    return lines


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if call.when != "call" or not report.passed:
        return
    warnings_seen = notebook_warnings(getattr(item, "test_outputs", None))
    if warnings_seen:
        report.outcome = "failed"
        report.longrepr = ("This notebook cell printed a warning (fix the cause; see conftest.py):\n"
                           + "\n".join(warnings_seen[:5]))


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: a long test (CI runs it; `-m 'not slow'` skips it)")


def pytest_collection_modifyitems(session, config, items):
    """Run the notebooks first, the last (longest) first, then the unit tests.

    Under xdist (`--dist loadfile`, as `bootstrap.py test` runs it) each file goes to one
    worker in this order, so the long notebook files start early and the many short test files
    fill the end, instead of one worker finishing 08_2 alone while the other waits. The sort is
    stable: a notebook's cells keep their order.
    """
    notebook_files = sorted({Path(str(item.fspath)) for item in items if str(item.fspath).endswith(".ipynb")})
    rank = {path: index for index, path in enumerate(reversed(notebook_files))}
    items.sort(key=lambda item: rank.get(Path(str(item.fspath)), len(rank)))
