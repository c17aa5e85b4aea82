"""Small Keras models for the applications notebooks (06): faces, CIFAR-10,
restoration. Every builder returns an uncompiled ``keras.Model`` whose first
layer is a ``keras.Input``.
"""

from __future__ import annotations

import keras
from keras import layers

__all__ = [
    "TimeBudgetSchedule",
    "build_cifar_cnn",
    "build_face_cnn",
    "build_restoration_autoencoder",
    "build_superres_cnn",
]


def _conv_bn_relu(x, filters: int):
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization(momentum=0.9)(x)
    return layers.ReLU()(x)


def build_face_cnn(image_size: int = 25) -> keras.Model:
    """A tiny CNN that tells a face (1) from a non-face (0) in a grey window.

    Parameters
    ----------
    image_size : int, default 25
        Side of the square grey windows (scikit-image's LFW subset uses 25).

    Returns
    -------
    keras.Model
        Input ``(image_size, image_size, 1)`` in [0, 1]; output ``(1,)``, the
        probability of "face" (sigmoid).
    """
    return keras.Sequential([
        keras.Input((image_size, image_size, 1)),
        layers.RandomFlip("horizontal"),
        layers.Conv2D(16, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dropout(0.3),
        layers.Dense(32, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ], name="face_cnn")  # fmt: skip


def build_cifar_cnn(stages=((32,), (64,), (128,), (256,)), translate: float = 0.1,
                    num_classes: int = 10, rescale: float | None = None) -> keras.Model:  # fmt: skip
    """A CNN for 32x32 colour photos with augmentation and batch normalisation.

    Parameters
    ----------
    stages : sequence of sequences of int
        Filters of the 3x3 convolutions (each followed by batch normalisation
        and ReLU), stage by stage; a 2x2 max-pooling separates the stages.
    translate : float, default 0.1
        Random shifts during training, as a fraction of the image (0: none).
    num_classes : int, default 10
    rescale : float, optional
        Multiply the input by this first, e.g. ``1 / 255`` to feed uint8 photos
        directly (a quarter of the memory of float32 copies).

    Returns
    -------
    keras.Model
        Input ``(32, 32, 3)`` in [0, 1] (or 0-255 with ``rescale=1 / 255``); output ``(num_classes,)`` softmax.
        Augmentation (random horizontal flips and shifts) is active only
        during training.
    """
    inputs = keras.Input((32, 32, 3))
    x = layers.Rescaling(rescale)(inputs) if rescale else inputs
    x = layers.RandomFlip("horizontal")(x)
    if translate:
        x = layers.RandomTranslation(translate, translate, fill_mode="reflect")(x)
    for index, stage in enumerate(stages):
        if index:
            x = layers.MaxPooling2D()(x)
        for filters in stage:
            x = _conv_bn_relu(x, filters)
    x = layers.GlobalMaxPooling2D()(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="cifar_cnn")


def build_restoration_autoencoder(image_size: int = 28, widths=(32, 64)) -> keras.Model:
    """A convolutional autoencoder that maps a damaged grey image to a clean one.

    Two stride-2 convolutions encode (to a quarter of the resolution), two
    transposed convolutions decode; the output goes through a sigmoid
    (pixels in [0, 1]). Used for denoising and for inpainting (filling in a
    hole).

    Parameters
    ----------
    image_size : int, default 28
        Side of the square grey images; must be divisible by 4.
    widths : (int, int)
        Filters of the two encoder stages; the decoder uses ``widths[0]`` and
        ``widths[0] // 2``.

    Returns
    -------
    keras.Model
        Input and output ``(image_size, image_size, 1)``.
    """
    if image_size % 4:
        raise ValueError(f"image_size must be divisible by 4, got {image_size}.")
    return keras.Sequential([
        keras.Input((image_size, image_size, 1)),
        layers.Conv2D(widths[0], 3, strides=2, padding="same", activation="relu"),
        layers.Conv2D(widths[1], 3, strides=2, padding="same", activation="relu"),
        layers.Conv2D(widths[1], 3, padding="same", activation="relu"),
        layers.Conv2DTranspose(widths[0], 3, strides=2, padding="same", activation="relu"),
        layers.Conv2DTranspose(widths[0] // 2, 3, strides=2, padding="same", activation="relu"),
        layers.Conv2D(1, 3, padding="same", activation="sigmoid"),
    ], name="restoration_autoencoder")  # fmt: skip


def build_superres_cnn(low_size: int = 14, scale: int = 2, filters: int = 32) -> keras.Model:
    """A small super-resolution CNN: bicubic upsampling plus a learned correction.

    The network first enlarges the image by ``scale`` with bicubic
    interpolation, then three convolutions predict what bicubic got wrong
    (the residual), which is added back. It starts out as bicubic and can
    only learn to improve on it.

    Parameters
    ----------
    low_size : int, default 14
        Side of the square grey low-resolution input.
    scale : int, default 2
    filters : int, default 32

    Returns
    -------
    keras.Model
        Input ``(low_size, low_size, 1)``, output ``(scale * low_size, scale * low_size, 1)``.
    """
    inputs = keras.Input((low_size, low_size, 1))
    upsampled = layers.Resizing(low_size * scale, low_size * scale, interpolation="bicubic")(inputs)
    x = layers.Conv2D(filters, 5, padding="same", activation="relu")(upsampled)
    x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    residual = layers.Conv2D(1, 3, padding="same", kernel_initializer="zeros")(x)
    outputs = layers.Add()([upsampled, residual])
    return keras.Model(inputs, outputs, name="superres_cnn")


class TimeBudgetSchedule(keras.callbacks.Callback):
    """Train for a fixed wall-clock budget, with a learning rate that follows the clock.

    The learning rate rises linearly during the first ``warmup_fraction`` of
    the budget, then falls along a cosine curve to zero at the end of the
    budget, where training stops (even in the middle of an epoch). So a slow
    machine runs fewer epochs, but every run ends with a fully annealed
    learning rate ("budgeted training", Li, Yumer and Ramanan, ICLR 2020).
    The clock starts after the first batch, which includes the one-off
    compilation of the training step.

    Parameters
    ----------
    budget_s : float
        Training time in seconds.
    peak_learning_rate : float
    warmup_fraction : float, default 0.15
    max_steps : int, optional
        Also stop after this many batches; the schedule then follows whichever
        of time and steps runs out first (fast mode uses it, so that a loaded
        machine still trains the same number of batches).

    Attributes
    ----------
    elapsed_s : float
        Seconds trained so far.
    steps : int
        Batches trained so far.
    """

    def __init__(self, budget_s: float, peak_learning_rate: float, warmup_fraction: float = 0.15,
                 max_steps: int | None = None):  # fmt: skip
        super().__init__()
        if budget_s <= 0 or peak_learning_rate <= 0 or not 0 <= warmup_fraction < 1:
            raise ValueError("budget_s and peak_learning_rate must be positive and 0 <= warmup_fraction < 1.")
        if max_steps is not None and max_steps < 1:
            raise ValueError(f"max_steps must be at least 1 (or None), got {max_steps}.")
        self.max_steps = max_steps
        self.budget_s = float(budget_s)
        self.peak_learning_rate = float(peak_learning_rate)
        self.warmup_fraction = float(warmup_fraction)
        self.elapsed_s = 0.0
        self.steps = 0
        self._start = None

    def learning_rate_at(self, fraction: float) -> float:
        """The learning rate after ``fraction`` (0-1) of the budget."""
        import math

        if fraction < self.warmup_fraction:
            return self.peak_learning_rate * max(fraction / self.warmup_fraction, 0.02)
        progress = (fraction - self.warmup_fraction) / (1 - self.warmup_fraction)
        return self.peak_learning_rate * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))

    def on_train_begin(self, logs=None):
        self._start = None
        self.model.optimizer.learning_rate = self.learning_rate_at(0.0)

    def on_train_batch_end(self, batch, logs=None):
        import time

        self.steps += 1
        if self._start is None:  # the clock starts after the first batch (which also compiles)
            self._start = time.perf_counter()
            return
        self.elapsed_s = time.perf_counter() - self._start
        fraction = self.elapsed_s / self.budget_s
        if self.max_steps is not None:
            fraction = max(fraction, self.steps / self.max_steps)
        if fraction >= 1.0:
            self.model.stop_training = True
        else:
            self.model.optimizer.learning_rate = self.learning_rate_at(fraction)
