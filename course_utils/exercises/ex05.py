"""Exercises of notebook 05 (generative adversarial networks)."""

from __future__ import annotations

import numpy as np

from . import Exercise, expect, expect_close, register


def _check_generator_loss(generator_loss) -> None:
    logits = np.array([0.0, 2.0, -3.0], dtype=np.float32)
    expected = float(np.mean(np.log1p(np.exp(-logits))))  # -log sigmoid(l)
    got = float(generator_loss(logits))
    saturating = float(np.mean(-np.log1p(np.exp(logits))))  # log(1 - sigmoid(l))
    expect(abs(got - saturating) > 1e-4,
           "generator_loss returns log(1 - D(G(z))), the saturating minimax loss; "
           "return -log D(G(z)) instead")  # fmt: skip
    expect(abs(got + expected) > 1e-4,
           "generator_loss has the wrong sign: the generator minimises -log D(G(z))")  # fmt: skip
    expect_close(got, expected, "generator_loss([0, 2, -3]) (mean of -log sigmoid)", atol=1e-4)
    expect_close(float(generator_loss(np.array([0.0]))), np.log(2.0), "generator_loss([0])",
                 atol=1e-5)  # fmt: skip
    large = float(generator_loss(np.array([-100.0, 100.0])))
    expect(np.isfinite(large),
           f"generator_loss([-100, 100]) should be finite (about 50), got {large}: "
           "compute -log sigmoid(l) stably, e.g. as np.logaddexp(0, -l)")  # fmt: skip
    expect_close(large, 50.0, "generator_loss([-100, 100])", atol=1e-3)


def _check_inception_score(inception_score) -> None:
    confident = np.eye(10)[np.arange(50) % 10]
    expect_close(inception_score(confident), 10.0, "inception_score(one-hot rows, 5 per class)",
                 atol=1e-3)  # fmt: skip
    expect_close(inception_score(np.full((20, 10), 0.1)), 1.0, "inception_score(uniform rows)",
                 atol=1e-6)  # fmt: skip
    one_class = np.eye(10)[np.zeros(20, dtype=int)]
    expect_close(inception_score(one_class), 1.0, "inception_score(every row one-hot for class 0)",
                 atol=1e-3)  # fmt: skip
    mixed = np.array([[1.0, 0.0], [0.5, 0.5]])
    kl_mean = (np.log(1 / 0.75) + 0.5 * np.log(0.5 / 0.75) + 0.5 * np.log(2.0)) / 2
    expect_close(inception_score(mixed), np.exp(kl_mean), "inception_score([[1, 0], [0.5, 0.5]])",
                 atol=1e-4)  # fmt: skip


register(Exercise(
    key="05.generator_loss",
    title="write generator_loss(fake_logits): the non-saturating loss, mean of -log sigmoid(logit)",
    checker=_check_generator_loss,
    hints=(
        "D(G(z)) = sigmoid(logit); the generator wants it near 1, so it minimises -log D(G(z)).",
        "-log sigmoid(l) = log(1 + exp(-l)); for large |l| use np.logaddexp(0, -l).",
        "return np.mean(np.logaddexp(0.0, -np.asarray(fake_logits, dtype=float)))",
    ),
    solution_code=(
        "def generator_loss(fake_logits):\n"
        "    fake_logits = np.asarray(fake_logits, dtype=float)\n"
        "    return float(np.mean(np.logaddexp(0.0, -fake_logits)))"
    ),
))  # fmt: skip

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
))  # fmt: skip
