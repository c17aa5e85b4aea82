"""Exercises of notebook 02 (convolutional networks on MNIST).

* ``02.one_hot``: integer labels to float32 one-hot rows.
* ``02.batch_norm``: batch normalisation's forward pass, in training (batch
  statistics, moving averages updated) and at inference (moving averages).
* ``02.most_confused``: the largest off-diagonal entries of a confusion matrix.
"""

from __future__ import annotations

import numpy as np

from . import Exercise, expect, expect_close, expect_equal, register


def _check_one_hot(one_hot) -> None:
    encoded = one_hot(np.array([2, 0, 1, 2]), 3)
    expect(isinstance(encoded, np.ndarray),
           f"one_hot should return a NumPy array, got {type(encoded).__name__}")
    expect_equal(encoded.shape, (4, 3), "one_hot([2, 0, 1, 2], 3).shape")
    expect(encoded.dtype == np.float32,
           f"one_hot should return float32 (what Keras' losses compute in), got {encoded.dtype}; "
           "note that keras.utils.to_categorical returns float64 in Keras 3")
    expect_close(encoded, [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]], "one_hot([2, 0, 1, 2], 3)")
    expect_equal(one_hot(np.array([0]), 10).shape, (1, 10), "one_hot([0], 10).shape")
    uint8_labels = one_hot(np.array([9, 3], dtype=np.uint8), 10)  # MNIST labels are uint8
    expect_close(uint8_labels.argmax(axis=1), [9, 3], "one_hot(uint8 [9, 3], 10).argmax(axis=1)")


def _reference_batch_norm(x, gamma, beta, moving_mean, moving_variance, training,
                          momentum=0.9, epsilon=1e-3):
    x = np.asarray(x, dtype=np.float64)
    if training:
        axes = tuple(range(x.ndim - 1))
        mean, variance = x.mean(axis=axes), x.var(axis=axes)
        moving_mean = momentum * np.asarray(moving_mean) + (1 - momentum) * mean
        moving_variance = momentum * np.asarray(moving_variance) + (1 - momentum) * variance
    else:
        mean, variance = np.asarray(moving_mean), np.asarray(moving_variance)
    y = np.asarray(gamma) * (x - mean) / np.sqrt(variance + epsilon) + np.asarray(beta)
    return y, np.asarray(moving_mean, dtype=np.float64), np.asarray(moving_variance, dtype=np.float64)


def _batch_norm_cases():
    rng = np.random.default_rng(2)
    maps = rng.standard_normal((4, 3, 3, 3)) * np.array([2.0, 0.5, 0.03]) + np.array([1.0, -2.0, 0.5])
    dense = rng.standard_normal((5, 2)) * 3 + 1
    # the third channel has a variance of about 1e-3, so a missing epsilon shows
    return [
        ("4 feature maps of 3x3x3", maps, np.array([1.5, -0.7, 2.0]), np.array([0.1, 0.2, -0.3]),
         np.array([0.5, -1.0, 0.0]), np.array([2.0, 0.3, 1.0])),
        ("5 dense outputs of 2 units", dense, np.array([0.8, 1.2]), np.array([0.0, 1.0]),
         np.array([0.0, 0.0]), np.array([1.0, 1.0])),
    ]


