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


def _as_probabilities(probabilities) -> np.ndarray:
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.ndim != 2 or probabilities.shape[0] == 0:
        raise ValueError(
            f"probabilities must have shape (N, num_classes) with N >= 1, got {probabilities.shape}."
        )
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
    probabilities = _as_probabilities(probabilities)
    marginal = probabilities.mean(axis=0, keepdims=True)
    kl = np.sum(probabilities * (np.log(probabilities + eps) - np.log(marginal + eps)), axis=1)
    return float(np.exp(np.mean(kl)))


def confident_share(probabilities, threshold: float = 0.9) -> float:
    """Share of samples whose top class probability exceeds ``threshold`` (0 to 1)."""
    probabilities = _as_probabilities(probabilities)
    if not 0.0 <= threshold < 1.0:
        raise ValueError(f"threshold must be in [0, 1), got {threshold!r}.")
    return float(np.mean(probabilities.max(axis=1) > threshold))


def class_counts(probabilities) -> np.ndarray:
    """How many samples the classifier assigns to each class (argmax), shape (K,)."""
    probabilities = _as_probabilities(probabilities)
    return np.bincount(probabilities.argmax(axis=1), minlength=probabilities.shape[1])


def class_coverage(probabilities, min_count: int = 1) -> int:
    """Number of classes predicted (argmax) for at least ``min_count`` samples (0 to K)."""
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
    images = np.asarray(images, dtype=np.float32)
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
    samples = np.asarray(samples, dtype=np.float32)
    training_images = np.asarray(training_images)
    if samples.shape[1:] != training_images.shape[1:]:
        raise ValueError(
            f"samples {samples.shape[1:]} and training images {training_images.shape[1:]} "
            "must have the same per-image shape."
        )
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
    images = np.asarray(images, dtype=np.float64)
    labels = np.asarray(labels).reshape(-1)
    if images.ndim < 2 or len(images) != len(labels):
        raise ValueError(f"need one label per image: {images.shape[:1]} images, {labels.shape} labels.")
    if labels.size and (not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0):
        raise ValueError("labels must be non-negative integers.")
    if num_classes is None:
        num_classes = int(labels.max()) + 1 if labels.size else 0
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
    features_a = np.asarray(features_a, dtype=np.float64)
    features_b = np.asarray(features_b, dtype=np.float64)
    for name, features in (("features_a", features_a), ("features_b", features_b)):
        if features.ndim != 2 or len(features) < 2:
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
                - 2.0 * trace_sqrt_product)  # fmt: skip
    return float(max(distance, 0.0))


def train_judge(images, labels, epochs: int = 2, batch_size: int = 128, seed: int = 42):
    """Train the digit classifier that judges generated digits in notebooks 05_1 and 05_2.

    One recipe, so that both notebooks score their generators with the same
    judge: the CNN of notebook 02 (``course_utils.models.build_cnn()`` with its
    defaults), Adam, sparse categorical cross-entropy, ``epochs`` passes over
    the real training digits. The seed is set first (Python, NumPy, Keras), so
    the same data gives the same judge on the same machine.

    Parameters
    ----------
    images : numpy.ndarray of float32, shape (N, 28, 28, 1), values in [0, 1]
        Real training digits (the full MNIST training set in full mode).
    labels : array-like of int, shape (N,)
    epochs : int, default 2
    batch_size : int, default 128
    seed : int, default 42

    Returns
    -------
    keras.Model
        Trained; input ``(N, 28, 28, 1)`` in [0, 1], output softmax
        probabilities ``(N, 10)``, ready for :func:`score_samples`.
    """
    import keras

    from .models.classifiers import build_cnn

    images = np.asarray(images, dtype=np.float32)
    labels = np.asarray(labels).reshape(-1)
    if images.ndim != 4 or images.shape[1:] != (28, 28, 1) or len(images) != len(labels):
        raise ValueError(
            f"train_judge needs images of shape (N, 28, 28, 1) and N labels, got {images.shape} "
            f"and {labels.shape}: use cu.datasets.to_float_images(x) first."
        )
    keras.utils.set_random_seed(seed)
    judge = build_cnn(name="judge")
    judge.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    judge.fit(images, labels, epochs=epochs, batch_size=batch_size, verbose=2)
    return judge
