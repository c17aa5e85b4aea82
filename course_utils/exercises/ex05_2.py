"""Exercises of notebook 05_2 (variational autoencoders and diffusion models)."""

from __future__ import annotations

import numpy as np

from . import Exercise, expect, expect_close, register


def _as_pair(result, name: str):
    expect(isinstance(result, (tuple, list)) and len(result) == 2,
           f"{name} should return a pair (codes, kl), got {type(result).__name__}")
    return np.asarray(result[0], dtype=float), np.asarray(result[1], dtype=float)


def _kl_reference(mean, log_var, prior_log_var):
    return 0.5 * np.sum(prior_log_var - log_var + (np.exp(log_var) + mean**2) / np.exp(prior_log_var) - 1.0,
                        axis=-1)


def _check_reparameterise_and_kl(reparameterise_and_kl) -> None:
    rng = np.random.default_rng(0)
    mean = rng.normal(size=(4, 3))
    log_var = rng.normal(scale=0.7, size=(4, 3))
    noise = rng.normal(size=(4, 3))
    codes, kl = _as_pair(reparameterise_and_kl(mean, log_var, noise), "reparameterise_and_kl")
    expected_codes = mean + np.exp(0.5 * log_var) * noise
    expect(codes.shape == (4, 3), f"codes should have the shape of mean, (4, 3), got {codes.shape}")
    expect(not np.allclose(codes, mean + np.exp(log_var) * noise),
           "codes use exp(log_var), the variance, as the scale: the standard deviation is "
           "sigma = exp(0.5 * log_var)")
    expect_close(codes, expected_codes, "codes (mean + sigma * noise)", atol=1e-6)
    expect(kl.shape == (4,), f"kl should hold one value per row, shape (4,), got {kl.shape}: "
           "sum over the last axis (the code dimensions)")
    expected_kl = _kl_reference(mean, log_var, 0.0)
    expect(not np.allclose(kl, -expected_kl), "kl has the wrong sign: a KL divergence is never negative")
    expect(not np.allclose(kl, expected_kl / 3), "kl is averaged over the code dimensions; sum them instead")
    expect(not np.allclose(kl, 2 * expected_kl), "kl is twice too large: the closed form has a factor 1/2")
    expect_close(kl, expected_kl, "kl with the standard normal prior", atol=1e-6)
    wide = np.log(4.0)
    _, kl_wide = _as_pair(reparameterise_and_kl(mean, log_var, noise, prior_log_var=wide), "reparameterise_and_kl")
    expect(not np.allclose(kl_wide, expected_kl),
           "kl ignores prior_log_var: with a prior of variance exp(prior_log_var), divide "
           "(sigma^2 + mean^2) by it and add prior_log_var")
    expect_close(kl_wide, _kl_reference(mean, log_var, wide), "kl with prior_log_var=log(4)", atol=1e-6)
    zero_mean = np.zeros((2, 3))
    _, kl_equal = _as_pair(reparameterise_and_kl(zero_mean, np.full((2, 3), wide), np.zeros((2, 3)),
                                                 prior_log_var=wide), "reparameterise_and_kl")
    expect_close(kl_equal, np.zeros(2), "kl when q equals the prior (mean 0, log_var = prior_log_var)",
                 atol=1e-9)


def _jump_reference(x_s, noise, betas, s, t):
    ratio = np.prod(1.0 - betas[s:t])
    return np.sqrt(ratio) * x_s + np.sqrt(1.0 - ratio) * noise


