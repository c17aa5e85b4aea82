"""Tests for course_utils.models.autoencoders: noisy copies and (input, target) training pairs."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from course_utils.models import autoencoders as ae


def test_add_gaussian_noise_is_clipped_seeded_and_of_the_right_size():
    images = np.full((200, 28, 28, 1), 0.5, np.float32)
    noisy = ae.add_gaussian_noise(images, std=0.1, seed=3)
    assert noisy.dtype == np.float32 and noisy.shape == images.shape
    assert abs(float(np.std(noisy - images)) - 0.1) < 0.005
    np.testing.assert_array_equal(noisy, ae.add_gaussian_noise(images, std=0.1, seed=3))
    clipped = ae.add_gaussian_noise(images, std=2.0)
    assert clipped.min() == 0.0 and clipped.max() == 1.0


def test_image_pairs_pair_images_with_themselves_or_with_fresh_noise():
    images = np.arange(10, dtype=np.float32)[:, None, None, None] * np.full((10, 28, 28, 1), 0.1, np.float32)
    pairs = ae.ImagePairs(images, batch_size=4)
    assert len(pairs) == 3
    batches = [pairs[index] for index in range(len(pairs))]
    assert all(np.array_equal(inputs, targets) for inputs, targets in batches)
    seen = np.sort(np.concatenate([targets[:, 0, 0, 0] for _, targets in batches]))
    np.testing.assert_allclose(seen, images[:, 0, 0, 0])  # every image once per epoch
    flat = np.full((10, 28, 28, 1), 0.5, np.float32)
    noisy = ae.ImagePairs(flat, batch_size=10, noise_std=0.1, seed=1)
    first_inputs, first_targets = noisy[0]
    noisy.on_epoch_end()
    second_inputs, _ = noisy[0]  # the next epoch draws new noise
    np.testing.assert_array_equal(first_targets, flat)
    assert abs(float(np.std(first_inputs - flat)) - 0.1) < 0.01
    assert first_inputs.min() >= 0.0 and first_inputs.max() <= 1.0
    assert not np.array_equal(first_inputs, second_inputs)


def test_image_pairs_train_a_model_without_warnings():
    import warnings

    images = np.random.default_rng(0).uniform(size=(16, 28, 28, 1)).astype(np.float32)
    model = keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="mse")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(ae.ImagePairs(images, batch_size=8, noise_std=0.2), epochs=2, verbose=0)
    with pytest.raises(ValueError, match="noise_std"):
        ae.ImagePairs(images, noise_std=-1.0)
