"""Tests for course_utils.exercises.ex02 and ex03: untouched, wrong and reference answers."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from course_utils.exercises import ExerciseFailure, NotAttemptedError, get_exercise, list_exercises

EXERCISES = [
    ("02.one_hot", "one_hot"),
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
    assert {"02.one_hot", "02.most_confused"} <= set(list_exercises("02"))
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
