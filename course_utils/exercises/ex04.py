"""Exercises of notebook 04 (autoencoders): the denoising training pair, and the PSNR."""

from __future__ import annotations

import numpy as np

from . import Exercise, expect, expect_close, expect_equal, register


def _check_denoising_pair(denoising_pair) -> None:
    grey = np.full((400, 28, 28, 1), 0.5, np.float32)
    original = grey.copy()
    result = denoising_pair(grey, 0.1, np.random.default_rng(0))
    expect(isinstance(result, tuple) and len(result) == 2,
           "denoising_pair(...) should return a tuple (noisy_images, clean_images)")
    noisy, target = (np.asarray(part) for part in result)
    expect(np.array_equal(grey, original),
           "denoising_pair must not change the clean images in place: add the noise to a new array")
    expect_equal(noisy.shape, grey.shape, "denoising_pair(images of shape (400, 28, 28, 1), ...)[0].shape")
    expect(np.array_equal(target, grey),
           "the second element (the target) should be the clean images, unchanged")
    expect(noisy.dtype == np.float32,
           f"the noisy images should stay float32 like the clean ones, got {noisy.dtype} "
           "(rng.normal returns float64: convert with .astype(np.float32))")
    noise = noisy.astype(np.float64) - grey
    expect(not np.allclose(noise, noise.flat[0]),
           "every pixel needs its own noise value: draw an array of the images' shape")
    expect_close(float(noise.mean()), 0.0, "the mean of the added noise (zero-mean Gaussian)", atol=0.005)
    expect_close(float(noise.std()), 0.1, "the standard deviation of the noise for noise_std=0.1",
                 atol=0.005)
    black = np.zeros((400, 28, 28, 1), np.float32)
    noisy_black, _ = denoising_pair(black, 0.4, np.random.default_rng(1))
    noisy_black = np.asarray(noisy_black)
    expect(noisy_black.min() >= 0.0 and noisy_black.max() <= 1.0,
           "noisy pixels must stay in [0, 1] like the images: clip after adding the noise")
    # E[max(0, N(0, s^2))] = s / sqrt(2 pi): clipping after adding, not before
    expect_close(float(noisy_black.mean()), 0.4 / np.sqrt(2 * np.pi),
                 "the mean of clip(0 + noise, 0, 1) for noise_std=0.4", atol=0.005)
    again, _ = denoising_pair(black, 0.4, np.random.default_rng(1))
    expect(np.array_equal(np.asarray(again), noisy_black),
           "the same rng seed should give the same noise: draw the noise from the rng argument")
    rng = np.random.default_rng(2)
    first, _ = denoising_pair(black, 0.4, rng)
    second, _ = denoising_pair(black, 0.4, rng)
    expect(not np.array_equal(np.asarray(first), np.asarray(second)),
           "two calls with the same rng should draw fresh noise (do not re-seed inside the function)")
    unchanged, _ = denoising_pair(grey, 0.0, np.random.default_rng(3))
    expect(np.array_equal(np.asarray(unchanged), grey), "with noise_std=0 the input should equal the clean images")


def _check_psnr(psnr) -> None:
    zeros = np.zeros((2, 4, 4, 1))
    expect_close(psnr(zeros, np.full((2, 4, 4, 1), 0.1)), 20.0, "psnr(zeros, 0.1 everywhere)", atol=1e-6)
    expect_close(psnr(zeros, np.full((2, 4, 4, 1), 0.5)), 10 * np.log10(4.0),
                 "psnr(zeros, 0.5 everywhere)", atol=1e-6)
    value = psnr(np.full((1, 3, 3), 100.0), np.full((1, 3, 3), 105.0), max_value=255.0)
    expect_close(value, 20 * np.log10(51.0), "psnr(100s, 105s, max_value=255)", atol=1e-6)
    # two images: errors 0.1 (PSNR 20 dB) and 0.01 (PSNR 40 dB); the pooled MSE would give 22.97 dB
    estimate = np.stack([np.full((4, 4, 1), 0.1), np.full((4, 4, 1), 0.01)])
    got = psnr(zeros, estimate)
    expect(not np.isclose(got, 10 * np.log10(1 / np.mean(estimate**2)), atol=1e-3),
           f"psnr of a batch should be the mean of each image's PSNR (30 dB here), got {got:.4g}: "
           "that is the PSNR of the whole batch's MSE")
    expect_close(got, 30.0, "psnr of two images at 20 dB and 40 dB", atol=1e-6)
    expect(psnr(np.ones((2, 4, 4)), np.ones((2, 4, 4))) == np.inf,
           f"psnr of identical images should be inf, got {psnr(np.ones((2, 4, 4)), np.ones((2, 4, 4)))}")


register(Exercise(
    key="04.denoising_pair",
    title="write denoising_pair(clean_images, noise_std, rng) -> (noisy_images, clean_images)",
    checker=_check_denoising_pair,
    hints=(
        "Draw one Gaussian number per pixel from the rng: rng.normal(0.0, noise_std, size=clean_images.shape).",
        "Add it to the clean images, then clip to [0, 1] with np.clip, and keep float32.",
        "noisy = np.clip(clean_images + rng.normal(0.0, noise_std, size=clean_images.shape), 0, 1)"
        ".astype(np.float32); return noisy, clean_images",
    ),
    solution_code=(
        "def denoising_pair(clean_images, noise_std, rng):\n"
        "    noise = rng.normal(0.0, noise_std, size=clean_images.shape)\n"
        "    noisy_images = np.clip(clean_images + noise, 0.0, 1.0).astype(np.float32)\n"
        "    return noisy_images, clean_images"
    ),
))

register(Exercise(
    key="04.psnr",
    title="write psnr(reference, estimate, max_value=1.0): the mean over images of 10 log10(max_value^2 / MSE)",
    checker=_check_psnr,
    hints=(
        "The first axis counts the images. Compute one MSE per image: the mean over all the other axes.",
        "np.log10 gives the base-10 logarithm; identical images give MSE 0 and PSNR inf.",
        "mse = np.mean((reference - estimate) ** 2, axis=tuple(range(1, reference.ndim))); "
        "return float(np.mean(10 * np.log10(max_value ** 2 / mse)))",
    ),
    solution_code=(
        "def psnr(reference, estimate, max_value=1.0):\n"
        "    reference = np.asarray(reference, dtype=float)\n"
        "    estimate = np.asarray(estimate, dtype=float)\n"
        "    mse = np.mean((reference - estimate) ** 2, axis=tuple(range(1, reference.ndim)))\n"
        "    with np.errstate(divide='ignore'):\n"
        "        return float(np.mean(10 * np.log10(max_value ** 2 / mse)))"
    ),
))
