"""Exercises of notebook 03 (recurrent networks that read images)."""

from __future__ import annotations

import numpy as np

from . import Exercise, expect, expect_close, expect_equal, register


def _check_lstm_param_count(lstm_param_count) -> None:
    # Reference values: keras.layers.LSTM(units).count_params() on inputs of `features` features.
    for features, units, expected in (
        (28, 128, 80_384),
        (28, 64, 23_808),
        (1, 1, 12),
        (10, 3, 168),
    ):
        expect_equal(lstm_param_count(features, units), expected,
                     f"lstm_param_count({features}, {units})")


def _sigmoid(values):
    return 1.0 / (1.0 + np.exp(-values))


def _reference_lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    """Keras' LSTM step (gate order i, f, c, o), used only to build expected values."""
    z = x_t @ kernel + h_prev @ recurrent_kernel + bias
    z_input, z_forget, z_cell, z_output = np.split(z, 4, axis=-1)
    c_t = _sigmoid(z_forget) * c_prev + _sigmoid(z_input) * np.tanh(z_cell)
    return _sigmoid(z_output) * np.tanh(c_t), c_t


def _check_lstm_step(lstm_step) -> None:
    # 1) hand-computable: all weights 0, so every gate is sigmoid(0) = 0.5 and the candidate is 0.
    h_t, c_t = lstm_step(np.ones((1, 1)), np.zeros((1, 1)), np.ones((1, 1)),
                         np.zeros((1, 4)), np.zeros((1, 4)), np.zeros(4))
    expect_close(c_t, [[0.5]], "with zero weights and c_prev = 1, c_t (forget gate 0.5 keeps half)")
    expect_close(
        h_t, [[0.5 * np.tanh(0.5)]], "with zero weights and c_prev = 1, h_t = o * tanh(c_t)"
    )
    # 2) random weights, compared with the Keras equations (gate order: input, forget, cell, output).
    rng = np.random.default_rng(3)
    batch, features, units = 2, 3, 4
    arguments = (rng.standard_normal((batch, features)), rng.standard_normal((batch, units)),
                 rng.standard_normal((batch, units)), rng.standard_normal((features, 4 * units)),
                 rng.standard_normal((units, 4 * units)), rng.standard_normal(4 * units))
    expected_h, expected_c = _reference_lstm_step(*arguments)
    h_t, c_t = lstm_step(*arguments)
    expect_equal(np.shape(h_t), (batch, units), "lstm_step(...)[0].shape (h_t)")
    expect_equal(np.shape(c_t), (batch, units), "lstm_step(...)[1].shape (c_t)")
    swapped = _reference_lstm_step(*arguments[:3], *(
        np.concatenate([w[..., units:2 * units], w[..., :units], w[..., 2 * units:]], axis=-1)
        for w in arguments[3:]))
    expect(not np.allclose(c_t, swapped[1]),
           "c_t looks like the input and forget gates are swapped: Keras orders them i, f, c, o")
    expect_close(c_t, expected_c, "c_t = f * c_prev + i * tanh(z_c) with random weights", atol=1e-6)
    expect_close(h_t, expected_h, "h_t = o * tanh(c_t) with random weights", atol=1e-6)


register(Exercise(
    key="03.lstm_param_count",
    title="write lstm_param_count(num_features, units): the parameters of keras.layers.LSTM(units)",
    checker=_check_lstm_param_count,
    hints=(
        "An LSTM has four gates (input, forget, candidate, output), each a small dense layer.",
        "Each gate sees the step's input and the previous state: num_features + units inputs, plus a bias.",
        "So 4 * (units * (num_features + units) + units).",
    ),
    solution_code=(
        "def lstm_param_count(num_features, units):\n"
        "    return 4 * (units * (num_features + units) + units)"
    ),
))

register(Exercise(
    key="03.lstm_step",
    title="write lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias) -> (h_t, c_t) in NumPy",
    checker=_check_lstm_step,
    hints=(
        "Compute all four gates at once: z = x_t @ kernel + h_prev @ recurrent_kernel + bias.",
        "Split z into 4 equal parts along the last axis, in Keras' order: input, forget, cell, output.",
        "c_t = sigmoid(z_f) * c_prev + sigmoid(z_i) * tanh(z_c); h_t = sigmoid(z_o) * tanh(c_t).",
    ),
    solution_code=(
        "def lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):\n"
        "    sigmoid = lambda v: 1.0 / (1.0 + np.exp(-v))\n"
        "    z = x_t @ kernel + h_prev @ recurrent_kernel + bias\n"
        "    z_i, z_f, z_c, z_o = np.split(z, 4, axis=-1)\n"
        "    c_t = sigmoid(z_f) * c_prev + sigmoid(z_i) * np.tanh(z_c)\n"
        "    h_t = sigmoid(z_o) * np.tanh(c_t)\n"
        "    return h_t, c_t"
    ),
))
