"""Tests for course_utils.exercises.ex01: untouched, wrong and reference answers."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.exercises import ExerciseFailure, NotAttemptedError, get_exercise, list_exercises


def _solution_function(key: str, name: str):
    namespace: dict = {}
    exec(get_exercise(key).solution_code, namespace)
    return namespace[name]


def _untouched(*args):
    raise NotImplementedError()


def test_notebook_01_has_its_two_exercises():
    assert {"01.max_pool_stride2", "01.conv_output_size"} <= set(list_exercises("01"))


@pytest.mark.parametrize("key", ["01.max_pool_stride2", "01.conv_output_size"])
def test_an_untouched_answer_is_not_attempted(key):
    with pytest.raises(NotAttemptedError, match="not attempted"):
        get_exercise(key).check(_untouched)


@pytest.mark.parametrize("key, name", [("01.max_pool_stride2", "max_pool_2x2"),
                                       ("01.conv_output_size", "output_size")])  # fmt: skip
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
                     for i in range(height - 1)])  # fmt: skip


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
                    constant_values=-np.inf)  # fmt: skip
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
)  # fmt: skip
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
)  # fmt: skip
def test_a_wrong_output_size_fails_with_a_specific_message(wrong_answer, message):
    with pytest.raises(ExerciseFailure) as failure:
        get_exercise("01.conv_output_size").check(wrong_answer)
    assert not isinstance(failure.value, NotAttemptedError)
    assert message in str(failure.value)
    assert "\n" not in str(failure.value)


def test_a_crashing_answer_is_reported_in_one_line():
    with pytest.raises(ExerciseFailure, match="your code raised ZeroDivisionError"):
        get_exercise("01.conv_output_size").check(lambda n, k, s, p: n // 0)
