"""Explaining an image classifier's decisions: saliency, Grad-CAM and occlusion.

Every function takes a Keras classifier whose input is a batch of images
``(N, H, W, C)`` and whose output is ``(N, num_classes)`` (probabilities or
logits), and returns one map per image of shape ``(N, H, W)``: large values mark
the pixels that matter most for the explained class.

The helpers work for ``keras.Sequential`` models, functional models, and
models loaded with ``keras.models.load_model`` from ``.keras`` files. A
Sequential model has no symbolic ``model.output`` to tap, so the graph is
rebuilt layer by layer on a new ``keras.Input`` (the layers, and so the weights,
are shared: nothing is copied).

* :func:`saliency_map`: the absolute gradient of the class score with respect
  to the input pixels (Simonyan et al. 2014).
* :func:`grad_cam`: the last convolution's feature maps, weighted by the
  average gradient of the class score over each map, ReLU, upsampled to the
  image (Selvaraju et al. 2017).
* :func:`occlusion_map`: how much the class probability falls when a grey
  patch hides each region (Zeiler and Fergus 2014).
* :func:`randomize_weights` and :func:`map_correlation`: the model-parameter
  randomisation test of Adebayo et al. (2018): an explanation that hardly
  changes when the weights are re-drawn at random cannot be explaining what
  the model learned.
* :func:`channel_weights`: the reference for Grad-CAM's channel weights.

The class score is the logit (pre-softmax) when the last layer is a ``Dense``
layer with a softmax activation: gradients of a saturated probability vanish.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_array, check_positive_int, check_same_shape, check_seed

__all__ = [
    "channel_weights",
    "find_last_conv_layer",
    "grad_cam",
    "map_correlation",
    "occlusion_map",
    "randomize_weights",
    "saliency_map",
]


# --------------------------------------------------------------------------- graph helpers


def _check_images(images, model, function: str):
    images = check_array(images, "images", function, ndim=4,
                         hint="For one image add a batch axis (image[np.newaxis]); for grey "
                              "images a channel axis.").astype(np.float32, copy=False)
    expected = tuple(model.input_shape[1:])
    if images.ndim != len(expected) + 1 or any(
        size is not None and size != got for size, got in zip(expected, images.shape[1:], strict=False)
    ):
        raise ValueError(
            f"images must be a batch of shape {('N',) + expected}, got {images.shape}. For one "
            "image add a batch axis (image[np.newaxis]); for grey images a channel axis."
        )
    return images


def _is_softmax_dense(layer) -> bool:
    import keras

    activation = getattr(layer, "activation", None)
    return isinstance(layer, keras.layers.Dense) and activation in (
        keras.activations.softmax, keras.activations.get("softmax"))


def _dense_logits(layer, features):
    import keras

    logits = keras.ops.matmul(features, layer.kernel)
    return logits + layer.bias if layer.use_bias else logits


def find_last_conv_layer(model) -> str:
    """Return the name of the last 2-D convolution layer of ``model``.

    Raises
    ------
    ValueError
        If the model has no convolution (Grad-CAM needs one).
    """
    import keras

    conv_types = (keras.layers.Conv2D, keras.layers.SeparableConv2D, keras.layers.DepthwiseConv2D)
    for layer in reversed(model.layers):
        if isinstance(layer, conv_types):
            return layer.name
    raise ValueError(
        f"Model {model.name!r} has no Conv2D layer: Grad-CAM needs convolutional feature maps. "
        "Use saliency_map or occlusion_map instead."
    )


def _tap_model(model, layer_name: str | None = None):
    """A functional model: images -> [feature maps of ``layer_name`` (or None), class scores].

    Sequential models are rebuilt on a new ``keras.Input`` (shared layers);
    functional ones are tapped where they are. Scores are logits when the last
    layer is a softmax ``Dense``.
    """
    import keras

    last_layer = model.layers[-1]
    use_logits = _is_softmax_dense(last_layer)
    if isinstance(model, keras.Sequential):
        inputs = keras.Input(shape=tuple(model.input_shape[1:]))
        tensor, tapped = inputs, None
        for layer in model.layers[:-1]:
            tensor = layer(tensor)
            if layer.name == layer_name:
                tapped = tensor
        scores = _dense_logits(last_layer, tensor) if use_logits else last_layer(tensor)
        if layer_name == last_layer.name:
            tapped = scores
    else:
        inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
        tapped = model.get_layer(layer_name).output if layer_name else None
        scores = _dense_logits(last_layer, last_layer.input) if use_logits else model.outputs[0]
    if layer_name is not None and tapped is None:
        raise ValueError(f"Model {model.name!r} has no layer named {layer_name!r}.")
    outputs = [tapped, scores] if tapped is not None else [scores]
    return keras.Model(inputs, outputs)


def _chosen_classes(scores: np.ndarray, class_index) -> np.ndarray:
    predicted = np.argmax(scores, axis=1)
    if class_index is None:
        return predicted
    chosen = np.broadcast_to(np.asarray(class_index, dtype=np.int64), predicted.shape).copy()
    if chosen.min() < 0 or chosen.max() >= scores.shape[1]:
        raise ValueError(f"class_index must be in 0..{scores.shape[1] - 1}, got {class_index!r}.")
    return chosen


# --------------------------------------------------------------------------- maps


def saliency_map(model, images, class_index=None, absolute: bool = True) -> np.ndarray:
    """Vanilla gradient saliency: ``|d score_c / d pixel|``, maximum over channels.

    Parameters
    ----------
    model : keras.Model
        A classifier (Sequential, functional or loaded from ``.keras``).
    images : array-like, shape (N, H, W, C)
        Inputs as the model expects them (e.g. floats in [0, 1]).
    class_index : int or array-like of int, optional
        The class to explain, one for all or one per image; default: the
        predicted class of each image.
    absolute : bool, default True
        False returns the signed gradient (summed over channels) instead.

    Returns
    -------
    numpy.ndarray of float32, shape (N, H, W)
        Non-negative (``absolute=True``); larger means the score reacts more
        to that pixel.
    """
    import tensorflow as tf

    images = _check_images(images, model, "saliency_map")
    scorer = _tap_model(model)
    batch = tf.convert_to_tensor(images)
    with tf.GradientTape() as tape:
        tape.watch(batch)
        scores = scorer(batch, training=False)
        if isinstance(scores, (list, tuple)):
            scores = scores[-1]
        classes = _chosen_classes(scores.numpy(), class_index)
        picked = tf.gather(scores, classes, axis=1, batch_dims=1)
    gradients = tape.gradient(picked, batch).numpy()
    if not absolute:
        return gradients.sum(axis=-1).astype(np.float32)
    return np.abs(gradients).max(axis=-1).astype(np.float32)


def grad_cam(model, images, class_index=None, layer_name: str | None = None) -> np.ndarray:
    """Grad-CAM heat maps, upsampled to the image size.

    Parameters
    ----------
    model : keras.Model
        A classifier with at least one ``Conv2D`` layer.
    images : array-like, shape (N, H, W, C)
    class_index : int or array-like of int, optional
        Class to explain (default: each image's predicted class).
    layer_name : str, optional
        The convolution whose feature maps are weighted (default: the last one,
        found by :func:`find_last_conv_layer`).

    Returns
    -------
    numpy.ndarray of float32, shape (N, H, W)
        Values in [0, 1] (each map divided by its maximum; all zeros when no
        feature map speaks for the class).
    """
    import tensorflow as tf

    images = _check_images(images, model, "grad_cam")
    layer_name = layer_name or find_last_conv_layer(model)
    tapped = _tap_model(model, layer_name)
    batch = tf.convert_to_tensor(images)
    with tf.GradientTape() as tape:
        feature_maps, scores = tapped(batch, training=False)
        classes = _chosen_classes(scores.numpy(), class_index)
        picked = tf.gather(scores, classes, axis=1, batch_dims=1)
    gradients = tape.gradient(picked, feature_maps)
    if feature_maps.shape.rank != 4:
        raise ValueError(f"Layer {layer_name!r} does not output (N, h, w, channels) feature maps.")
    channel_weights = tf.reduce_mean(gradients, axis=(1, 2), keepdims=True)
    cam = tf.nn.relu(tf.reduce_sum(channel_weights * feature_maps, axis=-1, keepdims=True))
    cam = tf.image.resize(cam, images.shape[1:3], method="bilinear")[..., 0].numpy()
    peaks = cam.reshape(len(cam), -1).max(axis=1)
    cam /= np.where(peaks > 0, peaks, 1.0)[:, None, None]
    return cam.astype(np.float32)


def occlusion_map(model, images, class_index=None, patch_size: int = 4, stride: int = 2,
                  fill_value: float = 0.0, batch_size: int = 512) -> np.ndarray:
    """Occlusion sensitivity: the fall of the class probability when a patch is hidden.

    A ``patch_size`` x ``patch_size`` square of ``fill_value`` slides over the
    image with step ``stride``; each pixel's value is the mean probability
    drop over all patches that cover it.

    Parameters
    ----------
    model : keras.Model
        A classifier whose outputs are probabilities.
    images : array-like, shape (N, H, W, C)
    class_index : int or array-like of int, optional
        Class to explain (default: each image's predicted class).
    patch_size, stride : int
        Size and step of the occluding square, in pixels.
    fill_value : float, default 0.0
        What the patch is filled with (0 = the black background of MNIST).
    batch_size : int
        Occluded copies predicted at once.

    Returns
    -------
    numpy.ndarray of float32, shape (N, H, W)
        Positive where hiding the pixel lowers the class probability.
    """
    images = _check_images(images, model, "occlusion_map")
    patch_size = check_positive_int(patch_size, "patch_size")
    stride = check_positive_int(stride, "stride")
    batch_size = check_positive_int(batch_size, "batch_size")
    num_images, height, width = images.shape[:3]
    if patch_size > min(height, width):
        raise ValueError(f"patch_size {patch_size} is larger than the {height}x{width} image.")
    base = model.predict(images, verbose=0, batch_size=batch_size)
    classes = _chosen_classes(base, class_index)
    rows = range(0, height - patch_size + 1, stride)
    cols = range(0, width - patch_size + 1, stride)
    maps = np.zeros((num_images, height, width), dtype=np.float32)
    for index in range(num_images):
        occluded = np.repeat(images[index : index + 1], len(rows) * len(cols), axis=0)
        positions = [(row, col) for row in rows for col in cols]
        for copy, (row, col) in enumerate(positions):
            occluded[copy, row : row + patch_size, col : col + patch_size] = fill_value
        probabilities = model.predict(occluded, verbose=0, batch_size=batch_size)[:, classes[index]]
        drop = base[index, classes[index]] - probabilities
        total = np.zeros((height, width), dtype=np.float64)
        counts = np.zeros((height, width), dtype=np.float64)
        for (row, col), value in zip(positions, drop, strict=False):
            total[row : row + patch_size, col : col + patch_size] += value
            counts[row : row + patch_size, col : col + patch_size] += 1
        maps[index] = total / np.maximum(counts, 1)
    return maps


# --------------------------------------------------------------------------- sanity check


def randomize_weights(model, seed: int = 0):
    """Return a copy of ``model`` with the same architecture and freshly drawn weights.

    The copy is re-initialised by each layer's own initialisers (as before
    training), each given its own seed drawn from a local generator seeded
    with ``seed``: the global random state of Python, NumPy and Keras is left
    as it was, and ``model`` itself is untouched. This is the "full"
    (non-cascading) model-parameter randomisation of Adebayo et al. (2018).

    Parameters
    ----------
    model : keras.Model
    seed : int

    Returns
    -------
    keras.Model
        Built, with the same layer types, shapes and names as ``model``.
    """
    import keras

    rng = np.random.default_rng(check_seed(seed))

    def reseeded_layer(layer):
        config = layer.get_config()
        for key, value in config.items():
            if key.endswith("_initializer") and isinstance(value, dict) and "seed" in value.get("config", {}):
                value["config"]["seed"] = int(rng.integers(2**31 - 1))
        return layer.__class__.from_config(config)

    clone = keras.models.clone_model(model, clone_function=reseeded_layer)
    clone.build(model.input_shape)
    return clone


def channel_weights(gradients) -> np.ndarray:
    """Grad-CAM's channel weights: the mean gradient over each feature map's positions.

    Reference answer of exercise ``07.gradcam_channel_weights`` (notebook
    07_3 uses it inside its own Grad-CAM).

    Parameters
    ----------
    gradients : array-like, shape (N, h, w, K)
        Gradient of each image's class score with respect to the K feature
        maps of a convolution.

    Returns
    -------
    numpy.ndarray of float32, shape (N, K)
        alpha_k = mean over the h x w positions of d score / d A_k.
    """
    gradients = check_array(gradients, "gradients", "channel_weights", ndim=4,
                            hint="Expected (N, h, w, K).").astype(np.float32, copy=False)
    return gradients.mean(axis=(1, 2))


def map_correlation(maps_a, maps_b) -> np.ndarray:
    """Spearman rank correlation between paired maps, one value per image.

    Parameters
    ----------
    maps_a, maps_b : array-like, shape (N, H, W)

    Returns
    -------
    numpy.ndarray of float64, shape (N,)
        In [-1, 1]; 1 means the two maps rank the pixels identically. NaN
        where either map is constant (e.g. an all-zero Grad-CAM map): its
        correlation is undefined, and counting it as 0 would look like a pass.
    """
    from scipy.stats import rankdata

    maps_a = check_array(maps_a, "maps_a", "map_correlation", ndim=3).astype(np.float64, copy=False)
    maps_b = check_array(maps_b, "maps_b", "map_correlation", ndim=3).astype(np.float64, copy=False)
    check_same_shape(maps_a, maps_b, "map_correlation", names=("maps_a", "maps_b"))
    ranks_a = rankdata(maps_a.reshape(len(maps_a), -1), axis=1)
    ranks_b = rankdata(maps_b.reshape(len(maps_b), -1), axis=1)
    ranks_a -= ranks_a.mean(axis=1, keepdims=True)
    ranks_b -= ranks_b.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(ranks_a, axis=1) * np.linalg.norm(ranks_b, axis=1)
    return np.where(norms > 0, (ranks_a * ranks_b).sum(axis=1) / np.where(norms > 0, norms, 1), np.nan)
