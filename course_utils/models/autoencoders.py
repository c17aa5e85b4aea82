"""Training pairs for the autoencoders of notebook 04 (Keras 3).

Notebook 04 writes its models (dense, convolutional and denoising autoencoders)
in the notebook itself; this module holds the data side, which a learner need
not read: :class:`ImagePairs` feeds ``(input, target)`` batches to ``fit``
(clean or with fresh Gaussian noise per batch), and :func:`add_gaussian_noise`
makes one fixed noisy copy (clipped to [0, 1]) for validation and testing.
"""

from __future__ import annotations

import keras
import numpy as np

from .._validation import check_array, check_in_range, check_positive_int, check_seed


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
    images = check_array(images, "images", "add_gaussian_noise").astype(np.float32, copy=False)
    std = check_in_range(std, "std", 0.0, np.inf)
    noise = np.random.default_rng(check_seed(seed)).normal(0.0, std, size=images.shape).astype(np.float32)
    return np.clip(images + noise, 0.0, 1.0)


class ImagePairs(keras.utils.PyDataset):
    """Batches of ``(input, target)`` images for training an autoencoder with ``fit``.

    The target is the clean image; the input is the same image, or, with
    ``noise_std``, a noisy copy ``clip(image + noise, 0, 1)`` with fresh
    N(0, noise_std^2) noise drawn for every batch, so each epoch sees new noise
    (more varied than one fixed noisy copy, and no second copy of the training
    set in memory). The images are reshuffled at the end of every epoch. As a
    ``keras.utils.PyDataset`` it can be passed to ``fit`` like arrays, without
    the warning Keras gives for ``shuffle`` with a ``tf.data.Dataset``.

    Parameters
    ----------
    images : numpy.ndarray of float, shape (N, H, W, C), values in [0, 1]
    batch_size : int, default 128
    noise_std : float or None, default None
        Standard deviation of the added noise; ``None`` for clean inputs.
    seed : int, default 0
        Seeds the shuffling and the noise.

    Examples
    --------
    ``model.fit(ImagePairs(x_train, 128, noise_std=0.4), epochs=5)`` yields
    ``(noisy, clean)`` batches of shape ``(128, H, W, C)``.
    """

    def __init__(self, images, batch_size: int = 128, noise_std: float | None = None, seed: int = 0):
        super().__init__()
        batch_size = check_positive_int(batch_size, "batch_size")
        if noise_std is not None:
            noise_std = check_in_range(noise_std, "noise_std", 0.0, np.inf)
        images = check_array(images, "images", "ImagePairs", ndim=(2, 3, 4),
                             hint="Pass a batch (N, H, W[, C]) or flat rows (N, D).").astype(np.float32, copy=False)
        self.images = images
        self.batch_size = batch_size
        self.noise_std = noise_std
        self._rng = np.random.default_rng(check_seed(seed))
        self._order = self._rng.permutation(len(images))

    def __len__(self):
        return -(-len(self.images) // self.batch_size)

    def __getitem__(self, index):
        rows = np.sort(self._order[index * self.batch_size : (index + 1) * self.batch_size])
        clean = self.images[rows]
        if self.noise_std is None:
            return clean, clean
        noise = self._rng.normal(0.0, self.noise_std, size=clean.shape).astype(np.float32)
        return np.clip(clean + noise, 0.0, 1.0), clean

    def on_epoch_end(self):
        self._order = self._rng.permutation(len(self.images))
