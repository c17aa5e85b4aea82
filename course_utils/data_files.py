"""Data files: official checksums, format readers and the data layer's errors.

Used by :mod:`course_utils.datasets` (the loaders notebooks call). Every reader checks
the file's SHA-256 against the official value before it parses a byte.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path

import numpy as np

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

class DatasetError(ValueError):
    """Base class of the data layer's errors (a ``ValueError``)."""


class DataIntegrityError(DatasetError):
    """A data file is corrupted, truncated or not the official file."""


class DatasetUnavailableError(DatasetError):
    """No source could provide the requested data set."""



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
                             encoding="bytes")
        images = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
        return images.transpose(0, 2, 3, 1), np.asarray(batch[b"labels"], dtype=np.uint8)

    meta = pickle.loads(_read_verified_bytes(folder, "batches.meta", CIFAR10_SHA256["batches.meta"]),
                        encoding="bytes")
    class_names = tuple(name.decode() for name in meta[b"label_names"])
    parts = [read_batch(f"data_batch_{index}") for index in range(1, 6)]
    x_train = np.concatenate([images for images, _ in parts])
    y_train = np.concatenate([labels for _, labels in parts])
    x_test, y_test = read_batch("test_batch")
    return ((x_train, y_train), (x_test, y_test)), class_names


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
