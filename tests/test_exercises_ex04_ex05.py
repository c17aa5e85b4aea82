"""Tests for course_utils.exercises.ex04 and ex05 (notebook 05_1): untouched, wrong and reference answers."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from course_utils.exercises import ExerciseFailure, NotAttemptedError, get_exercise, list_exercises

EXERCISES = [
    ("04.dense_autoencoder", "dense_autoencoder"),
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
    assert {"04.dense_autoencoder", "04.psnr"} <= set(list_exercises("04"))
    assert {"05.discriminator_loss", "05.inception_score"} <= set(list_exercises("05"))


@pytest.mark.parametrize("key, name", EXERCISES)
def test_an_untouched_answer_is_not_attempted(key, name):
    with pytest.raises(NotAttemptedError, match="not attempted"):
        get_exercise(key).check(_untouched)


@pytest.mark.parametrize("key, name", EXERCISES)
def test_the_reference_solution_passes(key, name, capsys):
    assert get_exercise(key).check(_solution_function(key, name)) is True
    assert "Correct" in capsys.readouterr().out


def test_the_articles_flat_autoencoder_fails_on_its_output_shape():
    def articles_autoencoder(code_size):
        return keras.Sequential([
            keras.Input(shape=(28, 28, 1)), keras.layers.Flatten(),
            keras.layers.Dense(128, activation="relu"), keras.layers.Dense(code_size),
            keras.layers.Dense(128, activation="relu"), keras.layers.Dense(784, activation="sigmoid"),
        ])  # fmt: skip

    assert "(4, 784)" in _one_line_failure("04.dense_autoencoder", articles_autoencoder)


def test_an_autoencoder_ignoring_the_code_size_fails():
    solution = _solution_function("04.dense_autoencoder", "dense_autoencoder")
    message = _one_line_failure("04.dense_autoencoder", lambda code_size: solution(32))
    assert "dense_autoencoder(8).count_params()" in message


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