def _check_batch_norm(batch_norm) -> None:
    for description, x, gamma, beta, moving_mean, moving_variance in _batch_norm_cases():
        for training in (True, False):
            call = f"batch_norm({description}, training={training})"
            got = batch_norm(x.copy(), gamma.copy(), beta.copy(), moving_mean.copy(),
                             moving_variance.copy(), training)
            expect(isinstance(got, tuple) and len(got) == 3,
                   f"{call} should return (y, moving_mean, moving_variance), got {type(got).__name__}")
            expected = _reference_batch_norm(x, gamma, beta, moving_mean, moving_variance, training)
            y = np.asarray(got[0], dtype=np.float64)
            expect_equal(y.shape, x.shape, f"{call}[0].shape")
            if training:
                axes = tuple(range(x.ndim - 1))
                with_moving = _reference_batch_norm(x, gamma, beta, moving_mean, moving_variance, False)
                expect(not np.allclose(y, with_moving[0], atol=1e-6),
                       f"{call} used the moving averages: in training, normalise with the batch's own "
                       "mean and variance")
                with_ddof = gamma * (x - x.mean(axis=axes)) / np.sqrt(x.var(axis=axes, ddof=1) + 1e-3) + beta
                expect(not np.allclose(y, with_ddof, atol=1e-6),
                       f"{call} divides the variance by N - 1: batch normalisation uses the plain mean "
                       "of the squared deviations (divide by N)")
            else:
                batch_stats = _reference_batch_norm(x, gamma, beta, moving_mean, moving_variance, True)
                expect(not np.allclose(y, batch_stats[0], atol=1e-6),
                       f"{call} used the batch's statistics: at inference use the moving averages")
            no_epsilon = _reference_batch_norm(x, gamma, beta, moving_mean, moving_variance, training,
                                               epsilon=0.0)
            expect(not (np.allclose(y, no_epsilon[0], atol=1e-6)
                        and not np.allclose(y, expected[0], atol=1e-6)),
                   f"{call} left out epsilon (1e-3) under the square root")
            expect_close(y, expected[0], f"{call}[0] (y)", atol=1e-5)
            expect_close(got[1], expected[1], f"{call}[1] (the new moving mean)", atol=1e-6)
            expect_close(got[2], expected[2], f"{call}[2] (the new moving variance)", atol=1e-6)


def _check_most_confused(most_confused) -> None:
    confusion = np.array([[50, 1, 7], [0, 40, 2], [3, 9, 60]])
    top = [tuple(int(value) for value in pair) for pair in most_confused(confusion, 1)]
    expect(all(true != predicted for true, predicted, _ in top),
           f"most_confused must skip the diagonal (correct predictions), got {top}")
    expect_equal(most_confused(confusion, 2), [(2, 1, 9), (0, 2, 7)],
                 "most_confused([[50, 1, 7], [0, 40, 2], [3, 9, 60]], 2)")
    expect_equal(most_confused(np.eye(3, dtype=int) * 5, 2), [],
                 "most_confused(a matrix with no mistakes, 2)")
    pairs = most_confused(np.array([[5, 4], [4, 5]]), 2)
    expect_equal(sorted(pairs), [(0, 1, 4), (1, 0, 4)],
                 "most_confused([[5, 4], [4, 5]], 2) (sorted)")
    expect(all(isinstance(value, int) for pair in pairs for value in pair),
           f"most_confused should return plain ints, got {pairs}")


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
))

register(Exercise(
    key="02.batch_norm",
    title="write batch_norm(x, gamma, beta, moving_mean, moving_variance, training): the forward pass",
    checker=_check_batch_norm,
    hints=(
        "Statistics are per channel (the last axis), over every other axis: "
        "axes = tuple(range(x.ndim - 1)).",
        "Training: mean and variance of this batch (np.var divides by N), then "
        "moving = momentum * moving + (1 - momentum) * batch statistic. Inference: use the "
        "moving averages and leave them unchanged.",
        "Either way y = gamma * (x - mean) / np.sqrt(variance + epsilon) + beta.",
    ),
    solution_code=(
        "def batch_norm(x, gamma, beta, moving_mean, moving_variance, training, momentum=0.9,\n"
        "               epsilon=1e-3):\n"
        "    if training:\n"
        "        axes = tuple(range(x.ndim - 1))\n"
        "        mean, variance = x.mean(axis=axes), x.var(axis=axes)\n"
        "        moving_mean = momentum * moving_mean + (1 - momentum) * mean\n"
        "        moving_variance = momentum * moving_variance + (1 - momentum) * variance\n"
        "    else:\n"
        "        mean, variance = moving_mean, moving_variance\n"
        "    y = gamma * (x - mean) / np.sqrt(variance + epsilon) + beta\n"
        "    return y, moving_mean, moving_variance"
    ),
))

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
))
