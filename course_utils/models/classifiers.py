"""Image classifiers for MNIST-sized images: a dense baseline and a CNN.

All builders return an *uncompiled* ``keras.Model`` whose input is declared
with ``keras.Input`` (Keras 3) and whose output is a softmax over
``num_classes`` classes, shape ``(batch, num_classes)``.

=====================  ======================  ==========================  ==========
builder                input                   default architecture        parameters
=====================  ======================  ==========================  ==========
:func:`build_dense`    ``(28, 28, 1)``         Flatten, Dense 128, 10      101,770
:func:`build_cnn`      ``(28, 28, 1)``         the source article's CNN    93,322
=====================  ======================  ==========================  ==========

The defaults of :func:`build_cnn` are the source article's network and other
notebooks rely on them (05 and 07 train it as a judge of images): keep them
stable. Improvements are switched on with keyword arguments. :func:`build_dense`
and :func:`build_cnn` are taught in notebook 02 and must stay identical to its
definitions (``tests/test_taught_copies.py``).

Notebook 03 writes its recurrent classifiers (SimpleRNN, GRU, LSTM) in the notebook itself.
"""

from __future__ import annotations

import keras
import numpy as np

from .._validation import check_array

__all__ = [
    "ARTICLE_CNN_PARAMS",
    "build_cnn",
    "build_dense",
]

#: Parameter count of :func:`build_cnn` with its defaults (the article's network).
ARTICLE_CNN_PARAMS = 93_322


def build_dense(image_shape=(28, 28, 1), num_classes=10, hidden_units=(128,), dropout=0.0,
                name="dense_baseline"):
    """A fully connected baseline: Flatten, ReLU Dense layers, softmax.

    Taught in notebooks/02_cnn.ipynb.

    Parameters
    ----------
    image_shape : tuple of int, default (28, 28, 1)
        One image, without the batch axis.
    num_classes : int, default 10
    hidden_units : sequence of int, default (128,)
        Width of each hidden layer. With the defaults the model has
        784 * 128 + 128 + 128 * 10 + 10 = 101,770 parameters.
    dropout : float, default 0.0
        Dropout rate after each hidden layer (0 = none).
    name : str

    Returns
    -------
    keras.Model
        Uncompiled; input ``(batch, *image_shape)``, output ``(batch, num_classes)``,
        rows sum to 1.
    """
    layers = [keras.Input(shape=image_shape), keras.layers.Flatten()]
    for units in hidden_units:
        layers.append(keras.layers.Dense(units, activation="relu"))
        if dropout:
            layers.append(keras.layers.Dropout(dropout))
    layers.append(keras.layers.Dense(num_classes, activation="softmax"))
    return keras.Sequential(layers, name=name)


