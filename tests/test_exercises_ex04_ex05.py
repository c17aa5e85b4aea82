"""Tests for course_utils.exercises.ex04 and ex05 (notebook 05_1): untouched, wrong and reference answers."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from course_utils.exercises import ExerciseFailure, NotAttemptedError, get_exercise, list_exercises

EXERCISES = [
    ("04.denoising_pair", "denoising_pair"),
    ("04.psnr", "psnr"),
    ("05.discriminator_loss", "discriminator_loss"),
    ("05.inception_score", "inception_score"),
]


def _solution_function(key: str, name: str):
    return get_exercise(key).reference_answer(name)


def _untouched(*args, **kwargs):
    raise NotImplementedError()


def _one_line_failure(key, answer) -> str:
    with pytest.raises(ExerciseFailure) as caught:
        get_exercise(key).check(answer)
    assert not isinstance(caught.value, NotAttemptedError)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(key)
    return message


def test_notebooks_04_and_05_have_their_exercises():
    assert {"04.denoising_pair", "04.psnr"} <= set(list_exercises("04"))
    assert {"05.discriminator_loss", "05.inception_score"} <= set(list_exercises("05"))


@pytest.mark.parametrize("key, name", EXERCISES)
def test_an_untouched_answer_is_not_attempted(key, name):
    with pytest.raises(NotAttemptedError, match="not attempted"):
        get_exercise(key).check(_untouched)


@pytest.mark.parametrize("key, name", EXERCISES)
def test_the_reference_solution_passes(key, name, capsys):
    assert get_exercise(key).check(_solution_function(key, name)) is True
    assert "Correct" in capsys.readouterr().out


def test_noise_added_after_clipping_is_rejected():
    def clip_then_add(clean_images, noise_std, rng):
        noisy = np.clip(clean_images, 0, 1) + rng.normal(0.0, noise_std, size=clean_images.shape)
        return noisy.astype(np.float32), clean_images

    assert "clip after adding the noise" in _one_line_failure("04.denoising_pair", clip_then_add)


def test_a_reseeded_or_float64_or_in_place_pair_is_rejected():
    def reseeded(clean_images, noise_std, rng):
        noise = np.random.default_rng(0).normal(0.0, noise_std, size=clean_images.shape)
        return np.clip(clean_images + noise, 0, 1).astype(np.float32), clean_images

    def float64(clean_images, noise_std, rng):
        return np.clip(clean_images + rng.normal(0.0, noise_std, size=clean_images.shape), 0, 1), clean_images

    def in_place(clean_images, noise_std, rng):
        clean_images += rng.normal(0.0, noise_std, size=clean_images.shape).astype(np.float32)
        return np.clip(clean_images, 0, 1), clean_images

    def one_noise_value(clean_images, noise_std, rng):
        noisy = np.clip(clean_images + rng.normal(0.0, noise_std), 0, 1).astype(np.float32)
        return noisy, clean_images

    assert "re-seed" in _one_line_failure("04.denoising_pair", reseeded)
    assert "float32" in _one_line_failure("04.denoising_pair", float64)
    assert "in place" in _one_line_failure("04.denoising_pair", in_place)
    assert "own noise value" in _one_line_failure("04.denoising_pair", one_noise_value)


def test_a_psnr_of_the_pooled_mse_is_told_to_average_per_image():
    def pooled_psnr(reference, estimate, max_value=1.0):
        mse = np.mean((np.asarray(reference, float) - np.asarray(estimate, float)) ** 2)
        with np.errstate(divide="ignore"):
            return float(10 * np.log10(max_value**2 / mse))

    assert "mean of each image's PSNR" in _one_line_failure("04.psnr", pooled_psnr)


def test_the_reference_psnr_matches_metrics_psnr():
    from course_utils.metrics import psnr as course_psnr

    psnr = _solution_function("04.psnr", "psnr")
    rng = np.random.default_rng(0)
    clean = rng.uniform(size=(6, 28, 28, 1))
    noisy = np.clip(clean + rng.normal(0, rng.uniform(0.05, 0.5, size=(6, 1, 1, 1)), clean.shape), 0, 1)
    assert psnr(clean, noisy) == pytest.approx(course_psnr(clean, noisy, max_value=1.0), abs=1e-9)


def test_a_psnr_without_the_square_fails():
    def psnr_of_rmse(reference, estimate, max_value=1.0):
        rmse = np.sqrt(np.mean((np.asarray(reference) - np.asarray(estimate)) ** 2))
        return 10 * np.log10(max_value / rmse)

    assert "should be 20, got 10" in _one_line_failure("04.psnr", psnr_of_rmse)


def test_the_reference_discriminator_loss_matches_keras():
    rng = np.random.default_rng(0)
    real, fake = rng.normal(0, 3, size=7), rng.normal(0, 3, size=5)
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    for real_label in (1.0, 0.9):
        expected = float(bce(np.full((7, 1), real_label), real[:, None])) + float(bce(np.zeros((5, 1)), fake[:, None]))
        answer = _solution_function("05.discriminator_loss", "discriminator_loss")
        assert answer(real, fake, real_label=real_label) == pytest.approx(expected, rel=1e-5)


def _bce(target, logits):
    return target * np.logaddexp(0.0, -logits) + (1.0 - target) * np.logaddexp(0.0, logits)


def test_swapped_discriminator_targets_are_named():
    def swapped(real_logits, fake_logits, real_label=1.0):
        return float(np.mean(_bce(0.0, np.asarray(real_logits))) + np.mean(_bce(real_label, np.asarray(fake_logits))))

    assert "swapped" in _one_line_failure("05.discriminator_loss", swapped)


def test_a_pooled_mean_is_caught():
    def pooled(real_logits, fake_logits, real_label=1.0):
        terms = np.concatenate([_bce(real_label, np.asarray(real_logits)), _bce(0.0, np.asarray(fake_logits))])
        return float(np.mean(terms))

    assert "mean over the real batch plus" in _one_line_failure("05.discriminator_loss", pooled)


def test_ignoring_label_smoothing_is_caught():
    def unsmoothed(real_logits, fake_logits, real_label=1.0):
        return float(np.mean(_bce(1.0, np.asarray(real_logits))) + np.mean(_bce(0.0, np.asarray(fake_logits))))

    assert "ignores real_label" in _one_line_failure("05.discriminator_loss", unsmoothed)


def test_an_unstable_discriminator_loss_is_caught_even_in_float64():
    def naive(real_logits, fake_logits, real_label=1.0):
        d_real = 1.0 / (1.0 + np.exp(-np.asarray(real_logits, dtype=float)))
        d_fake = 1.0 / (1.0 + np.exp(-np.asarray(fake_logits, dtype=float)))
        real_term = -real_label * np.log(d_real) - (1.0 - real_label) * np.log(1.0 - d_real)
        return float(np.mean(real_term) + np.mean(-np.log(1.0 - d_fake)))

    with np.errstate(all="ignore"):
        assert "finite" in _one_line_failure("05.discriminator_loss", naive)


def test_an_inception_score_without_the_exponential_fails():
    def log_score(probabilities):
        p = np.asarray(probabilities, dtype=float)
        marginal = p.mean(axis=0)
        return float(np.mean(np.sum(p * (np.log(p + 1e-12) - np.log(marginal + 1e-12)), axis=1)))

    assert "should be 10, got 2.30" in _one_line_failure("05.inception_score", log_score)


def test_the_package_inception_score_does_not_pass_and_is_restored_after_the_check():
    from course_utils import generation_metrics as gm

    def borrowed(probabilities):
        return gm.inception_score(probabilities)

    message = _one_line_failure("05.inception_score", borrowed)
    assert "hidden" in message
    assert abs(gm.inception_score(np.eye(4)) - 4.0) < 1e-6  # the package's function works again
    get_exercise("05.inception_score").check(_solution_function("05.inception_score", "inception_score"))
