"""Tests for course_utils.generation_metrics: PSNR by hand and against TF, scores on known inputs."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import generation_metrics as gm


def test_inception_score_is_k_for_confident_balanced_predictions():
    probabilities = np.eye(10)[np.arange(100) % 10]
    assert gm.inception_score(probabilities) == pytest.approx(10.0, rel=1e-6)


def test_inception_score_is_one_for_identical_rows():
    assert gm.inception_score(np.full((50, 10), 0.1)) == pytest.approx(1.0)
    assert gm.inception_score(np.eye(10)[np.zeros(30, dtype=int)]) == pytest.approx(1.0)


def test_inception_score_on_a_hand_computed_case():
    # Two samples: [1, 0] and [0.5, 0.5]; marginal [0.75, 0.25].
    # KL1 = log(1 / 0.75); KL2 = 0.5 log(0.5/0.75) + 0.5 log(0.5/0.25).
    probabilities = np.array([[1.0, 0.0], [0.5, 0.5]])
    kl1 = np.log(1 / 0.75)
    kl2 = 0.5 * np.log(0.5 / 0.75) + 0.5 * np.log(2.0)
    assert gm.inception_score(probabilities) == pytest.approx(np.exp((kl1 + kl2) / 2))


def test_scores_reject_rows_that_are_not_distributions():
    with pytest.raises(ValueError, match="softmax"):
        gm.inception_score(np.array([[2.0, -1.0]]))


def test_confident_share_and_coverage():
    probabilities = np.array([[0.95, 0.05, 0.0], [0.6, 0.4, 0.0], [0.0, 0.05, 0.95], [0.1, 0.0, 0.9]])
    assert gm.confident_share(probabilities) == pytest.approx(0.5)  # 0.9 is not > 0.9
    np.testing.assert_array_equal(gm.class_counts(probabilities), [2, 0, 2])
    assert gm.class_coverage(probabilities) == 2
    assert gm.class_coverage(probabilities, min_count=3) == 0


def test_nearest_training_images_matches_brute_force():
    rng = np.random.default_rng(2)
    training = rng.uniform(size=(57, 4, 4)).astype(np.float32)
    samples = training[[3, 40]] + 0.01
    indices, distances = gm.nearest_training_images(samples, training, chunk_size=10)
    brute = np.linalg.norm(samples[:, None] - training[None], axis=(2, 3))
    np.testing.assert_array_equal(indices, brute.argmin(axis=1))
    np.testing.assert_allclose(distances, brute.min(axis=1), rtol=1e-3)
    np.testing.assert_array_equal(indices, [3, 40])


def test_nearest_training_images_checks_shapes():
    with pytest.raises(ValueError, match="same per-image shape"):
        gm.nearest_training_images(np.zeros((2, 4, 4)), np.zeros((3, 5, 5)))


def test_within_class_spread_on_a_hand_computed_case():
    # Class 0: three points on a line at 0, 3 and 4 -> pair distances 3, 4, 1 -> mean 8/3.
    # Class 1: one image -> NaN. Class 2: two identical images -> 0.
    images = np.array([[0.0, 0.0], [3.0, 0.0], [4.0, 0.0], [9.0, 9.0], [1.0, 2.0], [1.0, 2.0]])
    labels = np.array([0, 0, 0, 1, 2, 2])
    spreads = gm.within_class_spread(images, labels)
    assert spreads.shape == (3,)
    assert spreads[0] == pytest.approx(8 / 3)
    assert np.isnan(spreads[1])
    assert spreads[2] == pytest.approx(0.0, abs=1e-9)


def test_within_class_spread_matches_brute_force_on_images():
    rng = np.random.default_rng(3)
    images = rng.uniform(size=(30, 5, 5, 1))
    labels = np.arange(30) % 4
    spreads = gm.within_class_spread(images, labels, num_classes=5)
    for label in range(4):
        members = images[labels == label].reshape(-1, 25)
        pairs = [np.linalg.norm(a - b) for i, a in enumerate(members) for b in members[i + 1 :]]
        assert spreads[label] == pytest.approx(np.mean(pairs))
    assert np.isnan(spreads[4])


def test_within_class_spread_sees_a_collapsed_class():
    rng = np.random.default_rng(4)
    varied = rng.uniform(size=(20, 4, 4))
    collapsed = np.repeat(varied[:1], 20, axis=0)
    labels = np.zeros(20, dtype=int)
    assert gm.within_class_spread(collapsed, labels)[0] == pytest.approx(0.0, abs=1e-6)
    assert gm.within_class_spread(varied, labels)[0] > 1.0


def test_within_class_spread_rejects_bad_labels():
    with pytest.raises(ValueError, match="one label per image"):
        gm.within_class_spread(np.zeros((3, 2)), np.array([0, 1]))
    with pytest.raises(ValueError, match="integer class indices"):
        gm.within_class_spread(np.zeros((2, 2)), np.array([0.5, 1.0]))


def test_train_judge_rejects_images_without_a_channel_axis():
    with pytest.raises(ValueError, match="to_float_images"):
        gm.train_judge(np.zeros((4, 28, 28), dtype=np.float32), np.zeros(4, dtype=int))


@pytest.fixture(scope="module")
def trained_judge():
    import course_utils as cu

    cu.set_seed(0)
    (x_train, y_train), (x_test, y_test) = cu.datasets.load_mnist(verbose=False)
    x_train, y_train = cu.datasets.take_subset(x_train, y_train, 4000)
    judge = gm.train_judge(cu.datasets.to_float_images(x_train), y_train, num_epochs=3, batch_size=64)
    return judge, cu.datasets.to_float_images(x_test[:500])


def test_real_test_digits_score_near_the_top_and_noise_near_one(trained_judge):
    judge, real_digits = trained_judge
    real = gm.score_samples(judge, real_digits)
    assert real["inception_score"] > 7.0
    assert real["class_coverage"] == 10
    assert real["confident_share"] > 0.7
    noise = np.random.default_rng(0).uniform(size=(500, 28, 28, 1)).astype(np.float32)
    scored_noise = gm.score_samples(judge, noise)
    assert scored_noise["inception_score"] < 1.6
    assert scored_noise["inception_score"] < real["inception_score"] / 4


def _global_draws():
    """One draw from each global random source a helper could disturb."""
    import random

    import keras
    import tensorflow as tf

    return (random.random(), float(np.random.random()), float(keras.random.uniform(())),
            float(tf.random.uniform(())))


def _tiny_digits(count=256):
    import course_utils as cu

    (x_train, y_train), _ = cu.datasets.load_mnist(verbose=False)
    return cu.datasets.to_float_images(x_train[:count]), y_train[:count]


def test_train_judge_leaves_the_global_random_state_as_it_was():
    import keras

    images, labels = _tiny_digits()
    keras.utils.set_random_seed(7)
    expected = _global_draws()
    keras.utils.set_random_seed(7)
    gm.train_judge(images, labels, num_epochs=2, batch_size=64, seed=3)
    assert _global_draws() == expected


def test_train_judge_is_the_same_for_a_seed_whatever_the_global_seed_and_differs_across_seeds():
    import keras

    images, labels = _tiny_digits()
    judges = []
    for global_seed, seed in [(1, 0), (2, 0), (1, 5)]:
        keras.utils.set_random_seed(global_seed)
        judges.append(gm.train_judge(images, labels, num_epochs=1, batch_size=64, seed=seed))
    first, same_seed, other_seed = ([w.numpy() for w in judge.weights] for judge in judges)
    for a, b in zip(first, same_seed, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert not np.allclose(first[0], other_seed[0])


@pytest.mark.parametrize("arguments, message", [
    ({"labels": np.zeros((256, 10))}, "labels"),
    ({"labels": np.zeros(255, dtype=int)}, "one label per image"),
    ({"labels": np.full(256, 10)}, r"labels in 0 \.\. 9"),
    ({"num_epochs": 0}, "num_epochs"),
    ({"epochs": 0}, "num_epochs"),
    ({"batch_size": 1.5}, "batch_size"),
    ({"seed": -1}, "seed"),
])
def test_train_judge_names_the_bad_argument(arguments, message):
    keywords = {"images": np.zeros((256, 28, 28, 1), np.float32), "labels": np.zeros(256, dtype=int)}
    with pytest.raises(ValueError, match=message):
        gm.train_judge(**{**keywords, **arguments})
