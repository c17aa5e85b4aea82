"""Exercises of notebook 02 (convolutional networks on MNIST)."""

from __future__ import annotations

import numpy as np

from . import Exercise, expect, expect_close, expect_equal, register


def _check_one_hot(one_hot) -> None:
    encoded = one_hot(np.array([2, 0, 1, 2]), 3)
    expect(isinstance(encoded, np.ndarray),
           f"one_hot should return a NumPy array, got {type(encoded).__name__}")  # fmt: skip
    expect_equal(encoded.shape, (4, 3), "one_hot([2, 0, 1, 2], 3).shape")
    expect(encoded.dtype == np.float32,
           f"one_hot should return float32 (what Keras' losses compute in), got {encoded.dtype}")  # fmt: skip
    expect_close(encoded, [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]], "one_hot([2, 0, 1, 2], 3)")
    expect_equal(one_hot(np.array([0]), 10).shape, (1, 10), "one_hot([0], 10).shape")
    uint8_labels = one_hot(np.array([9, 3], dtype=np.uint8), 10)  # MNIST labels are uint8
    expect_close(uint8_labels.argmax(axis=1), [9, 3], "one_hot(uint8 [9, 3], 10).argmax(axis=1)")


def _check_most_confused(most_confused) -> None:
    confusion = np.array([[50, 1, 7], [0, 40, 2], [3, 9, 60]])
    top = [tuple(int(value) for value in pair) for pair in most_confused(confusion, 1)]
    expect(all(true != predicted for true, predicted, _ in top),
           f"most_confused must skip the diagonal (correct predictions), got {top}")  # fmt: skip
    expect_equal(most_confused(confusion, 2), [(2, 1, 9), (0, 2, 7)],
                 "most_confused([[50, 1, 7], [0, 40, 2], [3, 9, 60]], 2)")  # fmt: skip
    expect_equal(most_confused(np.eye(3, dtype=int) * 5, 2), [],
                 "most_confused(a matrix with no mistakes, 2)")  # fmt: skip
    pairs = most_confused(np.array([[5, 4], [4, 5]]), 2)
    expect_equal(sorted(pairs), [(0, 1, 4), (1, 0, 4)],
                 "most_confused([[5, 4], [4, 5]], 2) (sorted)")  # fmt: skip
    expect(all(isinstance(value, int) for pair in pairs for value in pair),
           f"most_confused should return plain ints, got {pairs}")  # fmt: skip


register(Exercise(
    key="02.one_hot",
    title="write one_hot(labels, num_classes): int labels (N,) -> float32 one-hot rows (N, num_classes)",
    checker=_check_one_hot,
    hints=(
        "Start from np.zeros((len(labels), num_classes), dtype=np.float32).",
        "Set one entry per row: encoded[np.arange(len(labels)), labels] = 1.",
        "Or index the identity matrix: np.eye(num_classes, dtype=np.float32)[labels].",
    ),
    solution_code=(
        "def one_hot(labels, num_classes):\n"
        "    return np.eye(num_classes, dtype=np.float32)[np.asarray(labels, dtype=int)]"
    ),
))  # fmt: skip

register(Exercise(
    key="02.most_confused",
    title="write most_confused(confusion, k): the k largest mistakes as (true, predicted, count)",
    checker=_check_most_confused,
    hints=(
        "Mistakes are the off-diagonal entries: copy the matrix and set its diagonal to 0.",
        "Visit the pairs (i, j) with i != j sorted by count, largest first, and keep counts > 0.",
        "np.argsort(-mistakes, axis=None) gives flat indices; np.unravel_index turns them into (i, j).",
    ),
    solution_code=(
        "def most_confused(confusion, k):\n"
        "    mistakes = np.array(confusion, dtype=np.int64)\n"
        "    np.fill_diagonal(mistakes, 0)\n"
        "    order = np.argsort(-mistakes, axis=None, kind='stable')[:k]\n"
        "    rows, cols = np.unravel_index(order, mistakes.shape)\n"
        "    return [(int(i), int(j), int(mistakes[i, j])) for i, j in zip(rows, cols, strict=True)\n"
        "            if mistakes[i, j] > 0]"
    ),
))  # fmt: skip
