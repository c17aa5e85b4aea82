"""Tests for course_utils.exercises.ex00: the checks reject plausible wrong answers."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.exercises import ExerciseFailure, NotAttemptedError, get_exercise


def _failure(key, answer) -> str:
    with pytest.raises(ExerciseFailure) as caught:
        get_exercise(key).check(answer)
    assert not isinstance(caught.value, NotAttemptedError)
    assert "\n" not in str(caught.value)
    return str(caught.value)


@pytest.mark.parametrize("key", ["00.scale_images", "00.dense_param_count", "00.accuracy"])
def test_the_reference_answers_pass(key):
    assert get_exercise(key).check(get_exercise(key).reference_answer()) is True


@pytest.mark.parametrize("wrong_answer", [
    lambda images: (images.astype(np.float32) / images.max())[..., np.newaxis],
    lambda images: (images.astype(np.float32)
                    / images.max(axis=(1, 2), keepdims=True))[..., np.newaxis],
])
def test_scale_images_rejects_division_by_the_maximum(wrong_answer):
    assert "scale_images" in _failure("00.scale_images", wrong_answer)


def test_accuracy_rejects_a_binary_threshold():
    def binary(labels, probabilities):
        return float(np.mean((probabilities[:, 1] > 0.5) == labels))

    assert "3-class" in _failure("00.accuracy", binary)

