"""Exercises of notebook 04 (autoencoders)."""

from __future__ import annotations

import numpy as np

from . import Exercise, expect, expect_close, expect_equal, register


def _dense_parameter_count(code_size: int) -> int:
    return (784 * 128 + 128) + (128 * code_size + code_size) + (code_size * 128 + 128) + (128 * 784 + 784)


def _check_dense_autoencoder(dense_autoencoder) -> None:
    import keras

    model = dense_autoencoder(32)
    expect(isinstance(model, keras.Model),
           f"dense_autoencoder(32) should return a keras.Model, got {type(model).__name__}")  # fmt: skip
    images = np.random.default_rng(0).uniform(size=(4, 28, 28, 1)).astype(np.float32)
    output = np.asarray(model(images))
    expect(output.shape == (4, 28, 28, 1),
           f"dense_autoencoder(32) maps 4 images of shape (28, 28, 1) to shape {output.shape}; "
           "it should return (4, 28, 28, 1): reshape the 784 outputs")  # fmt: skip
    expect(output.min() >= 0.0 and output.max() <= 1.0,
           "the reconstructions should lie in [0, 1] like the pixels: end with a sigmoid")  # fmt: skip
    expect_equal(model.count_params(), _dense_parameter_count(32),
                 "dense_autoencoder(32).count_params() (layers 784-128-32-128-784)")  # fmt: skip
    expect_equal(dense_autoencoder(8).count_params(), _dense_parameter_count(8),
                 "dense_autoencoder(8).count_params() (the code size must be the argument)")  # fmt: skip
    model.compile(optimizer="adam", loss="mse")
    model.fit(images, images, epochs=1, verbose=0)  # the article's version fails here


def _check_psnr(psnr) -> None:
    zeros = np.zeros((2, 2))
    expect_close(psnr(zeros, np.full((2, 2), 0.1)), 20.0, "psnr(zeros, 0.1 everywhere)", atol=1e-6)
    expect_close(psnr(zeros, np.full((2, 2), 0.5)), 10 * np.log10(4.0),
                 "psnr(zeros, 0.5 everywhere)", atol=1e-6)  # fmt: skip
    value = psnr(np.full((3, 3), 100.0), np.full((3, 3), 105.0), max_value=255.0)
    expect_close(value, 20 * np.log10(51.0), "psnr(100s, 105s, max_value=255)", atol=1e-6)
    half_wrong = np.array([[0.0, 0.0], [0.0, 1.0]])  # MSE 0.25 -> 6.02 dB
    expect_close(psnr(zeros, half_wrong), 10 * np.log10(4.0), "psnr(zeros, [[0, 0], [0, 1]])",
                 atol=1e-6)  # fmt: skip
    expect(psnr(np.ones(4), np.ones(4)) == np.inf,
           f"psnr of identical images should be inf, got {psnr(np.ones(4), np.ones(4))}")  # fmt: skip


register(Exercise(
    key="04.dense_autoencoder",
    title="fix the article's dense autoencoder: dense_autoencoder(code_size) -> a model (N, 28, 28, 1) -> (N, 28, 28, 1)",
    checker=_check_dense_autoencoder,
    hints=(
        "Keep the article's layers: Flatten, Dense(128, relu), Dense(code_size), Dense(128, relu), "
        "Dense(784, sigmoid).",
        "The last Dense gives (N, 784); the target is (N, 28, 28, 1). Add one layer at the end.",
        "keras.layers.Reshape((28, 28, 1)) as the last layer.",
    ),
    solution_code=(
        "def dense_autoencoder(code_size):\n"
        "    return keras.Sequential([\n"
        "        keras.Input(shape=(28, 28, 1)),\n"
        "        keras.layers.Flatten(),\n"
        "        keras.layers.Dense(128, activation='relu'),\n"
        "        keras.layers.Dense(code_size, activation='relu'),\n"
        "        keras.layers.Dense(128, activation='relu'),\n"
        "        keras.layers.Dense(784, activation='sigmoid'),\n"
        "        keras.layers.Reshape((28, 28, 1)),\n"
        "    ])"
    ),
))  # fmt: skip

register(Exercise(
    key="04.psnr",
    title="write psnr(reference, estimate, max_value=1.0): 10 log10(max_value^2 / MSE) in dB",
    checker=_check_psnr,
    hints=(
        "MSE is the mean of the squared differences over all pixels.",
        "np.log10 gives the base-10 logarithm; identical images give MSE 0 and PSNR inf.",
        "return 10 * np.log10(max_value ** 2 / np.mean((reference - estimate) ** 2))",
    ),
    solution_code=(
        "def psnr(reference, estimate, max_value=1.0):\n"
        "    reference = np.asarray(reference, dtype=float)\n"
        "    estimate = np.asarray(estimate, dtype=float)\n"
        "    mse = np.mean((reference - estimate) ** 2)\n"
        "    with np.errstate(divide='ignore'):\n"
        "        return float(10 * np.log10(max_value ** 2 / mse))"
    ),
))  # fmt: skip
