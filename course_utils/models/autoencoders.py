"""Autoencoders for 28x28x1 images (Keras 3): dense, convolutional, denoising.

Every builder returns a compiled ``keras.Model`` mapping ``(N, 28, 28, 1)``
images in [0, 1] to reconstructions of the same shape (sigmoid output). The
encoder and decoder are sub-models, reachable as
``model.get_layer("encoder")`` and ``model.get_layer("decoder")``.

Helpers: :func:`add_gaussian_noise` (noisy inputs for denoising, clipped to
[0, 1]) and :func:`reconstruction_errors` (per-image MSE, for anomaly detection).
"""

from __future__ import annotations

import keras
import numpy as np

IMAGE_SHAPE = (28, 28, 1)


def _check_positive_int(name, value):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")


def _assemble(encoder, decoder, name, learning_rate):
    images = keras.Input(shape=IMAGE_SHAPE, name="images")
    model = keras.Model(images, decoder(encoder(images)), name=name)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse")
    return model


def build_dense_autoencoder(code_size: int = 32, hidden_units: int = 128,
                            learning_rate: float = 1e-3) -> keras.Model:  # fmt: skip
    """Dense autoencoder: 784 -> hidden -> code -> hidden -> 784, reshaped to 28x28x1.

    The final ``Reshape`` is what the source article's version lacks: without
    it the output is a flat ``(N, 784)`` vector while the target is ``(N, 28, 28, 1)``.

    Parameters
    ----------
    code_size : int, default 32
        Length of the code (the bottleneck); compression ratio = 784 / code_size.
    hidden_units : int, default 128
    learning_rate : float, default 1e-3
        Adam's step size; the loss is the mean squared error.

    Returns
    -------
    keras.Model
        ``(N, 28, 28, 1) -> (N, 28, 28, 1)``, compiled.
    """
    _check_positive_int("code_size", code_size)
    _check_positive_int("hidden_units", hidden_units)
    encoder = keras.Sequential([
        keras.Input(shape=IMAGE_SHAPE),
        keras.layers.Flatten(),
        keras.layers.Dense(hidden_units, activation="relu"),
        keras.layers.Dense(code_size, name="code"),
    ], name="encoder")  # fmt: skip
    decoder = keras.Sequential([
        keras.Input(shape=(code_size,)),
        keras.layers.Dense(hidden_units, activation="relu"),
        keras.layers.Dense(int(np.prod(IMAGE_SHAPE)), activation="sigmoid"),
        keras.layers.Reshape(IMAGE_SHAPE),
    ], name="decoder")  # fmt: skip
    return _assemble(encoder, decoder, "dense_autoencoder", learning_rate)


def build_conv_autoencoder(code_size: int = 32, filters: tuple = (32, 64),
                           learning_rate: float = 1e-3) -> keras.Model:  # fmt: skip
    """Convolutional autoencoder with a dense bottleneck of ``code_size`` numbers.

    Encoder: two stride-2 3x3 convolutions (28 -> 14 -> 7), flatten, dense code.
    Decoder: the mirror image, dense to 7x7 then two stride-2 transposed
    convolutions back to 28x28 (the last one with a sigmoid).

    Parameters
    ----------
    code_size : int, default 32
    filters : (int, int), default (32, 64)
        Feature maps at 14x14 and at 7x7.
    learning_rate : float, default 1e-3

    Returns
    -------
    keras.Model
        ``(N, 28, 28, 1) -> (N, 28, 28, 1)``, compiled with the MSE loss.
    """
    _check_positive_int("code_size", code_size)
    first, second = (int(f) for f in filters)
    encoder = keras.Sequential([
        keras.Input(shape=IMAGE_SHAPE),
        keras.layers.Conv2D(first, 3, strides=2, padding="same", activation="relu"),
        keras.layers.Conv2D(second, 3, strides=2, padding="same", activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(code_size, name="code"),
    ], name="encoder")  # fmt: skip
    decoder = keras.Sequential([
        keras.Input(shape=(code_size,)),
        keras.layers.Dense(7 * 7 * second, activation="relu"),
        keras.layers.Reshape((7, 7, second)),
        keras.layers.Conv2DTranspose(first, 3, strides=2, padding="same", activation="relu"),
        keras.layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid"),
    ], name="decoder")  # fmt: skip
    return _assemble(encoder, decoder, "conv_autoencoder", learning_rate)


def build_denoising_autoencoder(filters: int = 24, learning_rate=1e-3) -> keras.Model:
    """Fully convolutional denoiser (no dense bottleneck), for noisy -> clean training.

    28x28 -> 14x14 -> 7x7 and back, with a skip connection that adds the 14x14
    encoder features to the decoder's (a small U-Net): the bottleneck removes
    noise, the skip keeps the strokes sharp.

    Parameters
    ----------
    filters : int, default 24
        Feature maps at 28x28 and 14x14 (twice as many at 7x7).
    learning_rate : float or keras.optimizers.schedules.LearningRateSchedule, default 1e-3
        Adam's step size (a schedule such as ``CosineDecay`` ends training finer).

    Returns
    -------
    keras.Model
        ``(N, 28, 28, 1) -> (N, 28, 28, 1)``, compiled with the binary
        cross-entropy loss (per pixel; MSE is reported as a metric). With the
        MSE loss this network often collapses to an all-black output early on
        (most MNIST pixels are black), after which its ReLUs never recover.
    """
    _check_positive_int("filters", filters)
    images = keras.Input(shape=IMAGE_SHAPE, name="noisy")
    x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(images)
    skip = keras.layers.Conv2D(filters, 3, strides=2, padding="same", activation="relu")(x)
    x = keras.layers.Conv2D(2 * filters, 3, strides=2, padding="same", activation="relu")(skip)
    x = keras.layers.Conv2D(2 * filters, 3, padding="same", activation="relu")(x)
    x = keras.layers.Conv2DTranspose(filters, 3, strides=2, padding="same", activation="relu")(x)
    x = keras.layers.Add()([x, skip])
    x = keras.layers.Conv2DTranspose(filters, 3, strides=2, padding="same", activation="relu")(x)
    outputs = keras.layers.Conv2D(1, 3, padding="same", activation="sigmoid")(x)
    model = keras.Model(images, outputs, name="denoising_autoencoder")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy",
                  metrics=["mse"])  # fmt: skip
    return model


