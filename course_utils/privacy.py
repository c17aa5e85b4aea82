"""Privacy in image recognition: infrastructure for notebook 07_4 (DP-SGD is written there).

Notebook ``07_4_privacy`` writes DP-SGD itself (per-example gradients,
clipping, Gaussian noise on the sum, division by the expected batch size, in a
Keras ``train_step``). This module holds what that lesson relies on but does
not teach line by line:

* :func:`poisson_batches`: the sampler DP-SGD's accountant assumes. Every step
  draws a fresh batch in which each example appears independently with
  probability ``q``, over the whole training (however many times ``fit`` is
  called or an iterator is restarted).
* :func:`compute_epsilon`: (noise multiplier, q, steps taken, delta) ->
  epsilon, with Google's ``dp-accounting`` package (``tensorflow-privacy`` does
  not import with TensorFlow 2.21, and is not needed).
* the loss-threshold membership-inference attack (Yeom et al. 2018), with the
  threshold chosen on calibration data (:func:`best_threshold`,
  :func:`advantage_at`) and its chance level (:func:`chance_advantage`);

Face detection and blurring for anonymising photos live in :mod:`course_utils.faces`.
"""

from __future__ import annotations

import numpy as np

from ._validation import (
    check_array,
    check_choice,
    check_in_range,
    check_non_negative_int,
    check_positive_int,
    check_positive_number,
    check_seed,
)

__all__ = [
    "advantage_at",
    "best_threshold",
    "chance_advantage",
    "compute_epsilon",
    "poisson_batches",
]

#: RDP orders, those of the TensorFlow Privacy tutorials (so epsilons are comparable).
RDP_ORDERS = tuple([1 + x / 10.0 for x in range(1, 100)] + list(range(11, 64)) + [128, 256, 512])


# --------------------------------------------------------------------------- sampling and accounting


def poisson_batches(images, labels, sampling_rate: float, seed: int = 0):
    """An endless ``tf.data.Dataset`` of Poisson-sampled batches, fresh at every step.

    Each example joins each batch independently with probability
    ``sampling_rate`` (q), so batch sizes vary around ``q * N``: the sampling
    that the privacy accountant assumes. One random generator serves the whole
    life of the data set: a second iterator (a second ``fit`` call, a new
    Keras epoch) continues the stream instead of replaying it, so no two steps
    reuse a draw. An empty batch (probability ``(1 - q) ** N``) is yielded
    too: DP-SGD still takes a noise-only step then.

    Parameters
    ----------
    images : numpy.ndarray, shape (N, ...)
    labels : numpy.ndarray, shape (N,)
    sampling_rate : float
        q in (0, 1].
    seed : int
        Seed of the generator (the same seed gives the same sequence of
        batches for a newly created data set).

    Returns
    -------
    tf.data.Dataset
        Yields ``(images[batch], labels[batch])``, shapes ``(B, ...)`` and
        ``(B,)`` with B ~ Binomial(N, q).
    """
    images = check_array(images, "images", "poisson_batches")
    labels = check_array(labels, "labels", "poisson_batches")
    if len(images) != len(labels):
        raise ValueError(f"poisson_batches: images and labels differ in length: {len(images)} vs "
                         f"{len(labels)} (one label per image).")
    sampling_rate = check_in_range(sampling_rate, "sampling_rate", 0.0, 1.0, low_open=True)
    rng = np.random.default_rng(check_seed(seed))

    import tensorflow as tf
  # outside generate(): a new iterator continues the stream

    def generate():
        while True:
            chosen = np.flatnonzero(rng.random(len(images)) < sampling_rate)
            yield images[chosen], labels[chosen]

    signature = (tf.TensorSpec((None,) + images.shape[1:], tf.as_dtype(images.dtype)),
                 tf.TensorSpec((None,) + labels.shape[1:], tf.as_dtype(labels.dtype)))
    return tf.data.Dataset.from_generator(generate, output_signature=signature)


def compute_epsilon(noise_multiplier: float, sampling_rate: float, num_steps: int,
                    delta: float = 1e-5, accountant: str = "rdp") -> float:
    """Epsilon of DP-SGD after ``num_steps`` Poisson-sampled Gaussian steps (``dp-accounting``).

    Parameters
    ----------
    noise_multiplier : float
        sigma (> 0).
    sampling_rate : float
        q = expected batch size / N.
    num_steps : int
        Number of noisy gradient steps taken.
    delta : float, default 1e-5
        Target delta (below 1 / N).
    accountant : {"rdp", "pld"}
        Renyi DP (as in TensorFlow Privacy) or the tighter privacy-loss
        distribution accountant.

    Returns
    -------
    float
        Epsilon (0 for no steps).
    """
    import logging

    noise_multiplier = check_positive_number(noise_multiplier, "noise_multiplier")  # > 0: a finite epsilon
    sampling_rate = check_in_range(sampling_rate, "sampling_rate", 0.0, 1.0, low_open=True)
    num_steps = check_non_negative_int(num_steps, "num_steps")
    delta = check_in_range(delta, "delta", 0.0, 1.0, low_open=True, high_open=True)
    accountant = check_choice(accountant, "accountant", ("rdp", "pld"))
    if num_steps == 0:
        return 0.0

    import dp_accounting

    event = dp_accounting.SelfComposedDpEvent(
        dp_accounting.PoissonSampledDpEvent(sampling_rate, dp_accounting.GaussianDpEvent(noise_multiplier)),
        int(num_steps),
    )
    if accountant == "rdp":
        engine = dp_accounting.rdp.RdpAccountant(list(RDP_ORDERS))
    else:
        engine = dp_accounting.pld.PLDAccountant()
    absl_logger = logging.getLogger("absl")
    level = absl_logger.level
    absl_logger.setLevel(logging.ERROR)  # large q: some RDP orders fail to converge and are skipped
    try:
        engine.compose(event)
        return float(engine.get_epsilon(delta))
    finally:
        absl_logger.setLevel(level)


