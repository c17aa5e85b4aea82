"""Image classifiers for MNIST-sized images: a dense baseline, a CNN and a row-reading RNN.

All builders return an *uncompiled* ``keras.Model`` whose input is declared
with ``keras.Input`` (Keras 3) and whose output is a softmax over
``num_classes`` classes, shape ``(batch, num_classes)``.

=====================  ======================  ==========================  ==========
builder                input                   default architecture        parameters
=====================  ======================  ==========================  ==========
:func:`build_dense`    ``(28, 28, 1)``         Flatten, Dense 128, 10      101,770
:func:`build_cnn`      ``(28, 28, 1)``         the source article's CNN    93,322
:func:`build_rnn`      ``(28, 28)`` or         LSTM 128 over 28 rows, 10   81,674
                       ``(28, 28, 1)``
=====================  ======================  ==========================  ==========

The defaults of :func:`build_cnn` are the source article's network and other
notebooks rely on them (05 and 07 train it as a judge of images): keep them
stable. Improvements are switched on with keyword arguments. :func:`build_dense`
and :func:`build_cnn` are taught in notebook 02 and must stay identical to its
definitions (``tests/test_taught_copies.py``).

The module also holds :func:`simple_rnn_forward`, the NumPy recurrence
``h_t = tanh(x_t W_x + h_{t-1} W_h + b)`` that notebook 03 checks against
``keras.layers.SimpleRNN``.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

__all__ = [
    "ARTICLE_CNN_PARAMS",
    "RNN_CELLS",
    "build_cnn",
    "build_dense",
    "build_rnn",
    "simple_rnn_forward",
]

#: Parameter count of :func:`build_cnn` with its defaults (the article's network).
ARTICLE_CNN_PARAMS = 93_322

#: Recurrent layers :func:`build_rnn` can use, by name.
RNN_CELLS = ("lstm", "gru", "simple_rnn")


def _check_shape(image_shape, allowed_ranks, builder):
    if not isinstance(image_shape, Sequence) or not all(
        isinstance(size, (int, np.integer)) and size > 0 for size in image_shape
    ):
        raise ValueError(
            f"{builder}: image_shape must be a tuple of positive ints, got {image_shape!r}."
        )
    if len(image_shape) not in allowed_ranks:
        raise ValueError(
            f"{builder}: image_shape must have {' or '.join(map(str, allowed_ranks))} entries "
            f"(no batch axis), got {tuple(image_shape)}."
        )
    return tuple(int(size) for size in image_shape)


def _check_classes(num_classes, builder):
    if not isinstance(num_classes, (int, np.integer)) or num_classes < 2:
        raise ValueError(f"{builder}: num_classes must be an int >= 2, got {num_classes!r}.")
    return int(num_classes)


def _check_dropout(dropout, builder):
    if not 0.0 <= float(dropout) < 1.0:
        raise ValueError(f"{builder}: dropout is a fraction in [0, 1), got {dropout!r}.")
    return float(dropout)


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


def build_rnn(image_shape=(28, 28), num_classes: int = 10, cell: str = "lstm", units: int = 128,
              num_layers: int = 1, bidirectional: bool = False, dropout: float = 0.0,
              name: str | None = None):  # fmt: skip
    """A classifier that reads an image row by row, as a sequence.

    Each of the ``height`` rows is one time step whose ``width`` pixels are the
    step's features. The last recurrent layer returns only its final state
    (``return_sequences=False``), so the model makes one prediction per image.
    With the defaults (one LSTM of 128 units on 28x28) it has
    4 * (128 * (28 + 128) + 128) + (128 + 1) * 10 = 81,674 parameters.

    Parameters
    ----------
    image_shape : tuple of int, default (28, 28)
        ``(rows, columns)``, or ``(rows, columns, 1)`` for images with a
        channel axis (it is dropped by a ``Reshape``).
    num_classes : int, default 10
    cell : {"lstm", "gru", "simple_rnn"}, default "lstm"
    units : int, default 128
        Width of the recurrent state.
    num_layers : int, default 1
        Stacked recurrent layers; all but the last return sequences.
    bidirectional : bool, default False
        Also read the rows bottom to top (doubles the recurrent parameters).
    dropout : float, default 0.0
        Dropout rate before the output layer.
    name : str, optional
        Default: ``"<cell>_classifier"``.

    Returns
    -------
    keras.Model
        Uncompiled; output shape ``(batch, num_classes)``, rows sum to 1.
    """
    import keras

    image_shape = _check_shape(image_shape, (2, 3), "build_rnn")
    num_classes = _check_classes(num_classes, "build_rnn")
    dropout = _check_dropout(dropout, "build_rnn")
    cells = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU,
             "simple_rnn": keras.layers.SimpleRNN}  # fmt: skip
    if cell not in cells:
        raise ValueError(f"build_rnn: cell must be one of {RNN_CELLS}, got {cell!r}.")
    if len(image_shape) == 3 and image_shape[2] != 1:
        raise ValueError(
            f"build_rnn: a 3-entry image_shape must end with 1 channel, got {image_shape}; "
            "reshape colour images to (rows, columns * channels) first."
        )
    if not isinstance(num_layers, (int, np.integer)) or num_layers < 1:
        raise ValueError(f"build_rnn: num_layers must be an int >= 1, got {num_layers!r}.")

    layers = [keras.Input(shape=image_shape)]
    if len(image_shape) == 3:
        layers.append(keras.layers.Reshape(image_shape[:2]))
    for index in range(num_layers):
        recurrent = cells[cell](int(units), return_sequences=index < num_layers - 1)
        layers.append(keras.layers.Bidirectional(recurrent) if bidirectional else recurrent)
    if dropout:
        layers.append(keras.layers.Dropout(dropout))
    layers.append(keras.layers.Dense(num_classes, activation="softmax"))
    return keras.Sequential(layers, name=name or f"{cell}_classifier")


def simple_rnn_forward(inputs, input_kernel, recurrent_kernel, bias, initial_state=None,
                       return_sequences: bool = False):  # fmt: skip
    """Run a simple (Elman) RNN in NumPy: ``h_t = tanh(x_t W_x + h_{t-1} W_h + b)``.

    The weight layout is that of ``keras.layers.SimpleRNN.get_weights()``, so the
    result can be compared with Keras directly.

    Parameters
    ----------
    inputs : array-like, shape (batch, time, features)
    input_kernel : array-like, shape (features, units)
        ``W_x``.
    recurrent_kernel : array-like, shape (units, units)
        ``W_h``.
    bias : array-like, shape (units,)
        ``b``.
    initial_state : array-like, shape (batch, units), optional
        ``h_0``; zeros by default (as in Keras).
    return_sequences : bool, default False
        Return every ``h_t`` (shape ``(batch, time, units)``) instead of the last.

    Returns
    -------
    numpy.ndarray of float64
        ``h_T`` of shape ``(batch, units)``, or all states.
    """
    inputs = np.asarray(inputs, dtype=np.float64)
    input_kernel = np.asarray(input_kernel, dtype=np.float64)
    recurrent_kernel = np.asarray(recurrent_kernel, dtype=np.float64)
    bias = np.asarray(bias, dtype=np.float64)
    if inputs.ndim != 3:
        raise ValueError(f"inputs must have shape (batch, time, features), got {inputs.shape}.")
    num_features, num_units = input_kernel.shape
    if inputs.shape[2] != num_features:
        raise ValueError(
            f"inputs have {inputs.shape[2]} features per step but input_kernel expects "
            f"{num_features} (its shape is {input_kernel.shape})."
        )
    if recurrent_kernel.shape != (num_units, num_units) or bias.shape != (num_units,):
        raise ValueError(
            f"recurrent_kernel must be ({num_units}, {num_units}) and bias ({num_units},), got "
            f"{recurrent_kernel.shape} and {bias.shape}."
        )
    state = (np.zeros((inputs.shape[0], num_units)) if initial_state is None
             else np.asarray(initial_state, dtype=np.float64))  # fmt: skip
    states = []
    for step in range(inputs.shape[1]):
        state = np.tanh(inputs[:, step] @ input_kernel + state @ recurrent_kernel + bias)
        states.append(state)
    return np.stack(states, axis=1) if return_sequences else state


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

    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 4:
        raise ValueError(f"images must have shape (N, H, W, C), got {images.shape}.")
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


def predictions_per_row(model, images):
    """Class probabilities of a :func:`build_rnn` model after each row it has read.

    A copy of the model's (single, one-directional) recurrent layer is made with
    ``return_sequences=True`` and the same weights; the output layer is applied
    to the state after every row. The last step equals ``model.predict(images)``.

    Parameters
    ----------
    model : keras.Model
        A trained model from :func:`build_rnn` with ``num_layers=1`` and
        ``bidirectional=False`` (and no dropout, which is inactive here anyway).
    images : numpy.ndarray, shape (N, rows, columns) or (N, rows, columns, 1)

    Returns
    -------
    numpy.ndarray of float32, shape (N, rows, num_classes)
        ``[n, t]``: the probabilities after reading rows ``0 .. t`` of image ``n``.
    """
    import keras

    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3:
        raise ValueError(f"images must have shape (N, rows, columns[, 1]), got {images.shape}.")
    recurrent = [layer for layer in model.layers if isinstance(layer, keras.layers.RNN)]
    if len(recurrent) != 1:
        raise ValueError(
            "predictions_per_row needs a model with exactly one one-directional recurrent layer "
            f"(build_rnn(num_layers=1, bidirectional=False)); {model.name} has {len(recurrent)}."
        )
    config = recurrent[0].get_config()
    config["return_sequences"] = True
    every_step = type(recurrent[0]).from_config(config)
    every_step.build((None, images.shape[1], images.shape[2]))
    every_step.set_weights(recurrent[0].get_weights())
    output_layer = model.layers[-1]
    states = every_step(keras.ops.convert_to_tensor(images))
    return np.asarray(output_layer(states))
