"""Run mode (full or fast) and reproducible seeding.

The course runs in one of two modes:

* **full** (the default): what learners run, on the whole data sets.
* **fast**: chosen by setting the environment variable ``COURSE_FAST=1`` (the
  test suite does this). Notebooks then use small deterministic subsets and a
  few training steps, so that every notebook runs in well under a minute.

Notebooks never read ``os.environ`` themselves: they ask this module, through
:func:`is_fast` and :func:`pick`.
"""

from __future__ import annotations

import os
import random

import numpy as np

#: Environment variables of the course, named once here and imported everywhere.
FAST_ENV_VAR = "COURSE_FAST"  # "1": fast mode
DATA_DIR_ENV_VAR = "COURSE_DATA_DIR"  # a local mirror of the data sets
RESULTS_DIR_ENV_VAR = "COURSE_RESULTS_DIR"  # set by the runner: where metrics/artifacts go
NOTEBOOK_ENV_VAR = "COURSE_NOTEBOOK"  # set by the runner: the notebook being run
DEFAULT_SEED = 42

_TRUE_WORDS = {"1", "true", "yes", "on"}
_FALSE_WORDS = {"", "0", "false", "no", "off"}


def is_fast() -> bool:
    """Return True when the course runs in fast mode (``COURSE_FAST=1``).

    Returns
    -------
    bool
        True in fast mode, False in full mode (the default).

    Raises
    ------
    ValueError
        If ``COURSE_FAST`` holds something other than a yes/no word.
    """
    raw_value = os.environ.get(FAST_ENV_VAR, "").strip().lower()
    if raw_value in _TRUE_WORDS:
        return True
    if raw_value in _FALSE_WORDS:
        return False
    raise ValueError(
        f"{FAST_ENV_VAR}={raw_value!r} is not understood: set it to 1 for fast mode, "
        "or unset it (or 0) for full mode."
    )


def mode_name() -> str:
    """Return ``"fast"`` or ``"full"``."""
    return "fast" if is_fast() else "full"


def pick(full, fast):
    """Return ``full`` in full mode and ``fast`` in fast mode.

    Use it for every size that depends on the mode, for example
    ``num_epochs = pick(full=8, fast=1)``.

    Parameters
    ----------
    full : object
        The value for full mode (what learners run).
    fast : object
        The value for fast mode (the test suite).

    Returns
    -------
    object
        One of the two values.
    """
    return fast if is_fast() else full


def set_seed(seed: int = DEFAULT_SEED) -> int:
    """Seed Python, NumPy and Keras (and through Keras, TensorFlow).

    The same seed gives the same numbers on the same machine; results may still
    differ slightly between machines because of multi-threaded float sums.

    Parameters
    ----------
    seed : int, default 42
        A non-negative integer.

    Returns
    -------
    int
        The seed that was set.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed)
    import keras

    keras.utils.set_random_seed(seed)
    return seed
