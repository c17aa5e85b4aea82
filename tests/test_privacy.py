"""Tests for course_utils.privacy: DP-SGD steps, the accountant, membership inference, faces."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy.optimize import brentq
from scipy.stats import norm

from course_utils import privacy


def _linear_model():
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])


def _squared_error(y_true, y_pred):
    return tf.reduce_sum((y_pred - tf.cast(y_true, y_pred.dtype)) ** 2, axis=-1)


def test_per_example_gradients_match_the_formula_for_a_linear_model():
    model = _linear_model()
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    y = np.random.default_rng(1).normal(size=(5, 1)).astype(np.float32)
    kernel, bias = model.get_weights()
    residual = x @ kernel + bias - y  # d/dw (xw + b - y)^2 = 2 (xw + b - y) x
    kernel_grads, bias_grads = privacy.per_example_gradients(model, _squared_error, x, y)
    np.testing.assert_allclose(kernel_grads.numpy(), 2 * residual[:, None, :] * x[:, :, None],
                               rtol=1e-5, atol=1e-6)  # fmt: skip
    np.testing.assert_allclose(bias_grads.numpy(), 2 * residual, rtol=1e-5, atol=1e-6)


def test_clipping_bounds_every_example_and_keeps_small_ones():
    model = _linear_model()
    rng = np.random.default_rng(2)
    x = (rng.normal(size=(16, 3)) * np.linspace(0.01, 10, 16)[:, None]).astype(np.float32)
    y = rng.normal(size=(16, 1)).astype(np.float32)
    gradients = privacy.per_example_gradients(model, _squared_error, x, y)
    clipped, norms = privacy.clip_gradients(gradients, 1.0)
    flat = np.concatenate([g.numpy().reshape(16, -1) for g in gradients], axis=1)
    flat_clipped = np.concatenate([g.numpy().reshape(16, -1) for g in clipped], axis=1)
    np.testing.assert_allclose(norms.numpy(), np.linalg.norm(flat, axis=1), rtol=1e-5)
    clipped_norms = np.linalg.norm(flat_clipped, axis=1)
    assert np.all(clipped_norms <= 1.0 + 1e-5)
    big = norms.numpy() > 1
    assert big.any() and (~big).any()
    np.testing.assert_allclose(clipped_norms[big], 1.0, rtol=1e-5)
    np.testing.assert_allclose(flat_clipped[~big], flat[~big], rtol=1e-6)  # small ones untouched


def test_noise_has_standard_deviation_sigma_times_clip_over_batch_size():
    zeros = [tf.zeros((10, 200, 50))]  # 10 examples, 10,000 coordinates of zero gradient
    averaged = privacy.noisy_average(zeros, l2_norm_clip=2.0, noise_multiplier=1.5,
                                     expected_batch_size=4.0, seed=3)[0].numpy()  # fmt: skip
    assert averaged.shape == (200, 50)
    assert averaged.std() == pytest.approx(1.5 * 2.0 / 4.0, rel=0.03)
    assert abs(averaged.mean()) < 0.03


def test_dp_train_step_applies_clipped_noiseless_mean_when_sigma_is_zero():
    model = _linear_model()
    x = np.random.default_rng(3).normal(size=(8, 3)).astype(np.float32) * 5
    y = np.zeros((8, 1), dtype=np.float32)
    before = [w.copy() for w in model.get_weights()]
    gradients = privacy.per_example_gradients(model, _squared_error, x, y)
    clipped, _ = privacy.clip_gradients(gradients, 0.5)
    expected_step = [g.numpy().sum(axis=0) / 8.0 for g in clipped]
    dp_model = privacy.DPSGDModel(model, l2_norm_clip=0.5, noise_multiplier=0.0,
                                  expected_batch_size=8, loss_fn=_squared_error)  # fmt: skip
    dp_model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    dp_model.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    for old, new, step in zip(before, model.get_weights(), expected_step, strict=False):
        np.testing.assert_allclose(new, old - 0.1 * step, rtol=1e-5, atol=1e-6)


def _analytic_gaussian_epsilon(sigma, delta):
    # Balle & Wang (2018): exact (epsilon, delta) curve of one Gaussian mechanism, sensitivity 1.
    def delta_of(epsilon):
        return (norm.cdf(-epsilon * sigma + 1 / (2 * sigma))
                - np.exp(epsilon) * norm.cdf(-epsilon * sigma - 1 / (2 * sigma)))  # fmt: skip
    return brentq(lambda e: delta_of(e) - delta, 1e-6, 100)


def test_epsilon_of_composed_gaussians_matches_the_analytic_formula():
    # q = 1 and T steps of noise sigma are one Gaussian mechanism of noise sigma / sqrt(T).
    sigma, steps, delta = 4.0, 16, 1e-5
    exact = _analytic_gaussian_epsilon(sigma / np.sqrt(steps), delta)
    assert privacy.compute_epsilon(sigma, 1.0, steps, delta, accountant="pld") == pytest.approx(exact, rel=0.02)
    rdp = privacy.compute_epsilon(sigma, 1.0, steps, delta, accountant="rdp")
    orders = np.array(privacy.RDP_ORDERS)
    classic = np.min(steps * orders / (2 * sigma**2) + np.log(1 / delta) / (orders - 1))
    assert exact <= rdp <= classic + 1e-9


def test_epsilon_for_the_tensorflow_privacy_tutorial_setting():
    # TF Privacy's MNIST tutorial (tutorials/README.md): N=60,000, batch 256, sigma 1.12,
    # 60 epochs, delta 1e-5: eps = 2.92 with the RDP accountant and the classic RDP-to-DP
    # conversion. dp-accounting converts more tightly, so it must report a bit less.
    q, steps = 256 / 60000, 60 * 60000 // 256
    rdp = privacy.compute_epsilon(1.12, q, steps, 1e-5)
    pld = privacy.compute_epsilon(1.12, q, steps, 1e-5, accountant="pld")
    assert 2.3 < rdp <= 2.92
    assert pld <= rdp
    assert privacy.compute_epsilon(1.12, q, steps // 2) < rdp  # fewer steps, less privacy spent


def test_poisson_batches_have_the_expected_mean_size():
    images = np.arange(1000, dtype=np.float32).reshape(1000, 1)
    labels = np.arange(1000)
    sizes = [len(batch_labels) for _, batch_labels in privacy.poisson_batches(images, labels, 0.05).take(200)]
    assert np.mean(sizes) == pytest.approx(50, rel=0.05)
    assert np.std(sizes) == pytest.approx(np.sqrt(1000 * 0.05 * 0.95), rel=0.25)


def test_membership_advantage_on_hand_made_losses():
    assert privacy.membership_advantage([0.1, 0.2, 0.3], [1.0, 2.0, 3.0]) == pytest.approx(1.0)
    assert privacy.membership_advantage([1.0, 2.0], [1.0, 2.0]) == pytest.approx(0.0)
    # threshold 0.5 catches 3/4 members and 1/4 non-members: advantage 0.5
    assert privacy.membership_advantage([0.1, 0.2, 0.5, 0.9], [0.15, 0.6, 0.7, 0.8]) == pytest.approx(0.5)


def test_faces_are_found_on_the_astronaut_and_blurred():
    import skimage.data

    photo = skimage.data.astronaut()
    boxes = privacy.detect_faces(photo)
    assert len(boxes) >= 1
    row, col, height, width = boxes[0]
    assert 100 < row + height / 2 < 250 and 150 < col + width / 2 < 300  # Eileen Collins' face
    blurred = privacy.blur_regions(photo, boxes)
    assert blurred.shape == photo.shape and blurred.dtype == photo.dtype
    face = (slice(row, row + height), slice(col, col + width))
    assert blurred[face].astype(float).std() < photo[face].astype(float).std() * 0.8
    np.testing.assert_array_equal(blurred[-50:], photo[-50:])
