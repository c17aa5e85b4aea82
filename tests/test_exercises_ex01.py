"""Tests for course_utils.exercises.ex01: untouched, wrong and reference answers."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.exercises import ExerciseFailure, NotAttemptedError, get_exercise, list_exercises


def _solution_function(key: str, name: str):
    return get_exercise(key).reference_answer(name)


def _untouched(*args):
    raise NotImplementedError()


def test_notebook_01_has_its_three_exercises():
    assert {"01.conv2d_grey", "01.max_pool_stride2", "01.conv_output_size"} <= set(list_exercises("01"))


@pytest.mark.parametrize("key", ["01.conv2d_grey", "01.max_pool_stride2", "01.conv_output_size"])
def test_an_untouched_answer_is_not_attempted(key):
    with pytest.raises(NotAttemptedError, match="not attempted"):
        get_exercise(key).check(_untouched)


@pytest.mark.parametrize("key, name", [("01.conv2d_grey", "conv2d_grey"),
                                       ("01.max_pool_stride2", "max_pool_2x2"),
                                       ("01.conv_output_size", "output_size")])
def test_the_reference_solution_passes(key, name, capsys):
    assert get_exercise(key).check(_solution_function(key, name)) is True
    assert "Correct" in capsys.readouterr().out


def test_the_max_pool_reference_solution_gives_hand_computed_values():
    max_pool_2x2 = _solution_function("01.max_pool_stride2", "max_pool_2x2")
    image = np.array([[1, 5, 2, 0, 9], [3, 4, 8, 1, 9], [0, 0, 7, 6, 9]], dtype=float)
    np.testing.assert_array_equal(max_pool_2x2(image), [[5, 8]])


def _max_pool_with_stride_1(image):
    height, width = image.shape
    return np.array([[image[i : i + 2, j : j + 2].max() for j in range(width - 1)]
                     for i in range(height - 1)])


def _max_pool_starting_from_zero(image):
    out = np.zeros((image.shape[0] // 2, image.shape[1] // 2))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            best = 0.0
            for value in image[2 * i : 2 * i + 2, 2 * j : 2 * j + 2].ravel():
                best = max(best, value)
            out[i, j] = best
    return out


def _average_pool(image):
    height, width = image.shape
    blocks = image[: height // 2 * 2, : width // 2 * 2].reshape(height // 2, 2, width // 2, 2)
    return blocks.mean(axis=(1, 3))


def _max_pool_same_padding(image):
    padded = np.pad(image, ((0, image.shape[0] % 2), (0, image.shape[1] % 2)),
                    constant_values=-np.inf)
    return padded.reshape(padded.shape[0] // 2, 2, -1, 2).max(axis=(1, 3))


@pytest.mark.parametrize(
    "wrong_answer, message",
    [
        (_max_pool_with_stride_1, "max_pool_2x2(a 4x4 ramp) should have shape (2, 2), got (3, 3)"),
        (_max_pool_starting_from_zero, "max_pool_2x2(a 4x6 image of negative numbers)[0, 0] should be -1 (the max of image[0:2, 0:2]), got 0"),
        (_average_pool, "max_pool_2x2(a 4x4 ramp)[0, 0] should be 5 (the max of image[0:2, 0:2]), got 2.5"),
        (_max_pool_same_padding, "max_pool_2x2(a 5x7 image (odd sizes: the last row and column are "
                                 "dropped)) should have shape (2, 3), got (3, 4)"),
        (lambda image: None, "returned None"),
    ],
)
def test_a_wrong_max_pool_fails_with_a_specific_message(wrong_answer, message):
    with pytest.raises(ExerciseFailure) as failure:
        get_exercise("01.max_pool_stride2").check(wrong_answer)
    assert not isinstance(failure.value, NotAttemptedError)
    assert message in str(failure.value)
    assert "\n" not in str(failure.value)


@pytest.mark.parametrize(
    "wrong_answer, message",
    [
        (lambda n, k, s, p: n - k + 1, "output_size(28, 3, 2, 'valid') should be 13, got 26"),
        (lambda n, k, s, p: (n - k) // s + 1, "output_size(28, 5, 1, 'same') should be 28, got 24"),
        (lambda n, k, s, p: n // s if p == "same" else (n - k) // s + 1,
         "output_size(7, 3, 2, 'same') should be 4, got 3"),
        (lambda n, k, s, p: -(-n / s) if p == "same" else (n - k) // s + 1,
         "output_size(28, 5, 1, 'same') should return an int, got float"),
    ],
)
def test_a_wrong_output_size_fails_with_a_specific_message(wrong_answer, message):
    with pytest.raises(ExerciseFailure) as failure:
        get_exercise("01.conv_output_size").check(wrong_answer)
    assert not isinstance(failure.value, NotAttemptedError)
    assert message in str(failure.value)
    assert "\n" not in str(failure.value)


def test_a_crashing_answer_is_reported_in_one_line():
    with pytest.raises(ExerciseFailure, match="your code raised ZeroDivisionError"):
        get_exercise("01.conv_output_size").check(lambda n, k, s, p: n // 0)


def test_the_conv_reference_solution_gives_hand_computed_values():
    conv2d_grey = _solution_function("01.conv2d_grey", "conv2d_grey")
    image = np.array([[1, 2, 0, 1], [0, 1, 3, 2], [2, 1, 0, 1], [1, 0, 2, 3]], dtype=float)
    kernel = np.array([[1, 0], [-1, 2]], dtype=float)
    np.testing.assert_array_equal(conv2d_grey(image, kernel, 1, "valid"), [[3, 7, 1], [0, 0, 5], [1, 5, 4]])
    # "same" with a 2x2 kernel pads one zero row/column AFTER (TensorFlow), none before
    np.testing.assert_array_equal(conv2d_grey(image, kernel, 1, "same")[:, 3], [-1, 1, -2, 3])


def _valid_windows(image, kernel, stride):
    kernel_height, kernel_width = kernel.shape
    rows = (image.shape[0] - kernel_height) // stride + 1
    cols = (image.shape[1] - kernel_width) // stride + 1
    return np.array([[np.sum(image[stride * i:stride * i + kernel_height,
                                   stride * j:stride * j + kernel_width] * kernel)
                      for j in range(cols)] for i in range(rows)])


def _conv_flipped(image, kernel, stride, padding):
    return _conv_pytorch_padding(image, kernel[::-1, ::-1], stride, padding) if padding == "same" \
        else _valid_windows(image, kernel[::-1, ::-1], stride)


def _conv_pytorch_padding(image, kernel, stride, padding):
    if padding == "same":
        image = np.pad(image, (kernel.shape[0] - 1) // 2)
    return _valid_windows(image, kernel, stride)


def _conv_padding_before(image, kernel, stride, padding):
    if padding == "same":
        image = np.pad(image, ((1, 0), (1, 0)))
    return _valid_windows(image, kernel, stride)


@pytest.mark.parametrize(
    "wrong_answer, message",
    [
        (_conv_flipped, "matches the flipped kernel"),
        (lambda image, kernel, stride, padding: _valid_windows(image, kernel, 1),
         "conv2d_grey(a 9x8 image, 3x3 kernel, stride=2, padding='valid') should have shape (4, 3), got (7, 6)"),
        (_conv_pytorch_padding, "padding='same') should have shape (6, 6), got (5, 5)"),
        (_conv_padding_before, "padding='same')[0, 0] should be"),
        (lambda image, kernel, stride, padding: None, "returned None"),
    ],
)
def test_a_wrong_conv_loop_fails_with_a_specific_message(wrong_answer, message):
    with pytest.raises(ExerciseFailure) as failure:
        get_exercise("01.conv2d_grey").check(wrong_answer)
    assert not isinstance(failure.value, NotAttemptedError)
    assert message in str(failure.value)
    assert "\n" not in str(failure.value)


def test_pytorch_style_symmetric_padding_fails_the_output_size_check():
    def symmetric(n, kernel_size, stride, padding):
        pad = (kernel_size - 1) // 2 if padding == "same" else 0
        return (n + 2 * pad - kernel_size) // stride + 1

    with pytest.raises(ExerciseFailure, match=r"output_size\(28, 4, 1, 'same'\) should be 28, got 27"):
        get_exercise("01.conv_output_size").check(symmetric)