def build_cnn(image_shape=(28, 28, 1), num_classes=10, filters=(32, 64, 64), kernel_size=3,
              dense_units=64, batch_norm=False, dropout=0.0, padding="valid", augment_shift=0.0,
              name="cnn"):
    """The source article's convolutional network, with switches to tune it.

    Taught in notebooks/02_cnn.ipynb.

    Defaults give the article's network, 93,322 parameters::

        Conv2D(32, 3x3, relu)   (26, 26, 32)        320 = (3*3*1  + 1) * 32
        MaxPooling2D(2x2)       (13, 13, 32)
        Conv2D(64, 3x3, relu)   (11, 11, 64)     18,496 = (3*3*32 + 1) * 64
        MaxPooling2D(2x2)       (5, 5, 64)
        Conv2D(64, 3x3, relu)   (3, 3, 64)       36,928 = (3*3*64 + 1) * 64
        Flatten                 (576,)
        Dense(64, relu)         (64,)            36,928 = (576 + 1) * 64
        Dense(10, softmax)      (10,)               650 = (64 + 1) * 10

    A 2x2 max pooling follows every convolution except the last.

    Parameters
    ----------
    image_shape : tuple of int, default (28, 28, 1)
        ``(height, width, channels)``, without the batch axis.
    num_classes : int, default 10
    filters : sequence of int, default (32, 64, 64)
        Output channels of each convolution (its length = number of convolutions).
    kernel_size : int, default 3
    dense_units : int, default 64
        Width of the hidden dense layer (0 = none: Flatten goes straight to the output).
    batch_norm : bool, default False
        Each convolution (then without bias: beta replaces it) is followed by
        its pooling, if any, then ``BatchNormalization(momentum=0.9)`` and a
        ReLU; the hidden dense layer likewise. Pooling before normalising
        works on a 4x smaller map; it is a different function from
        conv -> BN -> pool when a gamma is negative (notebook 02 explains).
        Adds 4 numbers per channel (2 trainable, 2 moving averages) and
        removes one bias per channel.
    dropout : float, default 0.0
        Dropout rate before the output layer (0 = none).
    padding : {"valid", "same"}, default "valid"
        The convolutions' padding (``"same"`` keeps the size, more compute).
    augment_shift : float, default 0.0
        When > 0, a ``RandomTranslation`` layer moves training images by up to
        this fraction of their height and width (inactive at inference).
    name : str

    Returns
    -------
    keras.Model
        Uncompiled; input ``(batch, *image_shape)``, output ``(batch, num_classes)``,
        rows sum to 1.

    Raises
    ------
    ValueError
        On an unknown padding, or when the image becomes too small for the
        convolutions (e.g. 4 convolutions on 28x28 with ``padding="valid"``).
    """
    if padding not in ("valid", "same"):
        raise ValueError(f"build_cnn: padding must be 'valid' or 'same', got {padding!r}.")
    size = min(image_shape[:2])                  # the smaller side, through every conv and pool
    for index in range(len(filters)):
        size = size - (kernel_size - 1) if padding == "valid" else size
        size = size // 2 if index < len(filters) - 1 else size
    if size < 1:
        raise ValueError(f"build_cnn: a {image_shape[0]}x{image_shape[1]} image is too small for "
                         f"{len(filters)} convolutions of {kernel_size}x{kernel_size} with "
                         f"padding={padding!r}; use fewer filters or padding='same'.")
    layers = [keras.Input(shape=image_shape)]
    if augment_shift:
        layers.append(keras.layers.RandomTranslation(augment_shift, augment_shift,
                                                     fill_mode="constant"))
    for index, count in enumerate(filters):
        if batch_norm:                           # no bias: batch normalisation's beta replaces it
            layers.append(keras.layers.Conv2D(count, kernel_size, padding=padding, use_bias=False))
        else:
            layers.append(keras.layers.Conv2D(count, kernel_size, padding=padding, activation="relu"))
        if index < len(filters) - 1:             # a 2x2 max pooling after all but the last conv
            layers.append(keras.layers.MaxPooling2D(2))
        if batch_norm:                           # conv -> pool -> normalise -> ReLU
            layers += [keras.layers.BatchNormalization(momentum=0.9), keras.layers.Activation("relu")]
    layers.append(keras.layers.Flatten())
    if dense_units and batch_norm:
        layers += [keras.layers.Dense(dense_units, use_bias=False),
                   keras.layers.BatchNormalization(momentum=0.9), keras.layers.Activation("relu")]
    elif dense_units:
        layers.append(keras.layers.Dense(dense_units, activation="relu"))
    if dropout:
        layers.append(keras.layers.Dropout(dropout))
    layers.append(keras.layers.Dense(num_classes, activation="softmax"))
    return keras.Sequential(layers, name=name)


# --------------------------------------------------------------------------- looking inside


def relu_feature_maps(model, images):
    """Return the feature maps after each ReLU of a CNN's convolutional part.

    The layers are applied one by one to ``images`` (inference mode), so this
    works for ``Sequential`` models too. A map is kept after every layer that
    ends in a ReLU while the tensor still has a spatial layout (4 axes): a
    ``Conv2D(..., activation="relu")`` or the ``Activation("relu")`` that
    follows a batch normalisation.

    Parameters
    ----------
    model : keras.Model
        For example one built by :func:`build_cnn`.
    images : numpy.ndarray, shape (N, H, W, C)

    Returns
    -------
    list of (str, numpy.ndarray)
        ``(layer name, maps of shape (N, h, w, channels))``, in layer order.
    """
    import keras

    images = check_array(images, "images", "relu_feature_maps", ndim=4,
                         hint="For one image add a batch axis (image[None]).").astype(np.float32, copy=False)
    tensor = keras.ops.convert_to_tensor(images)
    maps = []
    for layer in model.layers:
        tensor = layer(tensor, training=False)
        activation = getattr(layer, "activation", None)
        is_relu = (
            activation is keras.activations.relu or getattr(activation, "__name__", "") == "relu"
        )
        if is_relu and len(tensor.shape) == 4:
            maps.append((layer.name, np.asarray(tensor)))
    if not maps:
        raise ValueError(f"{model.name} has no ReLU on 4-axis feature maps: is it a CNN?")
    return maps
