"""Exercises of notebook 07 (challenges and trends), parts 1 to 4.

* ``07.shift_image``: ``shift_image(image, rows, cols)`` moves a 2-D image,
  filling uncovered pixels with 0 (the augmentation behind ``RandomTranslation``).
* ``07.mean_and_spread``: ``mean_and_spread(accuracies)`` returns the mean and the
  sample standard deviation, in percentage points.
* ``07.magnitude_mask``: ``magnitude_mask(weights, sparsity)`` returns the 0/1
  mask that removes the smallest-magnitude fraction of the weights.
* ``07.quantise_int8``: ``quantise_int8(values, scale, zero_point)``, TFLite's
  affine quantisation ``clip(round(v / scale) + zero_point, -128, 127)``.
* ``07.gradcam_channel_weights``: ``channel_weights(gradients)``, Grad-CAM's
  channel weights (the mean gradient over each feature map's positions).
* ``07.top_pixels``: ``top_pixels(heat_map, k)`` returns a boolean mask of the
  ``k`` largest values.
* ``07.private_mean_gradient``: ``private_mean_gradient(gradients, clip_norm,
  noise_multiplier, expected_batch_size, rng)``: DP-SGD's gradient (clip each
  example, sum, add Gaussian noise, divide by the expected batch size).
* ``07.threshold_advantage``: ``threshold_advantage(member_losses,
  nonmember_losses, threshold)``: true-positive minus false-positive rate of
  the attack "member if loss < threshold".

Checkers compare with values computed here in a few NumPy lines.
"""

from __future__ import annotations

import numpy as np

from . import Exercise, expect, expect_close, register


def _as_array(got, name):
    expect(got is not None, f"{name} returned None: did you forget `return`?")
    return np.asarray(got)


def _expect_array(got, expected, call, atol=1e-6):
    got = np.asarray(got)
    expect(got.shape == expected.shape, f"{call} should have shape {expected.shape}, got {got.shape}")
    if not np.allclose(got, expected, atol=atol):
        index = tuple(int(i) for i in np.argwhere(~np.isclose(got, expected, atol=atol))[0])
        expect(False, f"{call}{list(index)} should be {expected[index]:.6g}, got {got[index]:.6g}")


# --------------------------------------------------------------------------- part 1


def _reference_shift(image, rows, cols):
    height, width = image.shape
    shifted = np.zeros_like(image)
    src_r = slice(max(0, -rows), min(height, height - rows))
    dst_r = slice(max(0, rows), min(height, height + rows))
    src_c = slice(max(0, -cols), min(width, width - cols))
    dst_c = slice(max(0, cols), min(width, width + cols))
    shifted[dst_r, dst_c] = image[src_r, src_c]
    return shifted


def _check_shift(shift_image):
    image = np.arange(1, 21, dtype=np.float32).reshape(4, 5)
    for rows, cols in [(0, 0), (1, 0), (0, 2), (-1, 0), (2, -3), (-3, 1), (4, 0)]:
        got = _as_array(shift_image(image.copy(), rows, cols), "shift_image")
        _expect_array(got, _reference_shift(image, rows, cols), f"shift_image(image, {rows}, {cols})")


register(Exercise(
    key="07.shift_image",
    title="write shift_image(image, rows, cols): move a 2-D image, fill the gap with 0",
    checker=_check_shift,
    hints=["Pixel (r, c) of the result is image[r - rows, c - cols] when that lies inside the image, else 0.",
           "Start from np.zeros_like(image) and copy one rectangular slice; negative shifts take "
           "the slices from the other end.",
           "np.roll wraps around: it is not a shift (the digit would re-enter on the other side)."],
    solution_code='''\
def shift_image(image, rows, cols):
    height, width = image.shape
    shifted = np.zeros_like(image)
    for r in range(height):
        for c in range(width):
            if 0 <= r - rows < height and 0 <= c - cols < width:
                shifted[r, c] = image[r - rows, c - cols]
    return shifted
''',
))  # fmt: skip


