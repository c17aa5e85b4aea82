"""Measuring generated images (the course's one PSNR is :func:`course_utils.metrics.psnr`).

* Scores of generated digits from a classifier's probabilities ``p(y|x)``
  (shape ``(N, K)``, rows summing to 1): :func:`inception_score`
  (``exp(mean_x KL(p(y|x) || p(y)))``, between 1 and K), :func:`confident_share`,
  :func:`class_coverage`; :func:`score_samples` computes them all at once.
* :func:`nearest_training_images`: is the generator copying its training set?
* :func:`within_class_spread`: how varied the images of each class are (mode collapse).
* :func:`frechet_distance`: the Fréchet distance between two sets of feature vectors,
  each summarised by a Gaussian (the FID of Heusel et al. 2017 in any feature space).
* :func:`train_judge`: the judge CNN of notebooks 05_1 and 05_2, trained on real digits.
"""

from __future__ import annotations

import numpy as np

from ._validation import (
    check_array,
    check_in_range,
    check_labels,
    check_positive_int,
    check_seed,
)


def _as_probabilities(probabilities, function: str) -> np.ndarray:
    probabilities = check_array(probabilities, "probabilities", function, ndim=2,
                                hint="Pass (N, num_classes) softmax outputs.").astype(np.float64, copy=False)
    if np.any(probabilities < -1e-6) or not np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError(
            "each row of probabilities must be a distribution (non-negative, summing to 1): "
            "apply a softmax to logits first."
        )
    return np.clip(probabilities, 0.0, 1.0)


def inception_score(probabilities, eps: float = 1e-12) -> float:
    """Inception-style score ``exp(mean_x KL(p(y|x) || p(y)))``.

    ``p(y)`` is the mean of the rows. The score is high when each sample is
    classified confidently (low-entropy rows) *and* the classes are evenly used
    (high-entropy marginal): at most K (= number of columns), for confident,
    balanced samples; 1 when every row is the same (e.g. all uniform).

    Parameters
    ----------
    probabilities : array-like, shape (N, K)
        A classifier's softmax outputs for N generated images.
    eps : float
        Guards ``log(0)``.

    Returns
    -------
    float
        Between 1 and K.
    """
    probabilities = _as_probabilities(probabilities, "inception_score")
    marginal = probabilities.mean(axis=0, keepdims=True)
    kl = np.sum(probabilities * (np.log(probabilities + eps) - np.log(marginal + eps)), axis=1)
    return float(np.exp(np.mean(kl)))


def confident_share(probabilities, threshold: float = 0.9) -> float:
    """Share of samples whose top class probability exceeds ``threshold`` (0 to 1)."""
    probabilities = _as_probabilities(probabilities, "confident_share")
    threshold = check_in_range(threshold, "threshold", 0.0, 1.0, high_open=True)
    return float(np.mean(probabilities.max(axis=1) > threshold))


def class_counts(probabilities) -> np.ndarray:
    """How many samples the classifier assigns to each class (argmax), shape (K,)."""
    probabilities = _as_probabilities(probabilities, "class_counts")
    return np.bincount(probabilities.argmax(axis=1), minlength=probabilities.shape[1])


def class_coverage(probabilities, min_count: int = 1) -> int:
    """Number of classes predicted (argmax) for at least ``min_count`` samples (0 to K)."""
    min_count = check_positive_int(min_count, "min_count")
    return int(np.sum(class_counts(probabilities) >= min_count))


def score_samples(classifier, images, batch_size: int = 500, threshold: float = 0.9) -> dict:
    """Score generated images with a classifier that outputs class probabilities.

    Parameters
    ----------
    classifier : keras.Model
        Softmax outputs of shape ``(N, K)``, for inputs like ``images``.
    images : numpy.ndarray, shape (N, 28, 28, 1), float in [0, 1]
    batch_size : int, default 500
    threshold : float, default 0.9

    Returns
    -------
    dict
        ``inception_score``, ``confident_share``, ``class_coverage``,
        ``class_counts`` (array of shape (K,)) and ``probabilities`` (N, K).
    """
    images = check_array(images, "images", "score_samples", ndim=4,
                         hint="Use images[..., None] for a channel axis.").astype(np.float32, copy=False)
    batch_size = check_positive_int(batch_size, "batch_size")
    threshold = check_in_range(threshold, "threshold", 0.0, 1.0, high_open=True)
    probabilities = np.asarray(classifier.predict(images, batch_size=batch_size, verbose=0))
    return {
        "inception_score": inception_score(probabilities),
        "confident_share": confident_share(probabilities, threshold),
        "class_coverage": class_coverage(probabilities),
        "class_counts": class_counts(probabilities),
        "probabilities": probabilities,
    }


