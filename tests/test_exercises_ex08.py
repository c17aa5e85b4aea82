"""Tests for course_utils.exercises.ex08: untouched, wrong and reference answers."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.exercises import ExerciseFailure, NotAttemptedError, get_exercise, list_exercises

KEYS = {
    "08_1.masked_attention": "masked_attention",
    "08_1.image_to_patches": "image_to_patches",
    "08_2.masked_patch_loss": "masked_patch_loss",
    "08_2.parameters_for_loss": "parameters_for_loss",
}


def _solution_function(key):
    namespace: dict = {"np": np}
    exec(get_exercise(key).solution_code, namespace)
    return namespace[KEYS[key]]


def _untouched(*args):
    raise NotImplementedError()


def test_notebook_08_has_its_exercises():
    assert {"08_1.masked_attention", "08_1.image_to_patches"} <= set(list_exercises("08_1"))
    assert {"08_2.masked_patch_loss", "08_2.parameters_for_loss"} <= set(list_exercises("08_2"))


@pytest.mark.parametrize("key", sorted(KEYS))
def test_an_untouched_answer_is_not_attempted(key):
    with pytest.raises(NotAttemptedError, match="not attempted"):
        get_exercise(key).check(_untouched)


@pytest.mark.parametrize("key", sorted(KEYS))
def test_the_reference_solution_passes(key, capsys):
    assert get_exercise(key).check(_solution_function(key)) is True
    assert "Correct" in capsys.readouterr().out


# --------------------------------------------------------------------------- hand-computed values


def test_masked_attention_by_hand():
    masked_attention = _solution_function("08_1.masked_attention")
    queries = np.array([[1.0, 0.0], [0.0, 1.0]])
    values = np.array([[1.0, 2.0], [3.0, 4.0]])
    outputs, weights = masked_attention(queries, queries, values, np.array([[True, False], [True, True]]))
    np.testing.assert_allclose(weights[0], [1.0, 0.0])
    np.testing.assert_allclose(outputs[0], [1.0, 2.0])
    # row 1: scores [0, 1/sqrt(2)] -> softmax
    expected = np.exp([0.0, 1 / np.sqrt(2)]) / np.exp([0.0, 1 / np.sqrt(2)]).sum()
    np.testing.assert_allclose(weights[1], expected)


def test_image_to_patches_by_hand_and_against_keras():
    image_to_patches = _solution_function("08_1.image_to_patches")
    image = np.arange(16).reshape(1, 4, 4, 1)
    np.testing.assert_array_equal(image_to_patches(image, 2)[0], [[0, 1, 4, 5], [2, 3, 6, 7],
                                                                  [8, 9, 12, 13], [10, 11, 14, 15]])
    import keras

    images = np.random.default_rng(0).random((2, 8, 12, 3)).astype(np.float32)
    keras_patches = keras.ops.convert_to_numpy(keras.ops.image.extract_patches(images, size=4))
    np.testing.assert_array_equal(image_to_patches(images, 4), keras_patches.reshape(2, 6, 48))


def test_masked_patch_loss_by_hand():
    masked_patch_loss = _solution_function("08_2.masked_patch_loss")
    predicted = np.array([[[1.0, 1.0], [0.0, 0.0]]])
    patches = np.array([[[0.0, 0.0], [5.0, 5.0]]])
    assert masked_patch_loss(predicted, patches, np.array([[True, False]])) == pytest.approx(1.0)
    assert masked_patch_loss(predicted, patches, np.array([[False, True]])) == pytest.approx(25.0)
    assert masked_patch_loss(predicted, patches, np.array([[True, True]])) == pytest.approx(13.0)


def test_parameters_for_loss_by_hand():
    assert _solution_function("08_2.parameters_for_loss")(0.5, 4.0, 0.5) == pytest.approx(64.0)


# --------------------------------------------------------------------------- typical wrong answers


def _softmax(scores):
    exponentials = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return exponentials / exponentials.sum(axis=-1, keepdims=True)


def _attention_ignoring_mask(queries, keys, values, mask):
    weights = _softmax(queries @ np.swapaxes(keys, -1, -2) / np.sqrt(queries.shape[-1]))
    return weights @ values, weights


def _attention_without_scaling(queries, keys, values, mask):
    weights = _softmax(np.where(mask, queries @ np.swapaxes(keys, -1, -2), -np.inf))
    return weights @ values, weights


def _attention_masking_after_softmax(queries, keys, values, mask):
    weights = _softmax(queries @ np.swapaxes(keys, -1, -2) / np.sqrt(queries.shape[-1])) * mask
    return weights @ values, weights


def _attention_with_transpose(queries, keys, values, mask):
    weights = _softmax(np.where(mask, queries @ keys.T / np.sqrt(queries.shape[-1]), -np.inf))
    return weights @ values, weights


@pytest.mark.parametrize("wrong, message", [
    (_attention_ignoring_mask, "must be exactly 0"),
    (_attention_without_scaling, "sqrt"),
    (_attention_masking_after_softmax, "sum to 1"),
    (_attention_with_transpose, "swapaxes|raised"),
    (lambda q, k, v, m: _attention_ignoring_mask(q, k, v, m)[0], "two arrays"),
])
def test_masked_attention_wrong_answers_fail_with_a_useful_message(wrong, message):
    with pytest.raises(ExerciseFailure, match=message):
        get_exercise("08_1.masked_attention").check(wrong)


@pytest.mark.parametrize("wrong, message", [
    (lambda images, p: images.reshape(images.shape[0], -1, p * p * images.shape[3]), "plain reshape"),
    (lambda images, p: _solution_function("08_1.image_to_patches")(images, p)[:, ::-1], "wrong|should be"),
    (lambda images, p: _solution_function("08_1.image_to_patches")(images, p).reshape(
        images.shape[0], images.shape[1] // p, images.shape[2] // p, -1), "shape"),
])
def test_image_to_patches_wrong_answers_fail_with_a_useful_message(wrong, message):
    with pytest.raises(ExerciseFailure, match=message):
        get_exercise("08_1.image_to_patches").check(wrong)


def _errors(predicted, patches):
    return ((predicted - patches) ** 2).mean(axis=-1)


@pytest.mark.parametrize("wrong, message", [
    (lambda predicted, patches, hidden: _errors(predicted, patches).mean(), "all patches"),
    (lambda predicted, patches, hidden: (_errors(predicted, patches) * hidden).sum() / hidden.size,
     "number of hidden"),
    (lambda predicted, patches, hidden: _errors(predicted, patches)[~hidden].mean(), "visible"),
    (lambda predicted, patches, hidden: ((predicted - patches) ** 2).sum(axis=-1)[hidden].mean(), "pixels"),
    (lambda predicted, patches, hidden: _errors(predicted, patches)[hidden], "one number"),
])
def test_masked_patch_loss_wrong_answers_fail_with_a_useful_message(wrong, message):
    with pytest.raises(ExerciseFailure, match=message):
        get_exercise("08_2.masked_patch_loss").check(wrong)


@pytest.mark.parametrize("wrong, message", [
    (lambda target, constant, exponent: (constant / target) ** (-1 / exponent), "MORE parameters"),
    (lambda target, constant, exponent: constant * target ** -exponent, "solve"),
])
def test_parameters_for_loss_wrong_answers_fail_with_a_useful_message(wrong, message):
    with pytest.raises(ExerciseFailure, match=message):
        get_exercise("08_2.parameters_for_loss").check(wrong)


# --------------------------------------------------------------------------- the checkers' literals


def test_the_attention_literals_match_an_independent_computation():
    from course_utils.exercises import ex08

    for _, mask, weights, outputs, unscaled in ex08._ATTENTION_CASES:
        scores = ex08._QUERIES @ ex08._KEYS.T
        for divisor, expected in ((np.sqrt(2), weights), (1.0, unscaled)):
            masked = np.where(mask, scores / divisor, -np.inf)
            softmax = np.exp(masked - masked.max(axis=1, keepdims=True))
            softmax /= softmax.sum(axis=1, keepdims=True)
            np.testing.assert_allclose(softmax, expected, atol=1e-7)
        np.testing.assert_allclose(np.array(weights) @ ex08._VALUES, outputs, atol=1e-7)


def test_the_patch_literals_match_keras():
    import keras

    from course_utils.exercises import ex08

    images = np.arange(48, dtype=np.float32).reshape(1, 4, 6, 2)
    keras_patches = keras.ops.convert_to_numpy(keras.ops.image.extract_patches(images, size=2))
    np.testing.assert_array_equal(keras_patches.reshape(1, 6, 8), ex08._PATCHES_OF_ARANGE_4x6x2)


def test_the_masked_loss_literals_match_a_loop_over_patches():
    from course_utils.exercises import ex08

    errors = [np.mean((ex08._PREDICTED[b, p] - ex08._TARGETS[b, p]) ** 2)
              for b in range(2) for p in range(3) if ex08._HIDDEN[b, p]]
    assert np.mean(errors) == pytest.approx(ex08._MASKED_LOSS)