def _check_mean_and_spread(mean_and_spread):
    for accuracies in ([0.9, 0.92, 0.94], [0.5, 0.5], [0.81, 0.9, 0.87, 0.84]):
        got = mean_and_spread(np.array(accuracies))
        expect(got is not None and len(got) == 2,
               "mean_and_spread should return two numbers: (mean, standard deviation)")  # fmt: skip
        call = f"mean_and_spread({accuracies})"
        expect_close(got[0], 100 * np.mean(accuracies), f"{call}[0] (mean in percentage points)", atol=1e-6)
        expect_close(got[1], 100 * np.std(accuracies, ddof=1),
                     f"{call}[1] (sample standard deviation, ddof=1, in percentage points)", atol=1e-6)


register(Exercise(
    key="07.mean_and_spread",
    title="write mean_and_spread(accuracies): mean and sample std, in percentage points",
    checker=_check_mean_and_spread,
    hints=["Percentage points: multiply the accuracies (fractions) by 100 first.",
           "The sample standard deviation divides by n - 1: np.std(values, ddof=1)."],
    solution_code='''\
def mean_and_spread(accuracies):
    percent = 100 * np.asarray(accuracies, dtype=float)
    return float(percent.mean()), float(percent.std(ddof=1))
''',
))  # fmt: skip

# --------------------------------------------------------------------------- part 2


def _check_magnitude_mask(magnitude_mask):
    rng = np.random.default_rng(3)
    weights = rng.normal(size=(6, 5))
    for sparsity in (0.0, 0.2, 0.5, 0.9):
        got = _as_array(magnitude_mask(weights.copy(), sparsity), "magnitude_mask")
        call = f"magnitude_mask(weights, {sparsity})"
        expect(got.shape == weights.shape, f"{call} should have shape {weights.shape}, got {got.shape}")
        removed = int(round(sparsity * weights.size))
        expect(int((got == 0).sum()) == removed,
               f"{call} should zero {removed} of {weights.size} weights, zeroed {int((got == 0).sum())}")  # fmt: skip
        if 0 < removed:
            expect(np.abs(weights[got == 0]).max() <= np.abs(weights[got != 0]).min(),
                   f"{call} removed a weight larger in magnitude than one it kept (use np.abs)")  # fmt: skip


register(Exercise(
    key="07.magnitude_mask",
    title="write magnitude_mask(weights, sparsity): 0 for the smallest |w|, 1 elsewhere",
    checker=_check_magnitude_mask,
    hints=["Remove round(sparsity * weights.size) weights: those with the smallest absolute value.",
           "np.argsort(np.abs(weights).ravel()) lists the weights from smallest to largest magnitude."],
    solution_code='''\
def magnitude_mask(weights, sparsity):
    num_removed = int(round(sparsity * weights.size))
    mask = np.ones(weights.size)
    mask[np.argsort(np.abs(weights).ravel())[:num_removed]] = 0
    return mask.reshape(weights.shape)
''',
))  # fmt: skip


def _check_quantise(quantise_int8):
    values = np.array([-1.0, -0.26, 0.0, 0.05, 0.5, 1.3, 3.0])
    for scale, zero_point in [(0.01, 0), (0.02, -10), (0.005, 20)]:
        expected = np.clip(np.round(values / scale) + zero_point, -128, 127)
        got = _as_array(quantise_int8(values.copy(), scale, zero_point), "quantise_int8")
        _expect_array(got, expected, f"quantise_int8(values, {scale}, {zero_point})")
        expect(got.dtype == np.int8, f"quantise_int8 should return dtype int8, got {got.dtype}")