def nearest_training_images(samples, training_images, chunk_size: int = 10000):
    """Find each sample's nearest training image (Euclidean distance on pixels).

    Parameters
    ----------
    samples : array-like, shape (M, ...)
    training_images : array-like, shape (N, ...)
        Same per-image shape as ``samples``.
    chunk_size : int, default 10000
        Training images compared at a time (bounds memory).

    Returns
    -------
    indices : numpy.ndarray of int, shape (M,)
        Index into ``training_images`` of each sample's nearest neighbour.
    distances : numpy.ndarray of float, shape (M,)
        The Euclidean distances (same units as the pixels).
    """
    samples = check_array(samples, "samples", "nearest_training_images").astype(np.float32, copy=False)
    training_images = check_array(training_images, "training_images", "nearest_training_images")
    if samples.ndim < 2 or samples.shape[1:] != training_images.shape[1:]:
        raise ValueError(
            f"nearest_training_images needs samples and training_images with the same per-image "
            f"shape, got {samples.shape} and {training_images.shape}."
        )
    chunk_size = check_positive_int(chunk_size, "chunk_size")
    flat_samples = samples.reshape(len(samples), -1)
    sample_norms = np.sum(flat_samples**2, axis=1, keepdims=True)
    best_index = np.zeros(len(samples), dtype=np.int64)
    best_squared = np.full(len(samples), np.inf)
    for start in range(0, len(training_images), chunk_size):
        chunk = training_images[start : start + chunk_size].reshape(-1, flat_samples.shape[1])
        chunk = chunk.astype(np.float32)
        squared = sample_norms + np.sum(chunk**2, axis=1) - 2.0 * flat_samples @ chunk.T
        index = np.argmin(squared, axis=1)
        value = squared[np.arange(len(samples)), index]
        better = value < best_squared
        best_squared[better] = value[better]
        best_index[better] = index[better] + start
    return best_index, np.sqrt(np.maximum(best_squared, 0.0))


def within_class_spread(images, labels, num_classes: int | None = None) -> np.ndarray:
    """Mean Euclidean distance between two different images of the same class.

    A measure of variety *inside* each class: a generator that collapsed onto
    one drawing per class gets a spread near 0 however well that drawing is
    classified. Compare with the spread of real images of the same classes.

    Parameters
    ----------
    images : array-like, shape (N, ...)
        Images (any per-image shape, e.g. (28, 28, 1)), pixels in one unit for all.
    labels : array-like of int, shape (N,)
        The class of each image, in ``0 .. num_classes - 1``.
    num_classes : int, optional
        Length of the result; default ``max(labels) + 1``.

    Returns
    -------
    numpy.ndarray of float, shape (num_classes,)
        For each class, the mean distance over all pairs of its images
        (``NaN`` for a class with fewer than two images).
    """
    images = check_array(images, "images", "within_class_spread").astype(np.float64, copy=False)
    if images.ndim < 2:
        raise ValueError(f"within_class_spread expects images of shape (N, ...), got {images.shape}.")
    if num_classes is not None:
        num_classes = check_positive_int(num_classes, "num_classes")
    labels = check_labels(labels, "labels", "within_class_spread", num_samples=len(images),
                          num_classes=num_classes)
    if num_classes is None:
        num_classes = int(labels.max()) + 1
    flat = images.reshape(len(images), -1)
    spreads = np.full(num_classes, np.nan)
    for label in range(num_classes):
        members = flat[labels == label]
        count = len(members)
        if count < 2:
            continue
        squared_norms = np.sum(members**2, axis=1)
        squared = squared_norms[:, None] + squared_norms[None, :] - 2.0 * members @ members.T
        distances = np.sqrt(np.maximum(squared, 0.0))
        spreads[label] = distances[np.triu_indices(count, k=1)].mean()
    return spreads


def frechet_distance(features_a, features_b) -> float:
    """Fréchet distance between Gaussians fitted to two sets of feature vectors.

    ``||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2))``, with ``mu`` the
    mean and ``S`` the covariance (``ddof=1``) of each set: the squared
    2-Wasserstein distance between the two Gaussians. With Inception-v3
    features this is the FID (Heusel et al., 2017); here any feature space
    works, e.g. a digit classifier's penultimate layer. 0 for identical
    statistics; it grows with a shift of the mean and with a mismatch of the
    spread (too little variety shows as a covariance mismatch).

    Parameters
    ----------
    features_a, features_b : array-like, shapes (N_a, D) and (N_b, D)
        Feature vectors, one row per image, with N_a, N_b >= 2. Use many more
        rows than D, or the covariances are poorly estimated (and the distance
        biased upwards).

    Returns
    -------
    float
        Non-negative, in squared feature units.
    """
    features_a = check_array(features_a, "features_a", "frechet_distance", ndim=2).astype(np.float64, copy=False)
    features_b = check_array(features_b, "features_b", "frechet_distance", ndim=2).astype(np.float64, copy=False)
    for name, features in (("features_a", features_a), ("features_b", features_b)):
        if len(features) < 2:
            raise ValueError(f"{name} must have shape (N, D) with N >= 2, got {features.shape}.")
        if not np.all(np.isfinite(features)):
            raise ValueError(f"{name} contains NaN or infinite values.")
    if features_a.shape[1] != features_b.shape[1]:
        raise ValueError(
            f"the feature vectors differ in length: {features_a.shape[1]} vs {features_b.shape[1]}."
        )
    mean_difference = features_a.mean(axis=0) - features_b.mean(axis=0)
    covariance_a = np.atleast_2d(np.cov(features_a, rowvar=False))
    covariance_b = np.atleast_2d(np.cov(features_b, rowvar=False))
    # Tr((S_a S_b)^(1/2)) = sum of the square roots of the eigenvalues of the symmetric
    # matrix S_a^(1/2) S_b S_a^(1/2), which has the same eigenvalues as S_a S_b.
    eigenvalues, eigenvectors = np.linalg.eigh(covariance_a)
    sqrt_a = (eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))) @ eigenvectors.T
    middle = sqrt_a @ covariance_b @ sqrt_a
    middle_eigenvalues = np.linalg.eigvalsh((middle + middle.T) / 2)
    trace_sqrt_product = np.sum(np.sqrt(np.clip(middle_eigenvalues, 0.0, None)))
    distance = (mean_difference @ mean_difference + np.trace(covariance_a) + np.trace(covariance_b)
                - 2.0 * trace_sqrt_product)
    return float(max(distance, 0.0))


