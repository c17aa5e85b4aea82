"""Test-suite set-up shared by unit tests and notebook runs (nbval).

* Fast mode (``COURSE_FAST=1``) for everything, notebooks included.
* ``COURSE_DATA_DIR`` points at ``../shared/data`` (genuine full data sets) when
  that folder exists, as in CI; on a learner's fresh clone it does not, and the
  notebooks fall back as the data layer describes.
* Matplotlib draws off-screen (Agg).

The environment is set at import time, before any kernel starts, so nbval's
kernels (``--nbval-current-env``) and xdist workers inherit it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPOSITORY_ROOT = Path(__file__).resolve().parent
SHARED_DATA_DIR = REPOSITORY_ROOT.parent / "shared" / "data"

os.environ["COURSE_FAST"] = "1"
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
if SHARED_DATA_DIR.is_dir() and "COURSE_DATA_DIR" not in os.environ:
    os.environ["COURSE_DATA_DIR"] = str(SHARED_DATA_DIR)


@pytest.fixture(scope="session")
def shared_data_dir() -> Path:
    """The genuine full data sets in ``../shared/data``; skips the test where absent."""
    if not SHARED_DATA_DIR.is_dir():
        pytest.skip("../shared/data (the full reference data sets) is not beside this clone")
    return SHARED_DATA_DIR
