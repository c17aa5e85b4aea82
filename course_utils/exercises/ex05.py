"""Exercises of notebook 05_1 (generative adversarial networks)."""

from __future__ import annotations

import numpy as np

from . import Exercise, ExerciseFailure, expect, expect_close, register


def _binary_cross_entropy(target, logits):
    """Reference: -t log sigmoid(l) - (1 - t) log(1 - sigmoid(l)), written stably."""
    return target * np.logaddexp(0.0, -logits) + (1.0 - target) * np.logaddexp(0.0, logits)


def _reference_discriminator_loss(real_logits, fake_logits, real_label=1.0):
    return float(np.mean(_binary_cross_entropy(real_label, real_logits))
                 + np.mean(_binary_cross_entropy(0.0, fake_logits)))


def _check_discriminator_loss(discriminator_loss) -> None:
    real = np.array([0.5, -1.5, 2.0])
    fake = np.array([-2.0, 0.3])
    got = float(discriminator_loss(real, fake))
    swapped = float(np.mean(_binary_cross_entropy(0.0, real)) + np.mean(_binary_cross_entropy(1.0, fake)))
    expect(abs(got - swapped) > 1e-4,
           "discriminator_loss has the targets swapped: real images should be labelled real_label, "
           "generated ones 0")
    pooled = float(np.mean(np.concatenate([_binary_cross_entropy(1.0, real), _binary_cross_entropy(0.0, fake)])))
    expect(abs(got - pooled) > 1e-4,
           "discriminator_loss averages real and fake terms together; return the mean over the real "
           "batch plus the mean over the fake batch (the batches may differ in size)")
    expect_close(got, _reference_discriminator_loss(real, fake),
                 "discriminator_loss([0.5, -1.5, 2], [-2, 0.3])", atol=1e-5)
    smoothed = float(discriminator_loss(real, fake, real_label=0.9))
    expect(abs(smoothed - got) > 1e-4,
           "discriminator_loss ignores real_label: with real_label=0.9 the real images' target is 0.9")
    expect_close(smoothed, _reference_discriminator_loss(real, fake, 0.9),
                 "discriminator_loss([0.5, -1.5, 2], [-2, 0.3], real_label=0.9)", atol=1e-5)
    with np.errstate(all="ignore"):
        worst = float(discriminator_loss(np.array([-1000.0]), np.array([1000.0])))
        best = float(discriminator_loss(np.array([1000.0]), np.array([-1000.0])))
    expect(np.isfinite(worst) and np.isfinite(best),
           f"discriminator_loss([-1000], [1000]) should be finite (2000), got {worst}; "
           f"discriminator_loss([1000], [-1000]) should be 0, got {best}: compute log(1 + exp(x)) "
           "stably, e.g. np.logaddexp(0, x)")
    expect_close(worst, 2000.0, "discriminator_loss([-1000], [1000])", atol=1e-6)
    expect_close(best, 0.0, "discriminator_loss([1000], [-1000])", atol=1e-6)


def _hidden_inception_score(*args, **kwargs):
    raise AssertionError("inception_score must be written by you: course_utils.generation_metrics.inception_score "
                         "is hidden during this check")


def _check_inception_score_values(inception_score) -> None:
    confident = np.eye(10)[np.arange(50) % 10]
    expect_close(inception_score(confident), 10.0, "inception_score(one-hot rows, 5 per class)",
                 atol=1e-3)
    expect_close(inception_score(np.full((20, 10), 0.1)), 1.0, "inception_score(uniform rows)",
                 atol=1e-6)
    one_class = np.eye(10)[np.zeros(20, dtype=int)]
    expect_close(inception_score(one_class), 1.0, "inception_score(every row one-hot for class 0)",
                 atol=1e-3)
    mixed = np.array([[1.0, 0.0], [0.5, 0.5]])
    kl_mean = (np.log(1 / 0.75) + 0.5 * np.log(0.5 / 0.75) + 0.5 * np.log(2.0)) / 2
    expect_close(inception_score(mixed), np.exp(kl_mean), "inception_score([[1, 0], [0.5, 0.5]])",
                 atol=1e-4)


def _check_inception_score(inception_score) -> None:
    """Check the values, with the package's own ``inception_score`` hidden (it must not pass for the learner)."""
    from course_utils import generation_metrics

    original_code = generation_metrics.inception_score.__code__
    generation_metrics.inception_score.__code__ = _hidden_inception_score.__code__  # hides every reference to it
    try:
        _check_inception_score_values(inception_score)
    except AssertionError as failure:
        if not isinstance(failure, ExerciseFailure) and "hidden during this check" in str(failure):
            raise ExerciseFailure(str(failure)) from None
        raise
    finally:
        generation_metrics.inception_score.__code__ = original_code


register(Exercise(
    key="05.discriminator_loss",
    title="write discriminator_loss(real_logits, fake_logits, real_label=1.0): "
          "mean BCE(real_label, real) + mean BCE(0, fake), on logits, stable",
    checker=_check_discriminator_loss,
    hints=(
        "With D = sigmoid(l): -log D = log(1 + exp(-l)) and -log(1 - D) = log(1 + exp(l)).",
        "log(1 + exp(x)) overflows for large x in exp; np.logaddexp(0, x) computes it stably.",
        "real_term = t * np.logaddexp(0, -real) + (1 - t) * np.logaddexp(0, real); "
        "fake_term = np.logaddexp(0, fake); return their means, added",
    ),
    solution_code=(
        "def discriminator_loss(real_logits, fake_logits, real_label=1.0):\n"
        "    real_logits = np.asarray(real_logits, dtype=float)\n"
        "    fake_logits = np.asarray(fake_logits, dtype=float)\n"
        "    real_term = (real_label * np.logaddexp(0.0, -real_logits)\n"
        "                 + (1.0 - real_label) * np.logaddexp(0.0, real_logits))\n"
        "    fake_term = np.logaddexp(0.0, fake_logits)\n"
        "    return float(np.mean(real_term) + np.mean(fake_term))"
    ),
))

register(Exercise(
    key="05.inception_score",
    title="write inception_score(probabilities): exp(mean over samples of KL(p(y|x) || p(y)))",
    checker=_check_inception_score,
    hints=(
        "p(y) is the mean of the rows: probabilities.mean(axis=0).",
        "KL(p || q) = sum p * (log p - log q); add a tiny eps inside the logs to avoid log(0).",
        "kl = np.sum(p * (np.log(p + eps) - np.log(marginal + eps)), axis=1); return np.exp(kl.mean())",
    ),
    solution_code=(
        "def inception_score(probabilities, eps=1e-12):\n"
        "    p = np.asarray(probabilities, dtype=float)\n"
        "    marginal = p.mean(axis=0, keepdims=True)\n"
        "    kl = np.sum(p * (np.log(p + eps) - np.log(marginal + eps)), axis=1)\n"
        "    return float(np.exp(kl.mean()))"
    ),
))
