"""Tests for course_utils.exercises.ex07: untouched, wrong and reference answers."""

from __future__ import annotations

import re

import numpy as np
import pytest

from course_utils.exercises import ExerciseFailure, NotAttemptedError, get_exercise, list_exercises

KEYS = {
    "07.shift_image": "shift_image",
    "07.cutout": "cutout",
    "07.distillation_loss": "distillation_loss",
    "07.quantise_int8": "quantise_int8",
    "07.gradcam_channel_weights": "channel_weights",
    "07.top_pixels": "top_pixels",
    "07.private_mean_gradient": "private_mean_gradient",
    "07.threshold_advantage": "threshold_advantage",
}


def _solution_function(key):
    namespace: dict = {"np": np}
    exec(get_exercise(key).solution_code, namespace)
    return namespace[KEYS[key]]


def _zero_corner(image, size):
    erased = image.copy()
    erased[:size, :size] = 0
    return erased


def _zero_in_place(image, size, rng):
    image[:size, :size] = 0
    return image


def _untouched(*args):
    raise NotImplementedError()


def test_notebook_07_has_its_exercises():
    assert set(KEYS) <= set(list_exercises("07"))


@pytest.mark.parametrize("key", sorted(KEYS))
def test_an_untouched_answer_is_not_attempted(key):
    with pytest.raises(NotAttemptedError, match="not attempted"):
        get_exercise(key).check(_untouched)


@pytest.mark.parametrize("key", sorted(KEYS))
def test_the_reference_solution_passes(key, capsys):
    assert get_exercise(key).check(_solution_function(key)) is True
    assert "Correct" in capsys.readouterr().out


def test_reference_solutions_give_hand_computed_values():
    shift = _solution_function("07.shift_image")
    np.testing.assert_array_equal(shift(np.array([[1, 2], [3, 4]]), 1, 0), [[0, 0], [1, 2]])
    assert _solution_function("07.cutout")(np.ones((4, 4)), 2, np.random.default_rng(0)).sum() == 12
    # hand-computed: alpha = 1 leaves the cross-entropy of softmax([1, 1]) with label 1, ln 2
    assert _solution_function("07.distillation_loss")(np.array([[1.0, 1.0]]), np.array([[1.0, 1.0]]), np.array([1]),
                                                      4.0, 1.0) == pytest.approx(np.log(2))
    np.testing.assert_array_equal(_solution_function("07.quantise_int8")(np.array([1.25, -1.25]), 0.5, 0), [3, -3])
    np.testing.assert_array_equal(_solution_function("07.quantise_int8")(np.array([0.5, 9.0]), 0.1, 3), [8, 93])
    private_mean = _solution_function("07.private_mean_gradient")
    np.testing.assert_allclose(private_mean(np.array([[3.0, 4.0], [0.3, 0.4]]), 1.0, 0.0, 4.0, np.random.default_rng(0)),
                               [0.225, 0.3])  # ([0.6, 0.8] + [0.3, 0.4]) / 4
    assert _solution_function("07.threshold_advantage")([0.1, 0.2], [0.15, 0.9], 0.16) == pytest.approx(0.0)


WRONG_ANSWERS = [
    ("07.shift_image", lambda image, rows, cols: np.roll(image, (rows, cols), axis=(0, 1)),
     r"shift_image\(image, 1, 0\)\[0, 0\] should be 0, got 16"),
    ("07.cutout", lambda image, size, rng: image * 0, r"should zero exactly a 3x3 square"),
    ("07.cutout", lambda image, size, rng: _zero_corner(image, size), r"every position of the square"),
    ("07.cutout", lambda image, size, rng: _zero_in_place(image, size, rng), r"must not change its input"),
    ("07.distillation_loss", lambda s, t, y, T, a: 0.0, r"distillation_loss with only the hard labels"),
    ("07.distillation_loss",
     lambda s, t, y, T, a: _solution_function("07.distillation_loss")(s, t, y, T, a) if T == 1 or a == 1 else
     _solution_function("07.distillation_loss")(s, t, y, T, 1.0) * a
     + (1 - a) * (_solution_function("07.distillation_loss")(s, t, y, T, 0.0) / T**2),
     r"multiply the soft part by T \*\* 2"),
    ("07.quantise_int8", lambda v, scale, zp: (np.round(v / scale) + zp).astype(np.int8),
     r"quantise_int8\(values, 0.01, 0\)\[5\] should be 127, got -126"),
    ("07.quantise_int8", lambda v, scale, zp: np.clip(np.round(v / scale) + zp, -128, 127).astype(np.int8),
     r"quantise_int8\(values, 0.02, -10\)\[3\] should be -7, got -8"),
    ("07.gradcam_channel_weights", lambda g: np.asarray(g).mean(axis=(0, 1)), r"should have shape \(1, 4\)"),
    ("07.gradcam_channel_weights", lambda g: np.asarray(g).sum(axis=(1, 2)), r"channel_weights\(gradients of shape"),
    ("07.top_pixels", lambda m, k: m >= np.sort(m.ravel())[-k - 1], r"should mark 1 pixels, marked 2"),
    ("07.private_mean_gradient", lambda g, c, s, b, rng: (np.clip(g, -c, c).sum(0) + rng.normal(0, s * c, g.shape[1])) / b,
     r"private_mean_gradient\(g, 1.0, 0.0, 5.0, rng\) \(no noise\)\[0\] should be"),
    ("07.private_mean_gradient", lambda g, c, s, b, rng: (g * np.minimum(1, c / np.maximum(np.linalg.norm(g, axis=1, keepdims=True), 1e-12))).mean(0),
     r"should be"),
    ("07.private_mean_gradient", lambda g, c, s, b, rng: ((g * np.minimum(1, c / np.maximum(np.linalg.norm(g, axis=1, keepdims=True), 1e-12)) + rng.normal(0, s * c, g.shape)).sum(0)) / b,
     r"std 1.5 \* 2 / 6 = 0.5, got 0.866"),
    ("07.threshold_advantage", lambda m, o, t: float(np.mean(np.asarray(m) < t)),
     r"threshold_advantage\(members, non_members, 0.35\) should be 0.1, got 0.6"),
]


@pytest.mark.parametrize("key, answer, message", WRONG_ANSWERS, ids=[w[0] for w in WRONG_ANSWERS])
def test_a_wrong_answer_fails_with_a_specific_one_line_message(key, answer, message):
    with pytest.raises(ExerciseFailure) as failure:
        get_exercise(key).check(answer)
    assert not isinstance(failure.value, NotAttemptedError)
    text = str(failure.value)
    assert "\n" not in text and text.startswith(key)
    assert re.search(message, text), text


def test_an_answer_that_delegates_to_the_course_reference_fails_and_the_reference_comes_back():
    from course_utils import explain, privacy

    delegating = {
        "07.gradcam_channel_weights": lambda gradients: explain.channel_weights(gradients),
        "07.threshold_advantage": lambda members, others, threshold: privacy.advantage_at(members, others, threshold),
    }
    for key, answer in delegating.items():
        with pytest.raises(ExerciseFailure, match="hidden during this check"):
            get_exercise(key).check(answer)
    # the notebooks still use the references after a check
    assert explain.channel_weights(np.ones((1, 2, 2, 3))).shape == (1, 3)
    assert privacy.advantage_at([0.1, 0.9], [0.5], 0.3) == 0.5