def _build_with_local_seeds(builder, rng: np.random.Generator, **options):
    """``builder(**options)`` with initial weights drawn from ``rng`` only.

    Keras gives every unseeded initialiser a seed from Python's ``random`` module
    when a layer is made: that draw is undone (Python's state is put back), then
    each random initialiser runs again with a seed from ``rng``, on its own
    variable (``kernel_initializer`` -> ``kernel``, ...). No global state moves.
    """
    import random

    import keras

    python_state = random.getstate()
    try:
        model = builder(**options)
    finally:
        random.setstate(python_state)
    for layer in model.layers:
        for attribute, initializer in vars(layer).items():
            variable = getattr(layer, attribute.removesuffix("_initializer"), None)
            if (not attribute.endswith("_initializer") or variable is None
                    or not isinstance(initializer, keras.initializers.Initializer)
                    or "seed" not in initializer.get_config()):
                continue
            config = {**initializer.get_config(), "seed": int(rng.integers(2**31 - 1))}
            fresh = initializer.__class__.from_config(config)
            variable.assign(fresh(variable.shape, dtype=variable.dtype))
    return model


def _shuffled_batches(images, labels, batch_size: int, rng: np.random.Generator):
    """A ``keras.utils.PyDataset`` of ``(images, labels)`` batches, in a new order each
    epoch drawn from ``rng`` (``fit(..., shuffle=True)`` would draw it from global state)."""
    import keras

    class ShuffledBatches(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.order = rng.permutation(len(images))

        def __len__(self):
            return -(-len(images) // batch_size)

        def __getitem__(self, index):
            rows = np.sort(self.order[index * batch_size : (index + 1) * batch_size])
            return images[rows], labels[rows]

        def on_epoch_end(self):
            self.order = rng.permutation(len(images))

    return ShuffledBatches()


def train_judge(images, labels, num_epochs: int = 2, batch_size: int = 128, seed: int = 42, *,
                epochs: int | None = None):
    """Train the digit classifier that judges generated digits in notebooks 05_1 and 05_2.

    One recipe, so that both notebooks score their generators with the same
    judge: the CNN of notebook 02 (``course_utils.models.build_cnn()`` with its
    defaults), Adam, sparse categorical cross-entropy, ``num_epochs`` passes over
    the real training digits. The initial weights and the order of the digits
    come from a local generator seeded with ``seed``, so the same data gives
    the same judge on the same machine, whatever the notebook seeded before;
    the global random state (Python, NumPy, Keras, TensorFlow) is left as it was.

    Parameters
    ----------
    images : numpy.ndarray of float32, shape (N, 28, 28, 1), values in [0, 1]
        Real training digits (the full MNIST training set in full mode).
    labels : array-like of int, shape (N,)
        The digit of each image, 0-9.
    num_epochs : int, default 2
    batch_size : int, default 128
    seed : int, default 42
        A non-negative integer.
    epochs : int, optional
        The former name of ``num_epochs`` (the course's one name for it), still accepted.

    Returns
    -------
    keras.Model
        Trained; input ``(N, 28, 28, 1)`` in [0, 1], output softmax
        probabilities ``(N, 10)``, ready for :func:`score_samples`.
    """
    from .models.classifiers import build_cnn

    images = check_array(images, "images", "train_judge", ndim=4,
                         hint="Use cu.datasets.to_float_images(x) first.").astype(np.float32, copy=False)
    if images.shape[1:] != (28, 28, 1):
        raise ValueError(f"train_judge expects images of shape (N, 28, 28, 1), got {images.shape}: "
                         "use cu.datasets.to_float_images(x) first.")
    labels = check_labels(labels, "labels", "train_judge", num_samples=len(images), num_classes=10)
    if epochs is not None:  # the former name of num_epochs
        num_epochs = epochs
    num_epochs = check_positive_int(num_epochs, "num_epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    rng = np.random.default_rng(check_seed(seed))  # local: no global random state is touched
    judge = _build_with_local_seeds(build_cnn, rng, name="judge")
    judge.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    judge.fit(_shuffled_batches(images, labels, batch_size, rng), epochs=num_epochs, shuffle=False,
              verbose=2)
    return judge
