"""Tests for course_utils.exercises.ex02 and ex03: untouched, wrong and reference answers."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from course_utils.exercises import ExerciseFailure, NotAttemptedError, get_exercise, list_exercises

EXERCISES = [
    ("02.one_hot", "one_hot"),
    ("02.batch_norm", "batch_norm"),
    ("02.most_confused", "most_confused"),
    ("03.lstm_param_count", "lstm_param_count"),
    ("03.lstm_step", "lstm_step"),
]


def _solution_function(key: str, name: str):
    return get_exercise(key).reference_answer(name)


def _untouched(*args):
    raise NotImplementedError()


def _one_line_failure(key, answer) -> str:
    with pytest.raises(ExerciseFailure) as caught:
        get_exercise(key).check(answer)
    assert not isinstance(caught.value, NotAttemptedError)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(key)
    return message


def test_notebooks_02_and_03_have_their_exercises():
    assert {"02.one_hot", "02.batch_norm", "02.most_confused"} <= set(list_exercises("02"))
    assert {"03.lstm_param_count", "03.lstm_step"} <= set(list_exercises("03"))


@pytest.mark.parametrize("key, name", EXERCISES)
def test_an_untouched_answer_is_not_attempted(key, name):
    with pytest.raises(NotAttemptedError, match="not attempted"):
        get_exercise(key).check(_untouched)


@pytest.mark.parametrize("key, name", EXERCISES)
def test_the_reference_solution_passes(key, name, capsys):
    assert get_exercise(key).check(_solution_function(key, name)) is True
    assert "Correct" in capsys.readouterr().out


# --------------------------------------------------------------- 02.one_hot


def test_one_hot_reference_matches_keras_to_categorical():
    one_hot = _solution_function("02.one_hot", "one_hot")
    labels = np.array([3, 0, 9, 9, 1], dtype=np.uint8)
    np.testing.assert_array_equal(one_hot(labels, 10), keras.utils.to_categorical(labels, 10))


def test_one_hot_in_float64_is_rejected_with_the_dtype():
    message = _one_line_failure("02.one_hot", lambda labels, n: np.eye(n)[labels])
    assert "float32" in message and "float64" in message


def test_one_hot_off_by_one_is_rejected_with_values():
    def shifted(labels, num_classes):
        return np.eye(num_classes, dtype=np.float32)[(np.asarray(labels) + 1) % num_classes]

    assert "one_hot([2, 0, 1, 2], 3)" in _one_line_failure("02.one_hot", shifted)


# --------------------------------------------------------------- 02.batch_norm


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_reference_matches_keras_batch_normalization(training):
    batch_norm = _solution_function("02.batch_norm", "batch_norm")
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((6, 4, 4, 3)) * [2.0, 0.5, 0.05] + [1.0, -1.0, 0.3]).astype(np.float32)
    weights = [np.array(values, dtype=np.float32) for values in
               ([1.5, -0.5, 2.0], [0.1, 0.2, -0.3], [0.3, -0.2, 0.0], [2.0, 0.5, 1.0])]
    layer = keras.layers.BatchNormalization(momentum=0.9)  # epsilon: Keras' default 1e-3
    layer.build(x.shape)
    layer.set_weights(weights)
    expected = np.asarray(layer(x, training=training))
    y, moving_mean, moving_variance = batch_norm(x.astype(np.float64), *weights, training)
    np.testing.assert_allclose(y, expected, atol=1e-5)
    np.testing.assert_allclose(moving_mean, layer.get_weights()[2], atol=1e-6)
    np.testing.assert_allclose(moving_variance, layer.get_weights()[3], atol=1e-6)


def test_batch_norm_by_hand():
    batch_norm = _solution_function("02.batch_norm", "batch_norm")
    # batch [1, 3]: mean 2, variance 1 (divide by N); gamma 2, beta 1, epsilon 0
    y, moving_mean, moving_variance = batch_norm(np.array([[1.0], [3.0]]), np.array([2.0]),
                                                 np.array([1.0]), np.array([0.0]), np.array([1.0]),
                                                 True, epsilon=0.0)
    np.testing.assert_allclose(y, [[-1.0], [3.0]])
    np.testing.assert_allclose([moving_mean[0], moving_variance[0]], [0.2, 1.0])


def _batch_norm_variant(variance_ddof=0, epsilon=1e-3, batch_stats_at_inference=False,
                        update_moving=True):
    def batch_norm(x, gamma, beta, moving_mean, moving_variance, training, momentum=0.9):
        axes = tuple(range(x.ndim - 1))
        if training or batch_stats_at_inference:
            mean, variance = x.mean(axis=axes), x.var(axis=axes, ddof=variance_ddof)
        else:
            mean, variance = moving_mean, moving_variance
        if training and update_moving:
            moving_mean = momentum * moving_mean + (1 - momentum) * mean
            moving_variance = momentum * moving_variance + (1 - momentum) * variance
        return gamma * (x - mean) / np.sqrt(variance + epsilon) + beta, moving_mean, moving_variance

    return batch_norm


@pytest.mark.parametrize("wrong_answer, fragment", [
    (_batch_norm_variant(variance_ddof=1), "divides the variance by N - 1"),
    (_batch_norm_variant(epsilon=0.0), "left out epsilon"),
    (_batch_norm_variant(batch_stats_at_inference=True), "at inference use the moving averages"),
    (_batch_norm_variant(update_moving=False), "the new moving mean"),
    (lambda x, gamma, beta, mean, variance, training: x, "should return (y, moving_mean, moving_variance)"),
])
def test_batch_norm_wrong_answers_fail_with_a_specific_message(wrong_answer, fragment):
    assert fragment in _one_line_failure("02.batch_norm", wrong_answer)


# --------------------------------------------------------------- 02.most_confused


def test_most_confused_reference_on_hand_made_matrix():
    most_confused = _solution_function("02.most_confused", "most_confused")
    confusion = np.array([[9, 0, 2], [5, 9, 0], [0, 1, 9]])
    assert most_confused(confusion, 3) == [(1, 0, 5), (0, 2, 2), (2, 1, 1)]
    assert most_confused(confusion, 10) == [(1, 0, 5), (0, 2, 2), (2, 1, 1)]


def test_most_confused_that_keeps_the_diagonal_is_told_so():
    def with_diagonal(confusion, k):
        confusion = np.asarray(confusion)
        order = np.argsort(-confusion, axis=None)[:k]
        rows, cols = np.unravel_index(order, confusion.shape)
        return [(int(i), int(j), int(confusion[i, j])) for i, j in zip(rows, cols, strict=True)]

    message = _one_line_failure("02.most_confused", with_diagonal)
    assert "most_confused" in message and "skip the diagonal" in message


def test_most_confused_with_swapped_axes_is_rejected():
    reference = _solution_function("02.most_confused", "most_confused")

    def transposed(confusion, k):
        return reference(np.asarray(confusion).T, k)

    assert "should be [(2, 1, 9), (0, 2, 7)]" in _one_line_failure("02.most_confused", transposed)


# --------------------------------------------------------------- 03.lstm_param_count


@pytest.mark.parametrize("features, units", [(28, 128), (5, 7)])
def test_lstm_param_count_reference_matches_keras(features, units):
    lstm_param_count = _solution_function("03.lstm_param_count", "lstm_param_count")
    layer = keras.layers.LSTM(units)
    layer.build((None, 4, features))
    assert lstm_param_count(features, units) == layer.count_params()


def test_lstm_param_count_without_biases_is_rejected():
    message = _one_line_failure("03.lstm_param_count", lambda f, u: 4 * u * (f + u))
    assert message == "03.lstm_param_count: lstm_param_count(28, 128) should be 80384, got 79872"


# --------------------------------------------------------------- 03.lstm_step


def test_lstm_step_reference_matches_keras_lstm_one_step():
    lstm_step = _solution_function("03.lstm_step", "lstm_step")
    rng = np.random.default_rng(0)
    inputs = rng.standard_normal((2, 1, 3)).astype(np.float32)
    h_prev = rng.standard_normal((2, 5)).astype(np.float32)
    c_prev = rng.standard_normal((2, 5)).astype(np.float32)
    layer = keras.layers.LSTM(5, return_state=True)
    layer.build((None, 1, 3))
    kernel, recurrent_kernel, bias = layer.get_weights()
    bias = rng.standard_normal(bias.shape).astype(np.float32)
    layer.set_weights([kernel, recurrent_kernel, bias])
    _, keras_h, keras_c = layer(inputs, initial_state=[h_prev, c_prev])
    h_t, c_t = lstm_step(inputs[:, 0], h_prev, c_prev, kernel, recurrent_kernel, bias)
    np.testing.assert_allclose(h_t, np.asarray(keras_h), atol=1e-5)
    np.testing.assert_allclose(c_t, np.asarray(keras_c), atol=1e-5)


def _sigmoid(values):
    return 1.0 / (1.0 + np.exp(-values))


def test_lstm_step_with_swapped_gates_is_told_the_order():
    def swapped(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
        z = x_t @ kernel + h_prev @ recurrent_kernel + bias
        z_f, z_i, z_c, z_o = np.split(z, 4, axis=-1)  # wrong order
        c_t = _sigmoid(z_f) * c_prev + _sigmoid(z_i) * np.tanh(z_c)
        return _sigmoid(z_o) * np.tanh(c_t), c_t

    assert "swapped" in _one_line_failure("03.lstm_step", swapped)


def test_lstm_step_without_output_gate_is_rejected_on_h():
    def no_output_gate(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
        z = x_t @ kernel + h_prev @ recurrent_kernel + bias
        z_i, z_f, z_c, _ = np.split(z, 4, axis=-1)
        c_t = _sigmoid(z_f) * c_prev + _sigmoid(z_i) * np.tanh(z_c)
        return np.tanh(c_t), c_t

    assert "h_t = o * tanh(c_t)" in _one_line_failure("03.lstm_step", no_output_gate)
