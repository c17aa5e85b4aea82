"""Exercises of notebook 00 (background and a first classifier)."""

from __future__ import annotations

import numpy as np

from . import Exercise, expect, expect_close, expect_equal, register


def _check_scale_images(scale_images) -> None:
    # Two images whose brightest pixels are 204 and 102, not 255: dividing by images.max()
    # (the whole batch's or each image's) gives the wrong values.
    images = np.array([[[0, 51], [102, 204]], [[102, 0], [51, 51]]], dtype=np.uint8)
    scaled = scale_images(images.copy())
    expect(isinstance(scaled, np.ndarray), f"scale_images should return a NumPy array, got {type(scaled).__name__}")
    expect_equal(scaled.shape, (2, 2, 2, 1), "scale_images(two 2x2 images).shape")
    expect(scaled.dtype == np.float32, f"scale_images should return float32 (half the memory of float64), got {scaled.dtype}")
    expected = images[..., np.newaxis] / 255.0
    by_max = images[..., np.newaxis] / float(images.max())
    expect(not np.allclose(scaled, by_max),
           "scale_images divides by images.max(): 0-255 is the pixel format's range, so divide by 255 "
           "(an image without a white pixel must stay dim)")
    expect_close(scaled[..., 0], expected[..., 0], "scale_images([[[0, 51], [102, 204]], [[102, 0], [51, 51]]])")


def _check_dense_param_count(dense_param_count) -> None:
    for inputs, units, expected in ((784, 128, 100_480), (128, 10, 1_290), (1, 1, 2)):
        expect_equal(dense_param_count(inputs, units), expected, f"dense_param_count({inputs}, {units})")


def _check_accuracy(accuracy) -> None:
    probabilities = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    expect_close(accuracy(np.array([1, 0, 0, 0]), probabilities), 0.75,
                 "accuracy([1, 0, 0, 0], probabilities with arg-max [1, 0, 1, 0])")
    expect_close(accuracy(np.array([1, 0, 1, 0]), probabilities), 1.0,
                 "accuracy(labels equal to every arg-max)")
    # three classes: the predicted class is the arg-max, not "probability of class 1 > 0.5"
    three_classes = np.array([[0.2, 0.3, 0.5], [0.1, 0.45, 0.45 - 1e-3], [0.4, 0.35, 0.25],
                              [0.3, 0.3, 0.4], [0.05, 0.9, 0.05]])
    expect_close(accuracy(np.array([2, 1, 0, 2, 1]), three_classes), 1.0,
                 "accuracy([2, 1, 0, 2, 1], 3-class probabilities with arg-max [2, 1, 0, 2, 1])")
    expect_close(accuracy(np.array([2, 2, 0, 0, 1]), three_classes), 0.6,
                 "accuracy([2, 2, 0, 0, 1], 3-class probabilities with arg-max [2, 1, 0, 2, 1])")


register(Exercise(
    key="00.scale_images",
    title="write scale_images(images): uint8 (N, H, W) -> float32 (N, H, W, 1) in [0, 1]",
    checker=_check_scale_images,
    hints=(
        "Divide by 255 so that 0 stays 0 and 255 becomes 1.",
        "Convert with images.astype(np.float32) before dividing, so no float64 copy is made.",
        "Add the channel axis with images[..., np.newaxis] (or np.expand_dims(images, -1)).",
    ),
    solution_code=(
        "def scale_images(images):\n"
        "    return (images.astype(np.float32) / 255.0)[..., np.newaxis]"
    ),
))

register(Exercise(
    key="00.dense_param_count",
    title="write dense_param_count(num_inputs, num_units): the parameters of a Dense layer",
    checker=_check_dense_param_count,
    hints=(
        "Each unit has one weight per input, and one bias.",
        "That is num_inputs * num_units weights plus num_units biases.",
    ),
    solution_code=(
        "def dense_param_count(num_inputs, num_units):\n"
        "    return num_inputs * num_units + num_units"
    ),
))

register(Exercise(
    key="00.accuracy",
    title="write accuracy(labels, probabilities): the share of rows whose arg-max equals the label",
    checker=_check_accuracy,
    hints=(
        "The predicted class of a row is the index of its largest probability: np.argmax(..., axis=1).",
        "Compare predictions with labels element-wise and take the mean of the booleans.",
    ),
    solution_code=(
        "def accuracy(labels, probabilities):\n"
        "    return float(np.mean(np.argmax(probabilities, axis=1) == labels))"
    ),
))
