"""Tests for course_utils.models.autoencoders: shapes, a training step that lowers the loss."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from course_utils.models import autoencoders as ae


def _digits(count=64):
    import course_utils as cu

    (x_train, _), _ = cu.datasets.load_mnist(verbose=False)
    return cu.datasets.to_float_images(x_train[:count])


@pytest.mark.parametrize("builder", [ae.build_dense_autoencoder, ae.build_conv_autoencoder])
def test_bottleneck_autoencoders_map_images_to_images_through_a_code(builder):
    model = builder(code_size=16)
    images = np.zeros((3, 28, 28, 1), np.float32)
    assert model(images).shape == (3, 28, 28, 1)
    assert ae.encode(model, images).shape == (3, 16)
    assert ae.decode(model, np.zeros((2, 16))).shape == (2, 28, 28, 1)


def test_dense_autoencoder_parameter_count_by_hand():
    model = ae.build_dense_autoencoder(code_size=32, hidden_units=128)
    # 784*128+128, 128*32+32, 32*128+128, 128*784+784
    expected = (784 * 128 + 128) + (128 * 32 + 32) + (32 * 128 + 128) + (128 * 784 + 784)
    assert model.count_params() == expected


def test_denoising_autoencoder_keeps_the_image_shape():
    model = ae.build_denoising_autoencoder(filters=8)
    assert model(np.zeros((2, 28, 28, 1), np.float32)).shape == (2, 28, 28, 1)


@pytest.mark.parametrize(
    "builder", [ae.build_dense_autoencoder, ae.build_conv_autoencoder, ae.build_denoising_autoencoder]
)
def test_training_steps_lower_the_loss_on_a_tiny_batch(builder):
    keras.utils.set_random_seed(0)
    model = builder()
    images = _digits(32)
    before = model.evaluate(images, images, verbose=0, return_dict=True)["loss"]
    for _ in range(30):
        model.train_on_batch(images, images)
    after = model.evaluate(images, images, verbose=0, return_dict=True)["loss"]
    assert after < 0.8 * before


def test_add_gaussian_noise_is_clipped_seeded_and_of_the_right_size():
    images = np.full((200, 28, 28, 1), 0.5, np.float32)
    noisy = ae.add_gaussian_noise(images, std=0.1, seed=3)
    assert noisy.dtype == np.float32 and noisy.shape == images.shape
    assert abs(float(np.std(noisy - images)) - 0.1) < 0.005
    np.testing.assert_array_equal(noisy, ae.add_gaussian_noise(images, std=0.1, seed=3))
    clipped = ae.add_gaussian_noise(images, std=2.0)
    assert clipped.min() == 0.0 and clipped.max() == 1.0


def test_reconstruction_errors_are_per_image_mse():
    identity = keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Rescaling(0.5)])
    images = np.random.default_rng(0).uniform(size=(4, 28, 28, 1)).astype(np.float32)
    expected = np.mean((0.5 * images - images) ** 2, axis=(1, 2, 3))
    np.testing.assert_allclose(ae.reconstruction_errors(identity, images), expected, rtol=1e-5)


def test_reconstruction_errors_explain_a_flat_output():
    flat = keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Flatten()])
    with pytest.raises(ValueError, match="must return the input's shape"):
        ae.reconstruction_errors(flat, np.zeros((2, 28, 28, 1), np.float32))


def test_image_dataset_pairs_images_with_themselves_or_with_fresh_noise():
    images = np.full((10, 28, 28, 1), 0.5, np.float32)
    inputs, targets = next(iter(ae.image_dataset(images, batch_size=4)))
    np.testing.assert_array_equal(inputs.numpy(), targets.numpy())
    noisy = ae.image_dataset(images, batch_size=10, noise_std=0.1, seed=1)
    first_inputs, first_targets = next(iter(noisy))
    second_inputs, _ = next(iter(noisy))  # a second epoch draws new noise
    np.testing.assert_array_equal(first_targets.numpy(), images)
    assert abs(float(np.std(first_inputs.numpy() - images)) - 0.1) < 0.01
    assert first_inputs.numpy().min() >= 0.0 and first_inputs.numpy().max() <= 1.0
    assert not np.array_equal(first_inputs.numpy(), second_inputs.numpy())