# --------------------------------------------------------------------------- membership inference


def _as_losses(losses, name, function):
    losses = np.asarray(losses)
    if losses.size == 0:
        raise ValueError(f"{function}: {name} is empty: the attack needs at least one loss of each kind.")
    losses = check_array(losses, name, function).astype(np.float64).ravel()
    if not np.all(np.isfinite(losses)):
        raise ValueError(f"{function}: {name} contains NaN or infinite losses.")
    return losses


def advantage_at(member_losses, nonmember_losses, threshold: float) -> float:
    """True-positive minus false-positive rate of "member if loss <= threshold".

    Parameters
    ----------
    member_losses : array-like, shape (M,)
        Per-example losses of training examples.
    nonmember_losses : array-like, shape (K,)
        Per-example losses of examples the model never saw.
    threshold : float

    Returns
    -------
    float in [-1, 1]
        0 is a coin flip; it can be negative on data the threshold was not
        chosen on.
    """
    members = _as_losses(member_losses, "member_losses", "advantage_at")
    others = _as_losses(nonmember_losses, "nonmember_losses", "advantage_at")
    threshold = check_in_range(threshold, "threshold", -np.inf, np.inf)
    return float(np.mean(members <= threshold) - np.mean(others <= threshold))


def _best_thresholds(members, others):
    """Best threshold per row (rows of sorted-or-not loss samples, same length each)."""
    candidates = np.sort(np.concatenate([members, others], axis=-1), axis=-1)
    members, others = np.sort(members, axis=-1), np.sort(others, axis=-1)
    rows = np.arange(candidates.shape[0])[:, None]
    tpr = np.stack([np.searchsorted(m, c, side="right") for m, c in zip(members, candidates, strict=True)])
    fpr = np.stack([np.searchsorted(o, c, side="right") for o, c in zip(others, candidates, strict=True)])
    gain = tpr / members.shape[-1] - fpr / others.shape[-1]
    return candidates[rows[:, 0], np.argmax(gain, axis=-1)]


def best_threshold(member_losses, nonmember_losses) -> float:
    """The loss threshold that maximises TPR - FPR on these (calibration) losses.

    Choose it on calibration data and score the attack with
    :func:`advantage_at` on other examples: the maximum over thresholds on the
    scored data itself is biased upwards.

    Parameters
    ----------
    member_losses : array-like, shape (M,)
    nonmember_losses : array-like, shape (K,)

    Returns
    -------
    float
        One of the observed losses ("member if loss <= threshold").
    """
    members = _as_losses(member_losses, "member_losses", "best_threshold")
    others = _as_losses(nonmember_losses, "nonmember_losses", "best_threshold")
    return float(_best_thresholds(members[None], others[None])[0])


def chance_advantage(calibration_members, calibration_nonmembers, members, nonmembers,
                     trials: int = 1000, quantile: float = 0.95, seed: int = 0) -> float:
    """Chance level of the calibrated attack: its advantage when membership is meaningless.

    Shuffles the member / non-member labels within the calibration set and
    within the scored set (so losses carry no information about the label),
    reruns "best threshold on calibration, advantage on the scored set" and
    returns the given quantile of the advantages over ``trials`` shuffles. A
    measured advantage above it is unlikely to be luck.

    Parameters
    ----------
    calibration_members, calibration_nonmembers : array-like, shapes (Mc,), (Kc,)
    members, nonmembers : array-like, shapes (M,), (K,)
        The scored losses.
    trials : int
    quantile : float in (0, 1)
    seed : int

    Returns
    -------
    float
    """
    trials = check_positive_int(trials, "trials")
    quantile = check_in_range(quantile, "quantile", 0.0, 1.0, low_open=True, high_open=True)
    cal_m = _as_losses(calibration_members, "calibration_members", "chance_advantage")
    cal_o = _as_losses(calibration_nonmembers, "calibration_nonmembers", "chance_advantage")
    score_m = _as_losses(members, "members", "chance_advantage")
    score_o = _as_losses(nonmembers, "nonmembers", "chance_advantage")
    rng = np.random.default_rng(check_seed(seed))
    cal = np.concatenate([cal_m, cal_o])
    scored = np.concatenate([score_m, score_o])
    cal_shuffled = np.stack([rng.permutation(cal) for _ in range(trials)])
    scored_shuffled = np.stack([rng.permutation(scored) for _ in range(trials)])
    thresholds = _best_thresholds(cal_shuffled[:, :len(cal_m)], cal_shuffled[:, len(cal_m):])
    below = scored_shuffled <= thresholds[:, None]
    advantages = below[:, :len(score_m)].mean(axis=1) - below[:, len(score_m):].mean(axis=1)
    return float(np.quantile(advantages, quantile))
