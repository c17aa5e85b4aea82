"""Privacy in image recognition: DP-SGD, its privacy budget, membership inference, face blurring.

DP-SGD (Abadi et al. 2016) makes training differentially private in three steps
per batch:

1. compute each example's gradient separately (:func:`per_example_gradients`);
2. clip each one to an L2 norm of at most ``l2_norm_clip`` (:func:`clip_gradients`),
   so no single image can move the model by more than that;
3. add Gaussian noise of standard deviation ``noise_multiplier * l2_norm_clip``
   to their sum and divide by the expected batch size (:func:`noisy_average`).

:class:`DPSGDModel` does this inside a Keras ``train_step``, so ``fit`` works as
usual. The batches must be drawn by Poisson sampling (each example joins a
batch independently with probability ``q``; :func:`poisson_batches`), the
assumption under which the accountant's bound holds. :func:`compute_epsilon`
turns (noise multiplier, q, number of steps, delta) into epsilon with Google's
``dp-accounting`` package (``tensorflow-privacy`` does not import with
TensorFlow 2.21, and is not needed).

:func:`membership_advantage` measures the loss-threshold membership-inference
attack (Yeom et al. 2018); :func:`detect_faces` and :func:`blur_regions`
anonymise a photo.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "DPSGDModel",
    "blur_regions",
    "clip_gradients",
    "compute_epsilon",
    "detect_faces",
    "membership_advantage",
    "noisy_average",
    "per_example_gradients",
    "poisson_batches",
]

#: RDP orders, those of the TensorFlow Privacy tutorials (so epsilons are comparable).
RDP_ORDERS = tuple([1 + x / 10.0 for x in range(1, 100)] + list(range(11, 64)) + [128, 256, 512])


# --------------------------------------------------------------------------- DP-SGD steps


def per_example_gradients(model, loss_fn, images, labels):
    """Return the gradient of each example's loss, for every trainable variable.

    Parameters
    ----------
    model : keras.Model
    loss_fn : callable
        ``loss_fn(labels, predictions)`` returning one loss per example, e.g.
        ``keras.losses.sparse_categorical_crossentropy``.
    images : tensor, shape (B, ...)
    labels : tensor, shape (B, ...)

    Returns
    -------
    list of tf.Tensor
        One tensor per trainable variable, shape ``(B,) + variable.shape``.
        Computed with ``tf.vectorized_map`` (one vectorised backward pass,
        not a Python loop).
    """
    import logging

    import tensorflow as tf

    variables = model.trainable_variables

    def one_example(example):
        image, label = example
        with tf.GradientTape() as tape:
            prediction = model(image[tf.newaxis], training=True)
            loss = tf.reduce_sum(loss_fn(label[tf.newaxis], prediction))
        return tape.gradient(loss, variables)

    tf_logger = logging.getLogger("tensorflow")
    level = tf_logger.level
    tf_logger.setLevel(logging.ERROR)  # TF warns that one convolution gradient is not vectorised
    try:
        return tf.vectorized_map(one_example, (images, labels))
    finally:
        tf_logger.setLevel(level)


def clip_gradients(gradients, l2_norm_clip: float):
    """Scale each example's gradient so that its global L2 norm is at most ``l2_norm_clip``.

    Parameters
    ----------
    gradients : list of tf.Tensor
        Per-example gradients, each of shape ``(B,) + variable.shape`` (as
        returned by :func:`per_example_gradients`).
    l2_norm_clip : float
        The bound C > 0. An example whose norm is ``n`` is multiplied by
        ``min(1, C / n)``.

    Returns
    -------
    clipped : list of tf.Tensor
        Same shapes as ``gradients``.
    norms : tf.Tensor, shape (B,)
        Each example's norm before clipping.
    """
    import tensorflow as tf

    if not l2_norm_clip > 0:
        raise ValueError(f"l2_norm_clip must be > 0, got {l2_norm_clip!r}.")
    squares = [tf.reduce_sum(tf.reshape(g, (tf.shape(g)[0], -1)) ** 2, axis=1) for g in gradients]
    norms = tf.sqrt(tf.add_n(squares))
    scale = tf.minimum(1.0, l2_norm_clip / tf.maximum(norms, 1e-12))
    clipped = [g * tf.reshape(scale, [-1] + [1] * (g.shape.rank - 1)) for g in gradients]
    return clipped, norms


def noisy_average(clipped_gradients, l2_norm_clip: float, noise_multiplier: float,
                  expected_batch_size: float, seed=None):  # fmt: skip
    """Sum clipped per-example gradients, add Gaussian noise, divide by the expected batch size.

    Parameters
    ----------
    clipped_gradients : list of tf.Tensor, each (B,) + variable.shape
    l2_norm_clip : float
        C, the clipping bound (the sensitivity of the sum).
    noise_multiplier : float
        sigma; the noise on each coordinate of the sum has standard deviation
        ``sigma * C``.
    expected_batch_size : float
        ``q * N`` for Poisson sampling (dividing by the actual, random batch
        size would leak it).
    seed : optional
        A ``keras.random.SeedGenerator`` (or int) for the noise.

    Returns
    -------
    list of tf.Tensor
        One averaged noisy gradient per variable (``variable.shape``).
    """
    import keras
    import tensorflow as tf

    if noise_multiplier < 0 or not expected_batch_size > 0:
        raise ValueError("noise_multiplier must be >= 0 and expected_batch_size > 0, got "
                         f"{noise_multiplier!r} and {expected_batch_size!r}.")  # fmt: skip
    averaged = []
    for gradient in clipped_gradients:
        total = tf.reduce_sum(gradient, axis=0)
        noise = keras.random.normal(tf.shape(total), stddev=noise_multiplier * l2_norm_clip,
                                    seed=seed, dtype=total.dtype)  # fmt: skip
        averaged.append((total + noise) / expected_batch_size)
    return averaged


def _keras_model_base():
    import keras

    return keras.Model


class DPSGDModel(_keras_model_base()):
    """Wrap a classifier so that ``fit`` trains it with DP-SGD.

    Parameters
    ----------
    model : keras.Model
        The network to train (its weights are the ones updated).
    l2_norm_clip : float
        C, the per-example gradient bound.
    noise_multiplier : float
        sigma; noise standard deviation is ``sigma * C`` on the sum of gradients.
    expected_batch_size : float
        ``q * N``, the mean batch size of the Poisson-sampled batches.
    loss_fn : callable, optional
        Per-example loss ``loss_fn(y, y_pred)``; default
        ``keras.losses.sparse_categorical_crossentropy`` (probability outputs).
    seed : int, default 0
        Seed of the noise.

    Notes
    -----
    Compile it as usual (``optimizer``, ``loss`` for evaluation and
    ``metrics``); train on :func:`poisson_batches`. Dropout and batch
    normalisation are not per-example operations: keep them out of the model.
    """

    def __init__(self, model, l2_norm_clip: float, noise_multiplier: float,
                 expected_batch_size: float, loss_fn=None, seed: int = 0, **kwargs):  # fmt: skip
        import keras

        super().__init__(**kwargs)
        if not l2_norm_clip > 0 or noise_multiplier < 0 or not expected_batch_size > 0:
            raise ValueError("DPSGDModel needs l2_norm_clip > 0, noise_multiplier >= 0 and "
                             "expected_batch_size > 0.")  # fmt: skip
        self.model = model
        self.l2_norm_clip = float(l2_norm_clip)
        self.noise_multiplier = float(noise_multiplier)
        self.expected_batch_size = float(expected_batch_size)
        self.loss_fn = loss_fn or keras.losses.sparse_categorical_crossentropy
        self.noise_seed = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        return self.model(inputs, training=training)

    def train_step(self, data):
        images, labels = data[0], data[1]
        gradients = per_example_gradients(self.model, self.loss_fn, images, labels)
        clipped, _ = clip_gradients(gradients, self.l2_norm_clip)
        noisy = noisy_average(clipped, self.l2_norm_clip, self.noise_multiplier,
                              self.expected_batch_size, seed=self.noise_seed)  # fmt: skip
        self.optimizer.apply_gradients(zip(noisy, self.model.trainable_variables, strict=False))
        predictions = self.model(images, training=False)
        loss = self.loss_fn(labels, predictions)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(labels, predictions)
        return {metric.name: metric.result() for metric in self.metrics}


def poisson_batches(images, labels, sampling_rate: float, seed: int = 0):
    """An endless ``tf.data.Dataset`` of Poisson-sampled batches.

    Each example joins each batch independently with probability
    ``sampling_rate`` (q), so batch sizes vary around ``q * N``: the sampling
    that the privacy accountant assumes. Use it with ``fit(...,
    steps_per_epoch=round(1 / q))``.

    Parameters
    ----------
    images : numpy.ndarray, shape (N, ...)
    labels : numpy.ndarray, shape (N,)
    sampling_rate : float
        q in (0, 1].
    seed : int

    Returns
    -------
    tf.data.Dataset
        Yields ``(images[batch], labels[batch])``.
    """
    import tensorflow as tf

    if len(images) != len(labels):
        raise ValueError(f"images and labels differ in length: {len(images)} vs {len(labels)}.")
    if not 0 < sampling_rate <= 1:
        raise ValueError(f"sampling_rate must be in (0, 1], got {sampling_rate!r}.")
    images, labels = np.asarray(images), np.asarray(labels)

    def generate():
        rng = np.random.default_rng(seed)
        while True:
            chosen = np.flatnonzero(rng.random(len(images)) < sampling_rate)
            if len(chosen):
                yield images[chosen], labels[chosen]

    signature = (tf.TensorSpec((None,) + images.shape[1:], tf.as_dtype(images.dtype)),
                 tf.TensorSpec((None,) + labels.shape[1:], tf.as_dtype(labels.dtype)))  # fmt: skip
    return tf.data.Dataset.from_generator(generate, output_signature=signature).prefetch(2)


def compute_epsilon(noise_multiplier: float, sampling_rate: float, num_steps: int,
                    delta: float = 1e-5, accountant: str = "rdp") -> float:  # fmt: skip
    """Epsilon of DP-SGD after ``num_steps`` Poisson-sampled Gaussian steps (``dp-accounting``).

    Parameters
    ----------
    noise_multiplier : float
        sigma (> 0).
    sampling_rate : float
        q = expected batch size / N.
    num_steps : int
        Number of noisy gradient steps taken.
    delta : float, default 1e-5
        Target delta (below 1 / N).
    accountant : {"rdp", "pld"}
        Renyi DP (as in TensorFlow Privacy) or the tighter privacy-loss
        distribution accountant.

    Returns
    -------
    float
        Epsilon (0 for no steps).
    """
    import dp_accounting

    if not noise_multiplier > 0:
        raise ValueError(f"noise_multiplier must be > 0 for a finite epsilon, got {noise_multiplier!r}.")
    if not 0 < sampling_rate <= 1 or not 0 < delta < 1:
        raise ValueError(f"need 0 < sampling_rate <= 1 and 0 < delta < 1, got {sampling_rate}, {delta}.")
    if num_steps <= 0:
        return 0.0
    event = dp_accounting.SelfComposedDpEvent(
        dp_accounting.PoissonSampledDpEvent(sampling_rate, dp_accounting.GaussianDpEvent(noise_multiplier)),
        int(num_steps),
    )
    if accountant == "rdp":
        engine = dp_accounting.rdp.RdpAccountant(list(RDP_ORDERS))
    elif accountant == "pld":
        engine = dp_accounting.pld.PLDAccountant()
    else:
        raise ValueError(f"accountant must be 'rdp' or 'pld', got {accountant!r}.")
    engine.compose(event)
    return float(engine.get_epsilon(delta))


# --------------------------------------------------------------------------- membership inference


def membership_advantage(member_losses, nonmember_losses) -> float:
    """Advantage of the best loss-threshold membership-inference attack.

    The attack says "member" when an example's loss is below a threshold;
    its advantage is the largest true-positive rate minus false-positive rate
    over all thresholds (0 = no better than a coin, 1 = perfect).

    Parameters
    ----------
    member_losses : array-like, shape (M,)
        Per-example losses of training examples.
    nonmember_losses : array-like, shape (K,)
        Per-example losses of examples the model never saw.

    Returns
    -------
    float in [0, 1]
    """
    members = np.asarray(member_losses, dtype=np.float64).ravel()
    others = np.asarray(nonmember_losses, dtype=np.float64).ravel()
    if not len(members) or not len(others):
        raise ValueError("membership_advantage needs at least one member and one non-member loss.")
    thresholds = np.unique(np.concatenate([members, others]))
    members.sort()
    others.sort()
    true_positive = np.searchsorted(members, thresholds, side="right") / len(members)
    false_positive = np.searchsorted(others, thresholds, side="right") / len(others)
    return float(max(0.0, np.max(true_positive - false_positive)))


# --------------------------------------------------------------------------- faces


def detect_faces(image, scale_factor: float = 1.2, step_ratio: float = 1.0,
                 min_size=(60, 60), max_size=(300, 300)) -> list[tuple[int, int, int, int]]:  # fmt: skip
    """Find frontal faces with scikit-image's LBP cascade (works offline).

    Parameters
    ----------
    image : numpy.ndarray, shape (H, W) or (H, W, 3)
        A photo (uint8 or floats in [0, 1]).
    scale_factor, step_ratio, min_size, max_size
        Passed to ``skimage.feature.Cascade.detect_multi_scale``.

    Returns
    -------
    list of (row, col, height, width)
        One box per detected face, in pixels.
    """
    from skimage import data, feature
    from skimage.util import img_as_float

    image = np.asarray(image)
    if image.ndim not in (2, 3):
        raise ValueError(f"detect_faces expects an (H, W) or (H, W, 3) image, got {image.shape}.")
    detector = feature.Cascade(data.lbp_frontal_face_cascade_filename())
    found = detector.detect_multi_scale(img=img_as_float(image), scale_factor=scale_factor,
                                        step_ratio=step_ratio, min_size=min_size,
                                        max_size=max_size)  # fmt: skip
    return [(int(box["r"]), int(box["c"]), int(box["height"]), int(box["width"])) for box in found]


def blur_regions(image, boxes, sigma: float = 12.0, margin: float = 0.2) -> np.ndarray:
    """Return a copy of ``image`` with each box (grown by ``margin``) Gaussian-blurred.

    Parameters
    ----------
    image : numpy.ndarray, shape (H, W) or (H, W, C)
    boxes : iterable of (row, col, height, width)
    sigma : float
        Blur strength in pixels; large enough that a face cannot be recognised.
    margin : float
        Fraction of the box size added on every side (hair, chin).

    Returns
    -------
    numpy.ndarray
        Same shape and dtype as ``image``.
    """
    from scipy.ndimage import gaussian_filter

    image = np.asarray(image)
    blurred = image.copy()
    height, width = image.shape[:2]
    for row, col, box_height, box_width in boxes:
        top = max(0, int(row - margin * box_height))
        left = max(0, int(col - margin * box_width))
        bottom = min(height, int(row + (1 + margin) * box_height))
        right = min(width, int(col + (1 + margin) * box_width))
        patch = image[top:bottom, left:right].astype(np.float64)
        sigmas = (sigma, sigma) + (0,) * (patch.ndim - 2)
        blurred[top:bottom, left:right] = np.clip(gaussian_filter(patch, sigmas), 0,
                                                  255 if image.dtype == np.uint8 else np.inf)  # fmt: skip
    return blurred