def _check_jump_forward(jump_forward) -> None:
    rng = np.random.default_rng(1)
    betas = np.linspace(0.01, 0.3, 10)
    x_s = rng.normal(size=(2, 4, 4, 1))
    noise = rng.normal(size=(2, 4, 4, 1))
    from_clean = np.asarray(jump_forward(x_s, noise, betas, 0, 4), dtype=float)
    expect(from_clean.shape == x_s.shape, f"the result should have the shape of x_s, {x_s.shape}, "
           f"got {from_clean.shape}")
    ratio = np.prod(1.0 - betas[:4])
    expect(not np.allclose(from_clean, ratio * x_s + (1 - ratio) * noise),
           "the scales are missing their square roots: x_t = sqrt(ratio) x_s + sqrt(1 - ratio) noise")
    expect(not np.allclose(from_clean, _jump_reference(x_s, noise, betas, 1, 5)),
           "off by one: steps 1 .. t use betas[0] .. betas[t - 1], i.e. betas[s:t]")
    expect_close(from_clean, _jump_reference(x_s, noise, betas, 0, 4), "jump_forward(x_0, noise, betas, 0, 4)",
                 atol=1e-6)
    middle = np.asarray(jump_forward(x_s, noise, betas, 3, 7), dtype=float)
    expect(not np.allclose(middle, _jump_reference(x_s, noise, betas, 0, 7)),
           "jump_forward(x_s, ..., s=3, t=7) jumps from x_0: only the steps s+1 .. t act on x_s")
    expect_close(middle, _jump_reference(x_s, noise, betas, 3, 7), "jump_forward(x_s, noise, betas, 3, 7)",
                 atol=1e-6)
    expect_close(np.asarray(jump_forward(x_s, noise, betas, 5, 5), dtype=float), x_s,
                 "jump_forward with s == t (no step: x_s itself)", atol=1e-9)
    # Iterating the single steps must give the same Gaussian: check mean and variance by Monte Carlo.
    walkers = np.full(20000, 0.8)
    step_rng = np.random.default_rng(2)
    for k in range(3, 7):  # steps 3 .. 6 (betas[2] .. betas[5])
        walkers = np.sqrt(1 - betas[k - 1]) * walkers + np.sqrt(betas[k - 1]) * step_rng.normal(size=walkers.shape)
    jumped = np.asarray(jump_forward(np.full(20000, 0.8), step_rng.normal(size=20000), betas, 2, 6), dtype=float)
    expect(abs(jumped.mean() - walkers.mean()) < 0.03 and abs(jumped.std() - walkers.std()) < 0.03,
           "jump_forward(x_2, ..., 2, 6) does not match four single forward steps from x_2 "
           f"(mean {jumped.mean():.3f} vs {walkers.mean():.3f}, std {jumped.std():.3f} vs {walkers.std():.3f})")


def _ddim_reference(x_t, predicted_noise, alpha_bar_t, alpha_bar_s, eta=0.0, z=None):
    z = np.zeros_like(x_t) if z is None else z
    clean = (x_t - np.sqrt(1 - alpha_bar_t) * predicted_noise) / np.sqrt(alpha_bar_t)
    sigma = eta * np.sqrt((1 - alpha_bar_s) / (1 - alpha_bar_t)) * np.sqrt(1 - alpha_bar_t / alpha_bar_s)
    return np.sqrt(alpha_bar_s) * clean + np.sqrt(1 - alpha_bar_s - sigma**2) * predicted_noise + sigma * z


def _check_ddim_step(ddim_step) -> None:
    rng = np.random.default_rng(3)
    x_t, predicted_noise, z = rng.normal(size=(3, 2, 5, 5, 1))
    alpha_bar_t, alpha_bar_s = 0.3, 0.6
    deterministic = np.asarray(ddim_step(x_t, predicted_noise, alpha_bar_t, alpha_bar_s), dtype=float)
    expect(deterministic.shape == x_t.shape,
           f"the result should have the shape of x_t, {x_t.shape}, got {deterministic.shape}")
    expect_close(deterministic, _ddim_reference(x_t, predicted_noise, alpha_bar_t, alpha_bar_s),
                 "ddim_step with eta=0 (deterministic DDIM)", atol=1e-6)
    # eta = 1 between consecutive levels is a DDPM step: the posterior q(x_s | x_t, x_0) of
    # Ho et al. (2020, eq. 7), whose mean and variance are computed here independently.
    alpha_step = alpha_bar_t / alpha_bar_s  # alpha_t = 1 - beta_t
    beta = 1 - alpha_step
    clean = (x_t - np.sqrt(1 - alpha_bar_t) * predicted_noise) / np.sqrt(alpha_bar_t)
    posterior_mean = (np.sqrt(alpha_bar_s) * beta * clean + np.sqrt(alpha_step) * (1 - alpha_bar_s) * x_t) / (1 - alpha_bar_t)
    posterior_std = np.sqrt((1 - alpha_bar_s) / (1 - alpha_bar_t) * beta)
    stochastic_mean = np.asarray(ddim_step(x_t, predicted_noise, alpha_bar_t, alpha_bar_s, eta=1.0), dtype=float)
    expect(not np.allclose(stochastic_mean, deterministic),
           "eta has no effect: sigma = eta * sqrt((1 - a_s) / (1 - a_t)) * sqrt(1 - a_t / a_s), "
           "and the noise term shrinks to sqrt(1 - a_s - sigma^2)")
    expect_close(stochastic_mean, posterior_mean,
                 "ddim_step with eta=1 and z=None (should be the DDPM posterior mean)", atol=1e-6)
    stochastic = np.asarray(ddim_step(x_t, predicted_noise, alpha_bar_t, alpha_bar_s, eta=1.0, z=z), dtype=float)
    expect(not np.allclose(stochastic, stochastic_mean),
           "the fresh noise z is ignored: add sigma * z")
    expect_close(stochastic, posterior_mean + posterior_std * z,
                 "ddim_step with eta=1 and noise z (a DDPM step)", atol=1e-6)
    half = np.asarray(ddim_step(x_t, predicted_noise, 0.2, 0.9, eta=0.5, z=z), dtype=float)
    expect_close(half, _ddim_reference(x_t, predicted_noise, 0.2, 0.9, 0.5, z), "ddim_step with eta=0.5",
                 atol=1e-6)


