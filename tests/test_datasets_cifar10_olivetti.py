"""CIFAR-10 and Olivetti loaders of course_utils.datasets, on the genuine files.

The mirror tests use ``../shared/data`` (skipped where it is absent): the
xz-compressed CIFAR-10 batches as they lie there, the plain mirror that conftest.py
decompresses once per clone (fixture ``plain_cifar_mirror``), corrupted copies that must be
rejected, and the
Olivetti file compared with scikit-learn's own conversion.
"""

import lzma
import shutil
import urllib.error

import numpy as np
import pytest

from course_utils import datasets

CIFAR_FILES = [f"data_batch_{k}" for k in range(1, 6)] + ["test_batch", "batches.meta"]


def test_lfw_subset_from_scikit_image_has_100_faces_and_100_non_faces():
    images, labels = datasets.load_lfw_subset()
    assert images.shape == (200, 25, 25) and images.dtype == np.float32
    assert 0.0 <= images.min() and images.max() <= 1.0
    assert labels[:100].sum() == 100 and labels[100:].sum() == 0


def test_cifar10_reads_the_xz_files_of_the_shared_folder(shared_data_dir, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(shared_data_dir))
    (x_train, y_train), (x_test, y_test) = splits = datasets.load_cifar10(verbose=False)
    assert splits.source.kind == "mirror" and splits.source.is_full
    assert x_train.shape == (50000, 32, 32, 3) and x_test.shape == (10000, 32, 32, 3)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    # Published facts (README of the data): first test labels, class counts, channel means.
    assert y_test[:10].tolist() == [3, 8, 8, 0, 6, 6, 1, 6, 3, 1]
    assert np.bincount(y_train).tolist() == [5000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    means = x_train.reshape(-1, 3).mean(axis=0) / 255
    np.testing.assert_allclose(means, [0.4914, 0.4822, 0.4465], atol=5e-5)


def test_plain_cifar10_mirror_matches_keras_batch_reader(plain_cifar_mirror, monkeypatch):
    from keras.src.datasets.cifar import load_batch

    monkeypatch.setenv("COURSE_DATA_DIR", str(plain_cifar_mirror))
    (x_train, y_train), (x_test, y_test) = datasets.load_cifar10(verbose=False)
    keras_images, keras_labels = load_batch(str(plain_cifar_mirror / "cifar-10-batches-py" / "test_batch"))
    np.testing.assert_array_equal(x_test, keras_images.transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(y_test, keras_labels)
    keras_images, _ = load_batch(str(plain_cifar_mirror / "cifar-10-batches-py" / "data_batch_5"))
    np.testing.assert_array_equal(x_train[40000:], keras_images.transpose(0, 2, 3, 1))
    _, class_names = datasets.read_cifar10_folder(plain_cifar_mirror / "cifar-10-batches-py")
    assert class_names == datasets.CIFAR10_CLASS_NAMES


def _mirror_copy(plain_cifar_mirror, tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for name in CIFAR_FILES:
        (folder / name).symlink_to(plain_cifar_mirror / "cifar-10-batches-py" / name)
    return folder


def test_a_corrupted_cifar10_batch_is_rejected_with_its_name(plain_cifar_mirror, tmp_path, monkeypatch):
    folder = _mirror_copy(plain_cifar_mirror, tmp_path)
    (folder / "data_batch_3").unlink()
    raw = bytearray((plain_cifar_mirror / "cifar-10-batches-py" / "data_batch_3").read_bytes())
    raw[5000] ^= 0xFF
    (folder / "data_batch_3").write_bytes(bytes(raw))
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    with pytest.raises(datasets.DataIntegrityError, match="data_batch_3"):
        datasets.load_cifar10(verbose=False)


def test_a_corrupted_xz_file_is_rejected_with_its_name(plain_cifar_mirror, tmp_path):
    folder = _mirror_copy(plain_cifar_mirror, tmp_path)
    (folder / "batches.meta").unlink()
    raw = bytearray((plain_cifar_mirror / "cifar-10-batches-py" / "batches.meta").read_bytes())
    raw[-3] ^= 0x01  # valid xz, wrong content
    (folder / "batches.meta.xz").write_bytes(lzma.compress(bytes(raw)))
    with pytest.raises(datasets.DataIntegrityError, match=r"batches\.meta\.xz"):
        datasets.read_cifar10_folder(folder)
    (folder / "batches.meta.xz").write_bytes(lzma.compress(bytes(raw))[:40])  # truncated
    with pytest.raises(datasets.DataIntegrityError, match=r"batches\.meta\.xz"):
        datasets.read_cifar10_folder(folder)


def test_an_intact_xz_file_is_accepted(plain_cifar_mirror, tmp_path):
    folder = _mirror_copy(plain_cifar_mirror, tmp_path)
    (folder / "batches.meta").unlink()
    raw = (plain_cifar_mirror / "cifar-10-batches-py" / "batches.meta").read_bytes()
    (folder / "batches.meta.xz").write_bytes(lzma.compress(raw))
    assert datasets._read_verified_bytes(folder, "batches.meta", datasets.CIFAR10_SHA256["batches.meta"]) == raw


def test_a_missing_cifar10_file_is_named(plain_cifar_mirror, tmp_path):
    folder = _mirror_copy(plain_cifar_mirror, tmp_path)
    (folder / "data_batch_2").unlink()
    with pytest.raises(datasets.DatasetUnavailableError, match="data_batch_2"):
        datasets.read_cifar10_folder(folder)


def test_cifar10_offline_without_mirror_says_what_to_do(tmp_path, monkeypatch):
    import keras

    def no_network():
        raise urllib.error.URLError("no network")

    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(keras.datasets.cifar10, "load_data", no_network)
    with pytest.raises(datasets.DatasetUnavailableError, match="cifar-10-batches-py"):
        datasets.load_cifar10(verbose=False)


def test_olivetti_mirror_matches_scikit_learns_conversion(shared_data_dir, tmp_path, monkeypatch):
    import joblib
    from scipy.io import loadmat
    from sklearn.datasets import fetch_olivetti_faces

    monkeypatch.setenv("COURSE_DATA_DIR", str(shared_data_dir))
    images, labels = datasets.load_olivetti_faces(verbose=False)
    assert images.shape == (400, 64, 64) and images.dtype == np.float32
    assert images.min() == 0.0 and images.max() == 1.0
    np.testing.assert_array_equal(labels, np.repeat(np.arange(40), 10))
    # scikit-learn's own loader, fed the same file through its cache format.
    faces = loadmat(str(shared_data_dir / "olivetti" / "olivettifaces.mat"))["faces"].T.copy()
    for cache_name in ("olivetti_py3.pkz", "olivetti.pkz"):  # the name differs between versions
        joblib.dump(faces, tmp_path / cache_name, compress=0)
    reference = fetch_olivetti_faces(data_home=str(tmp_path), download_if_missing=False, shuffle=False)
    np.testing.assert_array_equal(images, reference.images)
    np.testing.assert_array_equal(labels, reference.target)


def test_a_corrupted_olivetti_file_is_rejected_with_its_name(shared_data_dir, tmp_path, monkeypatch):
    raw = bytearray((shared_data_dir / "olivetti" / "olivettifaces.mat").read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    (tmp_path / "olivetti").mkdir()
    (tmp_path / "olivetti" / "olivettifaces.mat").write_bytes(bytes(raw))
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    with pytest.raises(datasets.DataIntegrityError, match="olivettifaces.mat"):
        datasets.load_olivetti_faces(verbose=False)


def test_olivetti_offline_without_mirror_says_what_to_do(tmp_path, monkeypatch):
    import sklearn.datasets

    def no_network(**_):
        raise urllib.error.URLError("no network")

    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(sklearn.datasets, "fetch_olivetti_faces", no_network)
    with pytest.raises(datasets.DatasetUnavailableError, match="olivettifaces.mat"):
        datasets.load_olivetti_faces(verbose=False)


def _keras_cache_with_cifar(tmp_path, plain_cifar_mirror, monkeypatch, damage=None):
    """A Keras home whose cache holds the extracted CIFAR-10 folder (as Keras leaves it)."""
    import keras

    folder = tmp_path / "keras" / "datasets" / "cifar-10-batches-py-target" / "cifar-10-batches-py"
    shutil.copytree(plain_cifar_mirror / "cifar-10-batches-py", folder)
    if damage:
        data = bytearray((folder / damage).read_bytes())
        data[1000] ^= 0xFF
        (folder / damage).write_bytes(bytes(data))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "empty-mirror"))
    (tmp_path / "empty-mirror").mkdir()
    images = np.zeros((2, 32, 32, 3), np.uint8)
    monkeypatch.setattr(keras.datasets.cifar10, "load_data",
                        lambda: ((images, np.zeros((2, 1), np.uint8)), (images, np.ones((2, 1), np.uint8))))


def test_cifar10_from_keras_checks_every_extracted_file(plain_cifar_mirror, tmp_path, monkeypatch):
    _keras_cache_with_cifar(tmp_path, plain_cifar_mirror, monkeypatch)
    splits = datasets.load_cifar10(verbose=False)
    assert splits.source.kind == "keras" and splits.source.is_full
    assert splits[1][1].tolist() == [1, 1] and splits[1][1].dtype == np.uint8


def test_a_corrupted_file_in_keras_cifar10_cache_is_rejected(plain_cifar_mirror, tmp_path, monkeypatch):
    _keras_cache_with_cifar(tmp_path, plain_cifar_mirror, monkeypatch, damage="data_batch_4")
    with pytest.raises(datasets.DataIntegrityError, match="data_batch_4"):
        datasets.load_cifar10(verbose=False)


def test_olivetti_faces_say_where_they_came_from(shared_data_dir, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_DATA_DIR", str(shared_data_dir))
    faces = datasets.load_olivetti_faces()
    images, labels = faces
    assert images.shape == (400, 64, 64) and faces.source.kind == "mirror" and faces.source.is_full
    assert "olivetti: full official data set from the local mirror" in capsys.readouterr().out