def add_gaussian_noise(images, std: float = 0.4, seed: int = 0) -> np.ndarray:
    """Add N(0, std^2) noise to each pixel and clip to [0, 1].

    Parameters
    ----------
    images : numpy.ndarray, float in [0, 1]
    std : float, default 0.4
    seed : int, default 0

    Returns
    -------
    numpy.ndarray of float32, same shape
    """
    images = np.asarray(images, dtype=np.float32)
    if std < 0:
        raise ValueError(f"std must be non-negative, got {std!r}.")
    noise = np.random.default_rng(seed).normal(0.0, std, size=images.shape).astype(np.float32)
    return np.clip(images + noise, 0.0, 1.0)


def image_dataset(images, batch_size: int = 128, noise_std: float | None = None,
                  seed: int = 0, shuffle: bool = True):  # fmt: skip
    """A ``tf.data`` pipeline of ``(input, target)`` batches for training an autoencoder.

    The target is the clean image; the input is the same image, or, with
    ``noise_std``, the image plus fresh N(0, noise_std^2) noise clipped to [0, 1],
    drawn anew every epoch (more varied than one fixed noisy copy, and no second
    copy of the training set in memory).

    Parameters
    ----------
    images : numpy.ndarray of float32, shape (N, 28, 28, 1), values in [0, 1]
    batch_size : int, default 128
    noise_std : float or None, default None
    seed : int, default 0
        Seeds the shuffling and the noise.
    shuffle : bool, default True

    Returns
    -------
    tf.data.Dataset
        Yields ``(inputs, targets)``, each float32 of shape ``(batch, 28, 28, 1)``.
    """
    import tensorflow as tf

    _check_positive_int("batch_size", batch_size)
    if noise_std is not None and noise_std < 0:
        raise ValueError(f"noise_std must be non-negative or None, got {noise_std!r}.")
    images = np.asarray(images, dtype=np.float32)
    image_shape = images.shape[1:]

    def gather(indices):  # reads the NumPy array in place: no copy of the training set
        batch = tf.numpy_function(lambda rows: images[rows], [indices], tf.float32)
        batch.set_shape((None, *image_shape))
        return batch

    dataset = tf.data.Dataset.range(len(images))
    if shuffle:  # shuffle indices, not images: a buffer of images would be a second copy
        dataset = dataset.shuffle(len(images), seed=seed)
    dataset = dataset.batch(batch_size).map(gather)
    if noise_std is None:
        return dataset.map(lambda clean: (clean, clean)).prefetch(2)
    generator = tf.random.Generator.from_seed(seed)

    def add_noise(clean):
        noise = generator.normal(tf.shape(clean), stddev=noise_std)
        return tf.clip_by_value(clean + noise, 0.0, 1.0), clean

    return dataset.map(add_noise).prefetch(2)


def reconstruction_errors(model, images, batch_size: int = 500) -> np.ndarray:
    """Per-image mean squared reconstruction error, shape ``(N,)``.

    Parameters
    ----------
    model : keras.Model
        An autoencoder mapping images to images of the same shape.
    images : numpy.ndarray, shape (N, 28, 28, 1)
    batch_size : int, default 500
    """
    images = np.asarray(images, dtype=np.float32)
    reconstructions = np.asarray(model.predict(images, batch_size=batch_size, verbose=0))
    if reconstructions.shape != images.shape:
        raise ValueError(
            f"The model returns shape {reconstructions.shape[1:]} for images of shape "
            f"{images.shape[1:]}: an autoencoder must return the input's shape."
        )
    return np.mean((reconstructions - images) ** 2, axis=tuple(range(1, images.ndim)))


def encode(model, images, batch_size: int = 500) -> np.ndarray:
    """Codes of ``images`` from an autoencoder built here: shape ``(N, code_size)``."""
    encoder = model.get_layer("encoder")
    return np.asarray(encoder.predict(np.asarray(images, np.float32), batch_size=batch_size, verbose=0))


def decode(model, codes, batch_size: int = 500) -> np.ndarray:
    """Images decoded from ``codes``: shape ``(N, 28, 28, 1)``."""
    decoder = model.get_layer("decoder")
    return np.asarray(decoder.predict(np.asarray(codes, np.float32), batch_size=batch_size, verbose=0))
