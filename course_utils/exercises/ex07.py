"""Exercises of notebook 07 (challenges and trends), parts 1 to 4.

* ``07.shift_image``: ``shift_image(image, rows, cols)`` moves a 2-D image,
  filling uncovered pixels with 0 (the augmentation behind ``RandomTranslation``).
* ``07.mean_and_spread``: ``mean_and_spread(accuracies)`` returns the mean and the
  sample standard deviation, in percentage points.
* ``07.magnitude_mask``: ``magnitude_mask(weights, sparsity)`` returns the 0/1
  mask that removes the smallest-magnitude fraction of the weights.
* ``07.quantise_int8``: ``quantise_int8(values, scale, zero_point)``, TFLite's
  affine quantisation ``clip(round(v / scale) + zero_point, -128, 127)``.
* ``07.normalise_map``: ``normalise_map(heat_map)`` rescales a map to [0, 1]
  (a constant map becomes all zeros).
* ``07.top_pixels``: ``top_pixels(heat_map, k)`` returns a boolean mask of the
  ``k`` largest values.
* ``07.clip_by_l2``: ``clip_by_l2(gradient, clip_norm)`` scales a vector down
  to an L2 norm of at most ``clip_norm`` (the heart of DP-SGD).
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


def _check_normalise(normalise_map):
    rng = np.random.default_rng(4)
    cases = [("a random map", rng.normal(size=(5, 6))),
             ("a map from 2 to 4", np.linspace(2, 4, 12).reshape(3, 4)),
             ("a constant map", np.full((3, 3), 7.0))]  # fmt: skip
    for description, heat_map in cases:
        span = heat_map.max() - heat_map.min()
        expected = (heat_map - heat_map.min()) / span if span > 0 else np.zeros_like(heat_map)
        got = _as_array(normalise_map(heat_map.copy()), "normalise_map")
        _expect_array(got, expected, f"normalise_map({description})")


register(Exercise(
    key="07.normalise_map",
    title="write normalise_map(heat_map): rescale to [0, 1]; a constant map gives zeros",
    checker=_check_normalise,
    hints=["Subtract the minimum, then divide by (maximum - minimum).",
           "When maximum == minimum the division is 0 / 0: return np.zeros_like(heat_map)."],
    solution_code='''\
def normalise_map(heat_map):
    span = heat_map.max() - heat_map.min()
    if span == 0:
        return np.zeros_like(heat_map, dtype=float)
    return (heat_map - heat_map.min()) / span
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


def _check_clip(clip_by_l2):
    cases = [np.array([3.0, 4.0]), np.array([0.3, 0.4]), np.array([1.0, -2.0, 2.0]), np.zeros(3)]
    for vector in cases:
        for clip_norm in (1.0, 2.5):
            norm = np.linalg.norm(vector)
            expected = vector * min(1.0, clip_norm / norm) if norm > 0 else vector
            got = _as_array(clip_by_l2(vector.copy(), clip_norm), "clip_by_l2")
            _expect_array(got, expected, f"clip_by_l2({vector.tolist()}, {clip_norm})")


register(Exercise(
    key="07.clip_by_l2",
    title="write clip_by_l2(gradient, clip_norm): scale down to L2 norm <= clip_norm",
    checker=_check_clip,
    hints=["Multiply by min(1, clip_norm / norm): long vectors shrink, short ones stay as they are.",
           "Guard against the zero vector (norm 0): return it unchanged."],
    solution_code='''\
def clip_by_l2(gradient, clip_norm):
    norm = np.linalg.norm(gradient)
    if norm <= clip_norm:
        return gradient
    return gradient * (clip_norm / norm)
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
