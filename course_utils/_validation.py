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
                hint: str = "") -> np.ndarray:
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
                         f"{x.shape}.{' ' + hint if hint else ''}")
    if x.size == 0:
        raise ValueError(f"{function} got an empty {name} of shape {x.shape}.")
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == np.bool_):
        raise ValueError(f"{function} expects numbers in {name}, got dtype {x.dtype}.")
    return x


def check_same_shape(a: np.ndarray, b: np.ndarray, function: str, names=("reference", "estimate")) -> None:
    """Raise unless two arrays have the same shape."""
    if a.shape != b.shape:
        raise ValueError(f"{function} needs {names[0]} and {names[1]} of equal shapes, "
                         f"got {a.shape} and {b.shape}.")


def check_image_shape(image_shape, name: str = "image_shape") -> tuple[int, int, int]:
    """Return ``(height, width, channels)`` of positive ints (Keras 3's input shape)."""
    if not isinstance(image_shape, (tuple, list)) or len(image_shape) != 3:
        raise ValueError(f"{name} must be (height, width, channels), e.g. (28, 28, 1), "
                         f"got {image_shape!r}.")
    return tuple(check_positive_int(size, name) for size in image_shape)


def check_non_negative_int(value, name: str) -> int:
    """Return ``value`` as an int if it is an integer >= 0 (``True`` is not one)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}.")
    return int(value)


def check_seed(seed, name: str = "seed") -> int:
    """Return ``seed`` as an int if it is a non-negative integer (what ``default_rng`` takes)."""
    return check_non_negative_int(seed, name)


def check_in_range(value, name: str, low: float, high: float, *, low_open: bool = False,
                   high_open: bool = False) -> float:
    """Return ``value`` as a float if it is a number in the interval from ``low`` to ``high``.

    ``low_open`` / ``high_open`` exclude the end points; the message writes the interval
    in the usual notation, e.g. "threshold must be a number in [0, 1), got 1.5." (with
    ``high=np.inf``: "std must be a number >= 0, got -1.").
    """
    if np.isinf(low) and np.isinf(high):
        wanted = "a number (not NaN)"
    elif np.isinf(high):
        wanted = f"a number {'>' if low_open else '>='} {low:g}"
    else:
        wanted = f"a number in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be {wanted}, got {value!r}.")
    inside = ((low < value if low_open else low <= value)
              and (value < high if high_open else value <= high))
    if not inside:  # NaN is never inside
        raise ValueError(f"{name} must be {wanted}, got {value!r}.")
    return float(value)


def check_labels(labels, name: str, function: str, num_samples: int | None = None,
                 num_classes: int | None = None) -> np.ndarray:
    """Return class labels as an int64 array of shape ``(N,)``.

    Accepts integer arrays of shape ``(N,)`` or ``(N, 1)`` (as some loaders give them);
    with ``num_samples`` the length must match (one label per image), with
    ``num_classes`` every label must lie in ``0 .. num_classes - 1``.
    """
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(f"{function} expects {name} of shape (N,), one class index per image, "
                         f"got shape {labels.shape}.")
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"{function} expects integer class indices in {name}, got dtype {labels.dtype}"
                         " (one-hot labels: take argmax(axis=1) first).")
    if num_samples is not None and len(labels) != num_samples:
        raise ValueError(f"{function} needs one label per image: {num_samples} images but "
                         f"{len(labels)} {name}.")
    if labels.size and (labels.min() < 0 or (num_classes is not None and labels.max() >= num_classes)):
        allowed = f"0 .. {num_classes - 1}" if num_classes is not None else "0 or more"
        raise ValueError(f"{function} expects {name} in {allowed}, got values from {labels.min()} "
                         f"to {labels.max()}.")
    return labels.astype(np.int64)


def check_boxes(boxes, name: str) -> np.ndarray:
    """Return boxes as a float64 array of shape ``(N, 4)``, ``(x_min, y_min, x_max, y_max)``.

    An empty list gives shape ``(0, 4)``; a box with ``x_max < x_min`` or ``y_max < y_min``
    (e.g. one written as ``(x, y, width, height)`` or ``(row, col, ...)``) is refused.
    """
    try:
        array = np.asarray(boxes, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numbers of shape (N, 4) as (x_min, y_min, x_max, y_max), "
                         f"got {boxes!r}.") from None
    if array.ndim == 1 and array.size == 0:
        array = array.reshape(0, 4)
    if array.ndim != 2 or array.shape[1] != 4:
        raise ValueError(f"{name} must have shape (N, 4) as (x_min, y_min, x_max, y_max), "
                         f"got {array.shape}.")
    if np.any(array[:, 2] < array[:, 0]) or np.any(array[:, 3] < array[:, 1]):
        raise ValueError(f"{name} has a box with x_max < x_min or y_max < y_min; boxes are "
                         "(x_min, y_min, x_max, y_max).")
    return array


def check_entries(entries, name: str, keys: Sequence[str], function: str) -> list:
    """Return ``entries`` as a list if it is a sequence of dicts that all hold ``keys``.

    For per-image records such as detections ``[{"boxes", "scores", "classes"}, ...]``.
    """
    if isinstance(entries, (str, bytes, dict)) or not isinstance(entries, Sequence):
        raise ValueError(f"{function} expects {name} as a list with one dict per image, "
                         f"got {type(entries).__name__}.")
    for index, entry in enumerate(entries):
        missing = [key for key in keys if not isinstance(entry, dict) or key not in entry]
        if missing:
            raise ValueError(f"{function}: {name}[{index}] must be a dict with keys "
                             f"{', '.join(map(repr, keys))}; missing {', '.join(map(repr, missing))}.")
    return list(entries)