register(Exercise(
    key="07.quantise_int8",
    title="write quantise_int8(values, scale, zero_point): TFLite's affine int8 quantisation",
    checker=_check_quantise,
    hints=["q = round(v / scale) + zero_point, then clip to the int8 range [-128, 127].",
           "Clip before converting with .astype(np.int8): converting first wraps around."],
    solution_code='''\
def quantise_int8(values, scale, zero_point):
    q = np.round(np.asarray(values) / scale) + zero_point
    return np.clip(q, -128, 127).astype(np.int8)
''',
))  # fmt: skip

# --------------------------------------------------------------------------- part 3


def _check_channel_weights(channel_weights):
    name = "channel_weights"
    rng = np.random.default_rng(0)
    for shape in [(1, 3, 3, 4), (2, 2, 5, 3), (3, 4, 4, 1)]:
        gradients = rng.normal(size=shape)
        got = _as_array(channel_weights(gradients.copy()), name)
        expected = gradients.mean(axis=(1, 2))
        expect(got.shape == expected.shape, f"{name} of gradients with shape {shape} should have shape "
                                            f"{expected.shape} (one weight per image and channel), got {got.shape}")  # fmt: skip
        _expect_array(got, expected, f"{name}(gradients of shape {shape})")


register(Exercise(
    key="07.gradcam_channel_weights",
    title="write channel_weights(gradients): Grad-CAM's alpha_k, (N, h, w, K) -> (N, K)",
    checker=_check_channel_weights,
    hints=["Average over the two spatial axes (1 and 2) and keep the image and channel axes.",
           "np.mean(gradients, axis=(1, 2))."],
    solution_code='''\
def channel_weights(gradients):
    return np.asarray(gradients).mean(axis=(1, 2))
''',
))  # fmt: skip


def _check_top_pixels(top_pixels):
    heat_map = np.random.default_rng(5).permutation(30).reshape(5, 6).astype(float)
    for k in (1, 3, 10):
        got = _as_array(top_pixels(heat_map.copy(), k), "top_pixels")
        call = f"top_pixels(heat_map, {k})"
        expect(got.shape == heat_map.shape, f"{call} should have shape {heat_map.shape}, got {got.shape}")
        expect(got.dtype == bool, f"{call} should be a boolean mask, got dtype {got.dtype}")
        expect(int(got.sum()) == k, f"{call} should mark {k} pixels, marked {int(got.sum())}")
        expect(heat_map[got].min() > heat_map[~got].max(),
               f"{call} should mark the {k} largest values, but a larger one was left out")  # fmt: skip


register(Exercise(
    key="07.top_pixels",
    title="write top_pixels(heat_map, k): boolean mask of the k largest values",
    checker=_check_top_pixels,
    hints=["np.argsort(heat_map.ravel())[-k:] gives the flat indices of the k largest values.",
           "Start from np.zeros(heat_map.size, dtype=bool), set those indices, reshape."],
    solution_code='''\
def top_pixels(heat_map, k):
    mask = np.zeros(heat_map.size, dtype=bool)
    mask[np.argsort(heat_map.ravel())[-k:]] = True
    return mask.reshape(heat_map.shape)
''',
))  # fmt: skip

# --------------------------------------------------------------------------- part 4


