"""Tests for course_utils.privacy: the Poisson sampler, the accountant, the membership attack."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.stats import norm

from course_utils import privacy


def _analytic_gaussian_epsilon(sigma, delta):
    # Balle & Wang (2018): exact (epsilon, delta) curve of one Gaussian mechanism, sensitivity 1.
    def delta_of(epsilon):
        return (norm.cdf(-epsilon * sigma + 1 / (2 * sigma))
                - np.exp(epsilon) * norm.cdf(-epsilon * sigma - 1 / (2 * sigma)))
    return brentq(lambda e: delta_of(e) - delta, 1e-6, 100)


def test_epsilon_of_composed_gaussians_matches_the_analytic_formula():
    # q = 1 and T steps of noise sigma are one Gaussian mechanism of noise sigma / sqrt(T).
    sigma, steps, delta = 4.0, 16, 1e-5
    exact = _analytic_gaussian_epsilon(sigma / np.sqrt(steps), delta)
    assert privacy.compute_epsilon(sigma, 1.0, steps, delta, accountant="pld") == pytest.approx(exact, rel=0.02)
    rdp = privacy.compute_epsilon(sigma, 1.0, steps, delta, accountant="rdp")
    orders = np.array(privacy.RDP_ORDERS)
    classic = np.min(steps * orders / (2 * sigma**2) + np.log(1 / delta) / (orders - 1))
    assert exact <= rdp <= classic + 1e-9


def test_epsilon_for_the_tensorflow_privacy_tutorial_setting():
    # TF Privacy's MNIST tutorial (tutorials/README.md): N=60,000, batch 256, sigma 1.12,
    # 60 epochs, delta 1e-5: eps = 2.92 with the RDP accountant and the classic RDP-to-DP
    # conversion. dp-accounting converts more tightly, so it must report a bit less.
    q, steps = 256 / 60000, 60 * 60000 // 256
    rdp = privacy.compute_epsilon(1.12, q, steps, 1e-5)
    pld = privacy.compute_epsilon(1.12, q, steps, 1e-5, accountant="pld")
    assert 2.3 < rdp <= 2.92
    assert pld <= rdp
    assert privacy.compute_epsilon(1.12, q, steps // 2) < rdp  # fewer steps, less privacy spent


class _RecordingModel(keras.Model):
    """Trains nothing; records which example indices each training step received."""

    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(1)
        self.batches = []

    def call(self, inputs):
        return self.dense(inputs)

    def train_step(self, data):
        indices, _ = data
        self.batches.append(np.asarray(indices).ravel().astype(int))
        return {"batch_size": len(self.batches[-1])}


def _record_training(num_examples, sampling_rate, epochs, steps_per_epoch, fits=1, seed=0):
    model = _RecordingModel()
    model.compile(optimizer="sgd", run_eagerly=True)
    indices = np.arange(num_examples, dtype=np.float32).reshape(-1, 1)  # each "image" is its index
    batches = privacy.poisson_batches(indices, np.zeros(num_examples, dtype=np.int64), sampling_rate, seed=seed)
    for _ in range(fits):  # several fit calls, as a notebook training epoch by epoch would do
        model.fit(batches, epochs=epochs, steps_per_epoch=steps_per_epoch, verbose=0,
                  shuffle=False)  # the default shuffle=True makes Keras warn for a tf.data.Dataset
    used = np.zeros((len(model.batches), num_examples), dtype=bool)
    for step, batch in enumerate(model.batches):
        used[step, batch] = True
    return used


@pytest.mark.parametrize("fits, epochs", [(1, 6), (6, 1)])
def test_every_training_step_draws_a_fresh_poisson_sample(fits, epochs):
    num_examples, rate, steps_per_epoch = 400, 0.05, 20  # one epoch = 1 / q steps
    used = _record_training(num_examples, rate, epochs, steps_per_epoch, fits=fits)
    steps = fits * epochs * steps_per_epoch
    assert used.shape == (steps, num_examples)
    # each example's inclusion frequency over all steps is q (binomial(steps, q) counts)
    counts = used.sum(axis=0)
    assert counts.mean() / steps == pytest.approx(rate, rel=0.05)
    assert counts.var() == pytest.approx(steps * rate * (1 - rate), rel=0.25)
    # so the share of examples never used is (1 - q) ** steps, not (1 - q) ** steps_per_epoch
    assert np.mean(counts == 0) == pytest.approx((1 - rate) ** steps, abs=0.03)
    # no two epochs replay each other: the same step of different epochs shares only ~q of its examples
    per_epoch = used.reshape(fits * epochs, steps_per_epoch, num_examples)
    for first in range(len(per_epoch)):
        for second in range(first + 1, len(per_epoch)):
            assert not np.array_equal(per_epoch[first], per_epoch[second])
            overlap = (per_epoch[first] & per_epoch[second]).sum() / per_epoch[first].sum()
            assert overlap < 3 * rate
    # inclusions at step t and step t + 1 epoch are independent (replay would make them equal)
    later, earlier = used[steps_per_epoch:].ravel(), used[:-steps_per_epoch].ravel()
    assert abs(np.corrcoef(later, earlier)[0, 1]) < 0.03


def test_poisson_batch_sizes_are_binomial_and_the_same_seed_replays_a_new_data_set():
    images = np.arange(1000, dtype=np.float32).reshape(1000, 1)
    labels = np.arange(1000)
    sizes = [len(batch_labels) for _, batch_labels in privacy.poisson_batches(images, labels, 0.05).take(200)]
    assert np.mean(sizes) == pytest.approx(50, rel=0.05)
    assert np.std(sizes) == pytest.approx(np.sqrt(1000 * 0.05 * 0.95), rel=0.25)
    first = [b.numpy() for b, _ in privacy.poisson_batches(images, labels, 0.05, seed=3).take(2)]
    again = [b.numpy() for b, _ in privacy.poisson_batches(images, labels, 0.05, seed=3).take(2)]
    np.testing.assert_array_equal(first[0], again[0])
    dataset = privacy.poisson_batches(images, labels, 0.05, seed=3)
    one, two = (next(iter(dataset))[0].numpy() for _ in range(2))  # two iterators continue the stream
    assert not np.array_equal(one, two)


def test_poisson_batches_yield_empty_batches_too():
    images = np.arange(20, dtype=np.float32).reshape(20, 1)
    sizes = [len(b) for b, _ in privacy.poisson_batches(images, np.zeros(20), 0.01).take(300)]
    assert 0 in sizes  # P(empty) = 0.99 ** 20 = 0.82: DP-SGD still takes a noise-only step


def test_poisson_batches_reject_bad_input():
    with pytest.raises(ValueError, match="differ in length"):
        privacy.poisson_batches(np.zeros((3, 1)), np.zeros(2), 0.5)
    with pytest.raises(ValueError, match="sampling_rate"):
        privacy.poisson_batches(np.zeros((3, 1)), np.zeros(3), 1.5)


def test_attack_advantage_and_best_threshold_on_hand_made_losses():
    members, others = [0.1, 0.2, 0.5, 0.9], [0.15, 0.6, 0.7, 0.8]
    # threshold 0.5 catches 3/4 members and 1/4 non-members: advantage 0.5, the best one
    assert privacy.best_threshold(members, others) == pytest.approx(0.5)
    assert privacy.advantage_at(members, others, 0.5) == pytest.approx(0.5)
    assert privacy.advantage_at([0.1, 0.2, 0.3], [1.0, 2.0, 3.0], 0.3) == pytest.approx(1.0)
    assert privacy.advantage_at([1.0, 2.0], [0.5, 0.6], 0.6) == pytest.approx(-1.0)  # can be negative
    with pytest.raises(ValueError, match="empty"):
        privacy.advantage_at([], [1.0], 0.5)
    with pytest.raises(ValueError, match="NaN"):
        privacy.best_threshold([np.nan], [1.0])


def test_chance_advantage_matches_the_null_distribution_of_the_calibrated_attack():
    # Without any signal, the advantage at a fixed threshold is a difference of two binomial
    # proportions: its std is at most sqrt(0.25 / 500 * 2) = 0.032, so the 95th percentile of
    # the calibrated attack on 500 + 500 scored losses lies near 1.645 * 0.032 = 0.052 or below.
    rng = np.random.default_rng(0)
    losses = [rng.exponential(size=500) for _ in range(4)]
    chance = privacy.chance_advantage(*losses, trials=400)
    assert 0.02 < chance < 0.06
    simulated = []
    for _ in range(200):  # the procedure itself on fresh null data
        cal_m, cal_o, m, o = (rng.exponential(size=500) for _ in range(4))
        simulated.append(privacy.advantage_at(m, o, privacy.best_threshold(cal_m, cal_o)))
    assert chance == pytest.approx(np.quantile(simulated, 0.95), abs=0.015)
