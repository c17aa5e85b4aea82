"""Tests for course_utils.exercises.ex05_2: reference answers pass, typical mistakes fail clearly."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.exercises import ExerciseFailure, NotAttemptedError, get_exercise, list_exercises

KEYS = ["05_2.reparameterise_and_kl", "05_2.jump_forward", "05_2.ddim_step"]


def _untouched(*args, **kwargs):
    raise NotImplementedError()


def _failure_message(key, answer) -> str:
    with pytest.raises(ExerciseFailure) as caught:
        get_exercise(key).check(answer)
    assert not isinstance(caught.value, NotAttemptedError)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(key)
    return message


def test_notebook_05_2_has_its_exercises_apart_from_05():
    assert set(KEYS) <= set(list_exercises("05_2"))
    assert not set(KEYS) & set(list_exercises("05"))


@pytest.mark.parametrize("key", KEYS)
def test_the_reference_solution_passes(key, capsys):
    assert get_exercise(key).check(get_exercise(key).reference_answer()) is True
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize("key", KEYS)
def test_an_untouched_answer_is_not_attempted(key):
    with pytest.raises(NotAttemptedError, match="not attempted"):
        get_exercise(key).check(_untouched)


@pytest.mark.parametrize("key", KEYS)
def test_hints_and_solution_are_there(key, capsys):
    exercise = get_exercise(key)
    assert len(exercise.hints) == 3 and exercise.hint(3)
    assert "def " in exercise.solution()


# ------------------------------------------------------------------ 05_2.reparameterise_and_kl
def _kl(mean, log_var, prior_log_var=0.0):
    return 0.5 * np.sum(prior_log_var - log_var + (np.exp(log_var) + mean**2) / np.exp(prior_log_var) - 1.0,
                        axis=-1)


def test_the_kl_matches_a_monte_carlo_estimate_with_reparameterised_samples():
    # independent check of the reference: KL = E_q[log q(z) - log p(z)], z drawn by the reference itself
    answer = get_exercise("05_2.reparameterise_and_kl").reference_answer()
    rng = np.random.default_rng(0)
    mean, log_var, prior_log_var = np.array([[0.7, -0.3]]), np.array([[-0.5, 0.4]]), np.log(2.0)
    noise = rng.normal(size=(200_000, 2))
    codes, kl = answer(np.repeat(mean, len(noise), 0), np.repeat(log_var, len(noise), 0), noise, prior_log_var)
    log_q = -0.5 * np.sum(noise**2 + log_var + np.log(2 * np.pi), axis=1)
    log_p = -0.5 * np.sum(codes**2 / 2.0 + prior_log_var + np.log(2 * np.pi), axis=1)
    assert np.mean(log_q - log_p) == pytest.approx(kl[0], abs=0.01)


def test_using_the_variance_as_the_scale_fails():
    def wrong(mean, log_var, noise, prior_log_var=0.0):
        return mean + np.exp(log_var) * noise, _kl(mean, log_var, prior_log_var)

    assert "standard deviation" in _failure_message("05_2.reparameterise_and_kl", wrong)


def test_averaging_instead_of_summing_the_kl_fails():
    def wrong(mean, log_var, noise, prior_log_var=0.0):
        kl = 0.5 * np.mean(prior_log_var - log_var + (np.exp(log_var) + mean**2) / np.exp(prior_log_var) - 1.0, axis=-1)
        return mean + np.exp(0.5 * log_var) * noise, kl

    assert "sum them" in _failure_message("05_2.reparameterise_and_kl", wrong)


def test_a_kl_with_the_wrong_sign_fails():
    def wrong(mean, log_var, noise, prior_log_var=0.0):
        return mean + np.exp(0.5 * log_var) * noise, -_kl(mean, log_var, prior_log_var)

    assert "sign" in _failure_message("05_2.reparameterise_and_kl", wrong)


def test_ignoring_the_prior_variance_fails():
    def wrong(mean, log_var, noise, prior_log_var=0.0):
        return mean + np.exp(0.5 * log_var) * noise, _kl(mean, log_var)

    assert "prior_log_var" in _failure_message("05_2.reparameterise_and_kl", wrong)


def test_a_kl_per_element_instead_of_per_row_fails():
    def wrong(mean, log_var, noise, prior_log_var=0.0):
        return mean + np.exp(0.5 * log_var) * noise, 0.5 * (np.exp(log_var) + mean**2 - log_var - 1.0)

    assert "one value per row" in _failure_message("05_2.reparameterise_and_kl", wrong)


# ------------------------------------------------------------------ 05_2.jump_forward
def test_jump_forward_without_square_roots_fails():
    def wrong(x_s, noise, betas, s, t):
        ratio = np.prod(1.0 - np.asarray(betas)[s:t])
        return ratio * x_s + (1 - ratio) * noise

    assert "square roots" in _failure_message("05_2.jump_forward", wrong)


def test_jump_forward_off_by_one_fails():
    def wrong(x_s, noise, betas, s, t):
        ratio = np.prod(1.0 - np.asarray(betas)[s + 1 : t + 1])
        return np.sqrt(ratio) * x_s + np.sqrt(1 - ratio) * noise

    assert "off by one" in _failure_message("05_2.jump_forward", wrong)


def test_jump_forward_from_the_clean_image_fails():
    def wrong(x_s, noise, betas, s, t):
        ratio = np.prod(1.0 - np.asarray(betas)[:t])
        return np.sqrt(ratio) * x_s + np.sqrt(1 - ratio) * noise

    assert "jumps from x_0" in _failure_message("05_2.jump_forward", wrong)


# ------------------------------------------------------------------ 05_2.ddim_step
def test_the_reference_ddim_step_with_eta_one_matches_the_notebooks_ddpm_posterior():
    # Ho et al. (2020), eq. 7, written as in the notebook's ddpm_sample, for one step t -> t-1
    answer = get_exercise("05_2.ddim_step").reference_answer()
    alpha_bar_t, alpha_bar_previous = 0.42, 0.5
    beta = 1 - alpha_bar_t / alpha_bar_previous
    x_t, noise, z = np.array([0.3, -1.2]), np.array([0.5, 0.1]), np.array([-0.4, 2.0])
    clean = (x_t - np.sqrt(1 - alpha_bar_t) * noise) / np.sqrt(alpha_bar_t)
    mean = (np.sqrt(alpha_bar_previous) * beta * clean
            + np.sqrt(1 - beta) * (1 - alpha_bar_previous) * x_t) / (1 - alpha_bar_t)
    variance = (1 - alpha_bar_previous) / (1 - alpha_bar_t) * beta
    got = answer(x_t, noise, alpha_bar_t, alpha_bar_previous, eta=1.0, z=z)
    assert got == pytest.approx(mean + np.sqrt(variance) * z)


def test_ddim_step_that_ignores_eta_fails():
    def wrong(x_t, predicted_noise, alpha_bar_t, alpha_bar_s, eta=0.0, z=None):
        clean = (x_t - np.sqrt(1 - alpha_bar_t) * predicted_noise) / np.sqrt(alpha_bar_t)
        return np.sqrt(alpha_bar_s) * clean + np.sqrt(1 - alpha_bar_s) * predicted_noise

    assert "eta has no effect" in _failure_message("05_2.ddim_step", wrong)


def test_ddim_step_that_forgets_the_fresh_noise_fails():
    def wrong(x_t, predicted_noise, alpha_bar_t, alpha_bar_s, eta=0.0, z=None):
        clean = (x_t - np.sqrt(1 - alpha_bar_t) * predicted_noise) / np.sqrt(alpha_bar_t)
        sigma = eta * np.sqrt((1 - alpha_bar_s) / (1 - alpha_bar_t)) * np.sqrt(1 - alpha_bar_t / alpha_bar_s)
        return np.sqrt(alpha_bar_s) * clean + np.sqrt(1 - alpha_bar_s - sigma**2) * predicted_noise

    assert "fresh noise z" in _failure_message("05_2.ddim_step", wrong)


def test_ddim_step_with_swapped_levels_fails():
    def wrong(x_t, predicted_noise, alpha_bar_t, alpha_bar_s, eta=0.0, z=None):
        clean = (x_t - np.sqrt(1 - alpha_bar_s) * predicted_noise) / np.sqrt(alpha_bar_s)
        return np.sqrt(alpha_bar_t) * clean + np.sqrt(1 - alpha_bar_t) * predicted_noise

    assert "eta=0" in _failure_message("05_2.ddim_step", wrong)