def _check_private_mean_gradient(private_mean_gradient):
    name = "private_mean_gradient"
    # no noise: the clipped sum divided by the EXPECTED batch size (here not the number of rows)
    gradients = np.array([[3.0, 4.0], [0.3, 0.4], [0.0, 0.0], [1.0, -2.0]])
    for clip_norm, expected_batch_size in ((1.0, 5.0), (2.5, 2.0)):
        norms = np.linalg.norm(gradients, axis=1, keepdims=True)
        clipped = gradients * np.minimum(1.0, clip_norm / np.maximum(norms, 1e-12))
        expected = clipped.sum(axis=0) / expected_batch_size
        got = _as_array(private_mean_gradient(gradients.copy(), clip_norm, 0.0, expected_batch_size,
                                              np.random.default_rng(0)), name)  # fmt: skip
        _expect_array(got, expected, f"{name}(g, {clip_norm}, 0.0, {expected_batch_size}, rng) (no noise)")
    # noise: standard deviation sigma * C / expected batch size on every coordinate, drawn from rng
    noisy = _as_array(private_mean_gradient(np.zeros((3, 40000)), 2.0, 1.5, 6.0, np.random.default_rng(1)), name)
    expect(noisy.shape == (40000,), f"{name} of 3 gradients of length 40000 should have shape (40000,), "
                                    f"got {noisy.shape}")  # fmt: skip
    expect(abs(noisy.mean()) < 0.02, f"the noise should have mean 0, got {noisy.mean():.3f}")
    expect(abs(noisy.std() - 0.5) < 0.02, "with sigma 1.5, C 2 and expected batch size 6 the noise on the "
                                          f"mean should have std 1.5 * 2 / 6 = 0.5, got {noisy.std():.3f}")  # fmt: skip
    again = _as_array(private_mean_gradient(np.zeros((3, 40000)), 2.0, 1.5, 6.0, np.random.default_rng(1)), name)
    expect(np.allclose(noisy, again), f"{name} should draw its noise from the rng it is given "
                                      "(same seed, same result)")  # fmt: skip
    # noise is added once to the sum, not to each example
    many = _as_array(private_mean_gradient(np.zeros((400, 2000)), 1.0, 1.0, 1.0, np.random.default_rng(2)), name)
    expect(abs(many.std() - 1.0) < 0.05, f"{name}: add ONE noise vector to the sum (std sigma * C), not one per "
                                         f"example; got std {many.std():.3f} instead of 1.0")  # fmt: skip


register(Exercise(
    key="07.private_mean_gradient",
    title="write private_mean_gradient(gradients, clip_norm, noise_multiplier, expected_batch_size, rng)",
    checker=_check_private_mean_gradient,
    hints=["Clip each ROW (one example) by its own L2 norm: multiply it by min(1, clip_norm / norm).",
           "Sum the clipped rows, add rng.normal(0, noise_multiplier * clip_norm, size=D) once, then divide "
           "by expected_batch_size (not by the number of rows)."],
    solution_code='''\
def private_mean_gradient(gradients, clip_norm, noise_multiplier, expected_batch_size, rng):
    gradients = np.asarray(gradients, dtype=np.float64)
    norms = np.linalg.norm(gradients, axis=1, keepdims=True)
    clipped = gradients * np.minimum(1.0, clip_norm / np.maximum(norms, 1e-12))
    noise = rng.normal(0.0, noise_multiplier * clip_norm, size=gradients.shape[1])
    return (clipped.sum(axis=0) + noise) / expected_batch_size
''',
))  # fmt: skip


def _check_threshold_advantage(threshold_advantage):
    members = np.array([0.01, 0.02, 0.1, 0.4, 0.9])
    others = np.array([0.05, 0.3, 0.6, 1.5])
    for threshold in (0.0, 0.03, 0.35, 0.5, 2.0):
        expected = np.mean(members < threshold) - np.mean(others < threshold)
        got = threshold_advantage(members.copy(), others.copy(), threshold)
        expect(got is not None, "threshold_advantage returned None: did you forget `return`?")
        expect_close(got, expected, f"threshold_advantage(members, non_members, {threshold})")


register(Exercise(
    key="07.threshold_advantage",
    title="write threshold_advantage(member_losses, nonmember_losses, threshold): TPR - FPR",
    checker=_check_threshold_advantage,
    hints=["The attack says 'member' when loss < threshold.",
           "TPR = share of members said to be members; FPR = share of non-members said to be members."],
    solution_code='''\
def threshold_advantage(member_losses, nonmember_losses, threshold):
    true_positive_rate = np.mean(np.asarray(member_losses) < threshold)
    false_positive_rate = np.mean(np.asarray(nonmember_losses) < threshold)
    return float(true_positive_rate - false_positive_rate)
''',
))  # fmt: skip