register(Exercise(
    key="05_2.reparameterise_and_kl",
    title="write reparameterise_and_kl(mean, log_var, noise, prior_log_var=0.0) -> (codes, kl per row)",
    checker=_check_reparameterise_and_kl,
    hints=(
        "sigma = exp(0.5 * log_var); codes = mean + sigma * noise.",
        "KL(N(m, v) || N(0, p)) per dimension = 0.5 * (log p - log v + (v + m^2) / p - 1); "
        "sum it over the last axis.",
        "kl = 0.5 * np.sum(prior_log_var - log_var + (np.exp(log_var) + mean**2) / np.exp(prior_log_var) - 1, axis=-1)",
    ),
    solution_code=(
        "def reparameterise_and_kl(mean, log_var, noise, prior_log_var=0.0):\n"
        "    mean, log_var, noise = (np.asarray(a, dtype=float) for a in (mean, log_var, noise))\n"
        "    codes = mean + np.exp(0.5 * log_var) * noise\n"
        "    kl = 0.5 * np.sum(prior_log_var - log_var + (np.exp(log_var) + mean**2) / np.exp(prior_log_var) - 1.0,\n"
        "                      axis=-1)\n"
        "    return codes, kl"
    ),
))

register(Exercise(
    key="05_2.jump_forward",
    title="write jump_forward(x_s, noise, betas, s, t): x_t from x_s in one jump of the forward process",
    checker=_check_jump_forward,
    hints=(
        "Each step k multiplies the signal by sqrt(1 - beta_k); from s to t the signal variance "
        "is multiplied by the product of (1 - beta_k) for k = s+1 .. t.",
        "With betas[k - 1] = beta_k, the steps s+1 .. t are betas[s:t].",
        "ratio = np.prod(1 - betas[s:t]); return np.sqrt(ratio) * x_s + np.sqrt(1 - ratio) * noise",
    ),
    solution_code=(
        "def jump_forward(x_s, noise, betas, s, t):\n"
        "    ratio = np.prod(1.0 - np.asarray(betas, dtype=float)[s:t])\n"
        "    return np.sqrt(ratio) * np.asarray(x_s, dtype=float) + np.sqrt(1.0 - ratio) * np.asarray(noise, dtype=float)"
    ),
))

register(Exercise(
    key="05_2.ddim_step",
    title="write ddim_step(x_t, predicted_noise, alpha_bar_t, alpha_bar_s, eta=0.0, z=None): one generalised DDIM step",
    checker=_check_ddim_step,
    hints=(
        "First x0 = (x_t - sqrt(1 - a_t) * eps) / sqrt(a_t), as in the notebook's DDIM (without clipping).",
        "sigma = eta * sqrt((1 - a_s) / (1 - a_t)) * sqrt(1 - a_t / a_s); the eps term gets "
        "sqrt(1 - a_s - sigma**2) and the fresh noise sigma * z.",
        "return np.sqrt(a_s) * x0 + np.sqrt(1 - a_s - sigma**2) * eps + sigma * z  (z = 0 when None)",
    ),
    solution_code=(
        "def ddim_step(x_t, predicted_noise, alpha_bar_t, alpha_bar_s, eta=0.0, z=None):\n"
        "    x_t, predicted_noise = np.asarray(x_t, dtype=float), np.asarray(predicted_noise, dtype=float)\n"
        "    z = np.zeros_like(x_t) if z is None else np.asarray(z, dtype=float)\n"
        "    clean = (x_t - np.sqrt(1 - alpha_bar_t) * predicted_noise) / np.sqrt(alpha_bar_t)\n"
        "    sigma = eta * np.sqrt((1 - alpha_bar_s) / (1 - alpha_bar_t)) * np.sqrt(1 - alpha_bar_t / alpha_bar_s)\n"
        "    return np.sqrt(alpha_bar_s) * clean + np.sqrt(1 - alpha_bar_s - sigma**2) * predicted_noise + sigma * z"
    ),
))
