"""Tests for course_utils.models.gan: shapes, losses, the EMA update and training."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from course_utils.models import gan as gan_module


def test_conditional_generator_and_discriminator_shapes():
    generator = gan_module.build_generator(latent_dim=16, num_classes=10, width=8)
    images = generator([np.zeros((3, 16), np.float32), np.array([0, 5, 9])])
    assert images.shape == (3, 28, 28, 1)
    assert float(np.max(np.abs(images))) <= 1.0  # tanh output
    discriminator = gan_module.build_discriminator(num_classes=10, width=8)
    real_logit, class_logits = discriminator(images)
    assert real_logit.shape == (3, 1) and class_logits.shape == (3, 10)


def test_unconditional_models_have_single_inputs_and_outputs():
    generator = gan_module.build_generator(latent_dim=8, num_classes=None, width=8)
    assert generator(np.zeros((2, 8), np.float32)).shape == (2, 28, 28, 1)
    discriminator = gan_module.build_discriminator(num_classes=None, width=8)
    assert discriminator(np.zeros((2, 28, 28, 1), np.float32)).shape == (2, 1)


def test_builders_validate_arguments():
    with pytest.raises(ValueError, match="latent_dim"):
        gan_module.build_generator(latent_dim=0)
    with pytest.raises(ValueError, match="dropout"):
        gan_module.build_discriminator(dropout=1.5)


def test_generate_returns_unit_range_images_with_cycled_labels():
    gan = gan_module.build_dcgan(latent_dim=8, width=8)
    samples = gan.generate(12, seed=1)
    assert samples.shape == (12, 28, 28, 1) and samples.dtype == np.float32
    assert samples.min() >= 0.0 and samples.max() <= 1.0
    np.testing.assert_array_equal(samples, gan.generate(12, seed=1))


def _tiny_batch():
    import course_utils as cu

    (x_train, y_train), _ = cu.datasets.load_mnist(verbose=False)
    images = x_train[:64].astype(np.float32)[..., None] / 127.5 - 1.0
    return images, y_train[:64].astype(np.int32)


def test_discriminator_step_lowers_its_loss_on_a_tiny_batch():
    keras.utils.set_random_seed(0)
    gan = gan_module.build_dcgan(latent_dim=16, width=16, d_learning_rate=1e-3)
    images, labels = _tiny_batch()
    first = gan.train_on_batch(images, labels, return_dict=True)
    for _ in range(15):
        gan.reset_metrics()
        last = gan.train_on_batch(images, labels, return_dict=True)
    assert np.isfinite(last["g_loss"])
    assert last["d_loss"] < 0.8 * first["d_loss"]  # mostly the class head, learnt on the batch


def test_ema_generator_moves_towards_the_trained_generator():
    keras.utils.set_random_seed(0)
    gan = gan_module.build_dcgan(latent_dim=16, width=8, ema_decay=0.9)
    start = [w.copy() for w in gan.ema_generator.get_weights()]
    images, labels = _tiny_batch()
    gan.train_on_batch(images, labels)
    trained = gan.generator.get_weights()
    ema = gan.ema_generator.get_weights()
    # First step: decay = min(0.9, (1 + 1) / (10 + 1)) = 2/11.
    decay = 2.0 / 11.0
    index = next(i for i, w in enumerate(trained) if w.ndim == 2)  # the dense kernel
    np.testing.assert_allclose(ema[index], decay * start[index] + (1 - decay) * trained[index],
                               rtol=1e-4, atol=1e-6)  # fmt: skip


def test_sample_grid_callback_keeps_a_grid_per_epoch():
    gan = gan_module.build_dcgan(latent_dim=8, width=8)
    images, labels = _tiny_batch()
    callback = gan_module.SampleGridCallback(num_images=10)
    losses = gan_module.LossHistory()
    gan.fit(images, labels, batch_size=32, epochs=2, verbose=0, callbacks=[callback, losses])
    assert [epoch for epoch, _ in callback.grids] == [1, 2]
    assert callback.grids[-1][1].shape == (10, 28, 28, 1)
    assert len(losses.d_losses) == len(losses.g_losses) == 4  # 2 epochs x 2 batches
    assert all(np.isfinite(losses.d_losses + losses.g_losses))


def test_training_dataset_scales_to_minus_one_one_and_keeps_pairs():
    images = np.linspace(0, 1, 6 * 784, dtype=np.float32).reshape(6, 28, 28, 1)
    labels = np.arange(6)
    batches = list(gan_module.training_dataset(images, labels, batch_size=4))
    assert len(batches) == 1  # the incomplete batch is dropped
    batch_images, batch_labels = (tensor.numpy() for tensor in batches[0])
    assert batch_images.shape == (4, 28, 28, 1)
    for image, label in zip(batch_images, batch_labels, strict=True):
        np.testing.assert_allclose(image, images[label] * 2 - 1, atol=1e-6)
