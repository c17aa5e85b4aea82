"""Input checks shared by every public function of course_utils (scikit-learn's `validation` idea).

Each check raises ``ValueError`` (or ``TypeError`` for a wrong kind of object) with a
message that says what was expected and what arrived, written for a learner.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def check_positive_int(value, name: str) -> int:
    """Return ``value`` as an int if it is a positive integer (``True`` is not one)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    if value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value}.")
    return int(value)


def check_int_pair(value, name: str) -> tuple[int, int]:
    """Turn an int or a pair of ints into a pair of positive ints ``(rows, cols)``."""
    if isinstance(value, (tuple, list, np.ndarray)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair (rows, cols), got {value!r}.")
        return check_positive_int(value[0], name), check_positive_int(value[1], name)
    number = check_positive_int(value, name)
    return number, number


def check_positive_number(value, name: str) -> float:
    """Return ``value`` as a float if it is a finite number > 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a positive number, got {value!r}.")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}.")
    return float(value)


def check_choice(value, name: str, choices: Sequence[str]) -> str:
    """Return the lower-cased ``value`` if it is one of ``choices`` (case-insensitive)."""
    if not isinstance(value, str) or value.lower() not in choices:
        options = ", ".join(repr(choice) for choice in choices)
        raise ValueError(f"Unknown {name} {value!r}: use {options}.")
    return value.lower()


def check_array(x, name: str, function: str, ndim: int | Sequence[int] | None = None,
                hint: str = "") -> np.ndarray:  # fmt: skip
    """Return ``x`` as a non-empty numeric NumPy array with an allowed number of axes.

    Parameters
    ----------
    x : array-like
    name, function : str
        Used in the message: "conv2d expects x of rank 4 ...".
    ndim : int or sequence of int, optional
        The allowed numbers of axes.
    hint : str
        Appended to the rank message (e.g. how to add a batch axis).
    """
    x = np.asarray(x)
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim or ())
    if allowed and x.ndim not in allowed:
        ranks = " or ".join(str(rank) for rank in allowed)
        raise ValueError(f"{function} expects {name} of rank {ranks}, got rank {x.ndim} with shape "
                         f"{x.shape}.{' ' + hint if hint else ''}")  # fmt: skip
    if x.size == 0:
        raise ValueError(f"{function} got an empty {name} of shape {x.shape}.")
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == np.bool_):
        raise ValueError(f"{function} expects numbers in {name}, got dtype {x.dtype}.")
    return x


def check_same_shape(a: np.ndarray, b: np.ndarray, function: str, names=("reference", "estimate")) -> None:
    """Raise unless two arrays have the same shape."""
    if a.shape != b.shape:
        raise ValueError(f"{function} needs {names[0]} and {names[1]} of equal shapes, "
                         f"got {a.shape} and {b.shape}.")  # fmt: skip


def check_image_shape(image_shape, name: str = "image_shape") -> tuple[int, int, int]:
    """Return ``(height, width, channels)`` of positive ints (Keras 3's input shape)."""
    if not isinstance(image_shape, (tuple, list)) or len(image_shape) != 3:
        raise ValueError(f"{name} must be (height, width, channels), e.g. (28, 28, 1), "
                         f"got {image_shape!r}.")  # fmt: skip
    return tuple(check_positive_int(size, name) for size in image_shape)
