"""Exercises of notebook 07 (challenges and trends), parts 1 to 4.

* ``07.shift_image``: ``shift_image(image, rows, cols)`` moves a 2-D image,
  filling uncovered pixels with 0 (the augmentation behind ``RandomTranslation``).
* ``07.cutout``: ``cutout(image, size, rng)`` zeros a random ``size`` x ``size``
  square (the "Cutout" augmentation of DeVries and Taylor 2017).
* ``07.distillation_loss``: ``distillation_loss(student_logits, teacher_logits,
  labels, temperature, alpha)``: hard-label cross-entropy plus T^2 times the
  KL divergence of the softened distributions (Hinton et al. 2015).
* ``07.quantise_int8``: ``quantise_int8(values, scale, zero_point)``, TFLite's
  affine quantisation ``clip(round(v / scale) + zero_point, -128, 127)``, with
  TFLite's rounding (halves away from zero).
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

from contextlib import contextmanager

import numpy as np

from . import Exercise, as_array, expect, expect_array, expect_close, register


def _refuse(*args, **kwargs):
    raise AssertionError("write this exercise from scratch: the course_utils reference that computes the same "
                         "thing is hidden during this check")


@contextmanager
def _hidden(function):
    """Make a course_utils function refuse to run while a check runs (copies imported earlier included).

    The notebooks call these references in plain sight, so an answer that merely
    delegates to one must not pass.
    """
    original_code = function.__code__
    function.__code__ = _refuse.__code__
    try:
        yield
    finally:
        function.__code__ = original_code

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
        got = as_array(shift_image(image.copy(), rows, cols), "shift_image")
        expect_array(got, _reference_shift(image, rows, cols), f"shift_image(image, {rows}, {cols})")


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
))


def _check_cutout(cutout):
    name = "cutout"
    image = np.ones((6, 7))
    seen_rows, seen_cols = set(), set()
    for seed in range(300):
        original = image.copy()
        got = as_array(cutout(original, 3, np.random.default_rng(seed)), name)
        expect(np.array_equal(original, image), f"{name} must not change its input: work on a copy")
        expect(got.shape == image.shape, f"{name}(6x7 image, 3, rng) should keep the shape (6, 7), got {got.shape}")
        zeros = np.argwhere(got == 0)
        expect(len(zeros) == 9, f"{name}(6x7 image of ones, 3, rng) should zero exactly a 3x3 square (9 pixels), "
                                f"zeroed {len(zeros)}; keep the square inside the image")
        top, left = zeros.min(axis=0)
        expect(np.array_equal(zeros.max(axis=0) - zeros.min(axis=0), [2, 2]),
               f"{name} should zero one contiguous 3x3 square")
        seen_rows.add(int(top))
        seen_cols.add(int(left))
    expect(seen_rows == set(range(4)) and seen_cols == set(range(5)),
           f"{name}: every position of the square inside the image should be possible (top row 0..3, left column "
           f"0..4 for a 3x3 square in 6x7), seen rows {sorted(seen_rows)}, columns {sorted(seen_cols)}")
    first = as_array(cutout(image.copy(), 2, np.random.default_rng(7)), name)
    again = as_array(cutout(image.copy(), 2, np.random.default_rng(7)), name)
    expect(np.array_equal(first, again), f"{name} should draw the position from the rng it is given "
                                         "(same seed, same result)")
    whole = as_array(cutout(image[:, :6].copy(), 6, np.random.default_rng(0)), name)
    expect(not whole.any(), f"{name}(6x6 image, 6, rng) should zero the whole image")


register(Exercise(
    key="07.cutout",
    title="write cutout(image, size, rng): zero a random size x size square (an augmentation)",
    checker=_check_cutout,
    hints=["The top-left corner can be any row in 0 .. height - size and any column in 0 .. width - size: "
           "rng.integers(0, height - size + 1).",
           "Copy the image first (image.copy()), then set the square to 0 with slicing."],
    solution_code='''\
def cutout(image, size, rng):
    height, width = image.shape
    top = rng.integers(0, height - size + 1)
    left = rng.integers(0, width - size + 1)
    erased = image.copy()
    erased[top:top + size, left:left + size] = 0
    return erased
''',
))

# --------------------------------------------------------------------------- part 2


def _log_softmax(logits):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _reference_distillation_loss(student_logits, teacher_logits, labels, temperature, alpha):
    hard = -_log_softmax(student_logits)[np.arange(len(labels)), labels]
    log_teacher = _log_softmax(teacher_logits / temperature)
    soft = (np.exp(log_teacher) * (log_teacher - _log_softmax(student_logits / temperature))).sum(axis=-1)
    return float(np.mean(alpha * hard + (1 - alpha) * temperature**2 * soft))


def _check_distillation_loss(distillation_loss):
    name = "distillation_loss"
    rng = np.random.default_rng(0)
    student, teacher = rng.normal(size=(6, 10)) * 3, rng.normal(size=(6, 10)) * 8
    labels = rng.integers(0, 10, size=6)
    cases = [(1.0, 1.0, "only the hard labels (alpha = 1)"), (4.0, 0.0, "only the soft targets (alpha = 0)"),
             (1.0, 0.0, "soft targets at T = 1"), (4.0, 0.1, "T = 4, alpha = 0.1")]
    for temperature, alpha, what in cases:
        expected = _reference_distillation_loss(student, teacher, labels, temperature, alpha)
        got = distillation_loss(student.copy(), teacher.copy(), labels.copy(), temperature, alpha)
        expect(got is not None, f"{name} returned None: did you forget `return`?")
        expect(np.ndim(got) == 0, f"{name} should return one number (the mean over the batch), got shape "
                                  f"{np.shape(got)}")
        if what.startswith("only the soft") and abs(float(got) - expected / 16) < 1e-6 * max(1, abs(expected)):
            expect(False, f"{name} with {what}: multiply the soft part by T ** 2 (here 16)")
        expect_close(float(got), expected, f"{name} with {what}")
    same = distillation_loss(teacher.copy(), teacher.copy(), labels.copy(), 4.0, 0.0)
    expect(abs(float(same)) < 1e-6, f"{name}: a student whose logits equal the teacher's should have soft loss 0 "
                                     f"(use the KL divergence), got {float(same):.4g}")
    big = _reference_distillation_loss(np.array([[300.0, 0.0]]), np.array([[0.0, 300.0]]), np.array([0]), 1.0, 0.5)
    got = distillation_loss(np.array([[300.0, 0.0]]), np.array([[0.0, 300.0]]), np.array([0]), 1.0, 0.5)
    expect(got is not None and np.isfinite(got), f"{name} overflows for logits of 300: subtract each row's "
                                                 "maximum before exponentiating (a stable log-softmax)")
    expect_close(float(got), big, f"{name} for logits of 300")


register(Exercise(
    key="07.distillation_loss",
    title="write distillation_loss(student_logits, teacher_logits, labels, temperature, alpha)",
    checker=_check_distillation_loss,
    hints=["log_softmax(z) = z - max(z) - log(sum(exp(z - max(z)))), row by row: stable for large logits.",
           "hard = cross-entropy of softmax(student) with the labels; soft = KL(softmax(teacher / T) || "
           "softmax(student / T)); loss = mean(alpha * hard + (1 - alpha) * T**2 * soft)."],
    solution_code='''\
def distillation_loss(student_logits, teacher_logits, labels, temperature, alpha):
    def log_softmax(logits):
        shifted = logits - logits.max(axis=-1, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))

    student_logits, teacher_logits = np.asarray(student_logits, float), np.asarray(teacher_logits, float)
    hard = -log_softmax(student_logits)[np.arange(len(labels)), labels]
    log_teacher = log_softmax(teacher_logits / temperature)
    soft = np.sum(np.exp(log_teacher) * (log_teacher - log_softmax(student_logits / temperature)), axis=-1)
    return float(np.mean(alpha * hard + (1 - alpha) * temperature**2 * soft))
''',
))


def _round_half_away_from_zero(values):
    return np.sign(values) * np.floor(np.abs(values) + 0.5)


def _check_quantise(quantise_int8):
    values = np.array([-1.0, -0.26, 0.0, 0.05, 0.5, 1.3, 3.0])
    for scale, zero_point in [(0.01, 0), (0.02, -10), (0.005, 20)]:
        expected = np.clip(_round_half_away_from_zero(values / scale) + zero_point, -128, 127)
        got = as_array(quantise_int8(values.copy(), scale, zero_point), "quantise_int8")
        expect_array(got, expected, f"quantise_int8(values, {scale}, {zero_point})")
        expect(got.dtype == np.int8, f"quantise_int8 should return dtype int8, got {got.dtype}")
    ties = np.array([1.25, -1.25, 0.75, -0.25])  # / 0.5 = 2.5, -2.5, 1.5, -0.5 exactly
    got = as_array(quantise_int8(ties.copy(), 0.5, 0), "quantise_int8")
    expect_array(got, np.array([3, -3, 2, -1]), "quantise_int8([1.25, -1.25, 0.75, -0.25], 0.5, 0) (TFLite rounds "
                  "halves away from zero; np.round rounds them to even)")


register(Exercise(
    key="07.quantise_int8",
    title="write quantise_int8(values, scale, zero_point): TFLite's affine int8 quantisation",
    checker=_check_quantise,
    hints=["q = round(v / scale) + zero_point, then clip to the int8 range [-128, 127].",
           "TFLite rounds halves away from zero (2.5 -> 3, -2.5 -> -3): np.sign(x) * np.floor(np.abs(x) + 0.5). "
           "np.round would give 2 and -2.",
           "Clip before converting with .astype(np.int8): converting first wraps around."],
    solution_code='''\
def quantise_int8(values, scale, zero_point):
    scaled = np.asarray(values) / scale
    q = np.sign(scaled) * np.floor(np.abs(scaled) + 0.5) + zero_point
    return np.clip(q, -128, 127).astype(np.int8)
''',
))

# --------------------------------------------------------------------------- part 3


def _check_channel_weights(channel_weights):
    from course_utils import explain

    with _hidden(explain.channel_weights):
        _check_channel_weights_values(channel_weights)


def _check_channel_weights_values(channel_weights):
    name = "channel_weights"
    rng = np.random.default_rng(0)
    for shape in [(1, 3, 3, 4), (2, 2, 5, 3), (3, 4, 4, 1)]:
        gradients = rng.normal(size=shape)
        got = as_array(channel_weights(gradients.copy()), name)
        expected = gradients.mean(axis=(1, 2))
        expect(got.shape == expected.shape, f"{name} of gradients with shape {shape} should have shape "
                                            f"{expected.shape} (one weight per image and channel), got {got.shape}")
        expect_array(got, expected, f"{name}(gradients of shape {shape})")


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
))


def _check_top_pixels(top_pixels):
    heat_map = np.random.default_rng(5).permutation(30).reshape(5, 6).astype(float)
    for k in (1, 3, 10):
        got = as_array(top_pixels(heat_map.copy(), k), "top_pixels")
        call = f"top_pixels(heat_map, {k})"
        expect(got.shape == heat_map.shape, f"{call} should have shape {heat_map.shape}, got {got.shape}")
        expect(got.dtype == bool, f"{call} should be a boolean mask, got dtype {got.dtype}")
        expect(int(got.sum()) == k, f"{call} should mark {k} pixels, marked {int(got.sum())}")
        expect(heat_map[got].min() > heat_map[~got].max(),
               f"{call} should mark the {k} largest values, but a larger one was left out")


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
))

# --------------------------------------------------------------------------- part 4


def _check_private_mean_gradient(private_mean_gradient):
    name = "private_mean_gradient"
    # no noise: the clipped sum divided by the EXPECTED batch size (here not the number of rows)
    gradients = np.array([[3.0, 4.0], [0.3, 0.4], [0.0, 0.0], [1.0, -2.0]])
    for clip_norm, expected_batch_size in ((1.0, 5.0), (2.5, 2.0)):
        norms = np.linalg.norm(gradients, axis=1, keepdims=True)
        clipped = gradients * np.minimum(1.0, clip_norm / np.maximum(norms, 1e-12))
        expected = clipped.sum(axis=0) / expected_batch_size
        got = as_array(private_mean_gradient(gradients.copy(), clip_norm, 0.0, expected_batch_size,
                                              np.random.default_rng(0)), name)
        expect_array(got, expected, f"{name}(g, {clip_norm}, 0.0, {expected_batch_size}, rng) (no noise)")
    # noise: standard deviation sigma * C / expected batch size on every coordinate, drawn from rng
    noisy = as_array(private_mean_gradient(np.zeros((3, 40000)), 2.0, 1.5, 6.0, np.random.default_rng(1)), name)
    expect(noisy.shape == (40000,), f"{name} of 3 gradients of length 40000 should have shape (40000,), "
                                    f"got {noisy.shape}")
    expect(abs(noisy.mean()) < 0.02, f"the noise should have mean 0, got {noisy.mean():.3f}")
    expect(abs(noisy.std() - 0.5) < 0.02, "with sigma 1.5, C 2 and expected batch size 6 the noise on the "
                                          f"mean should have std 1.5 * 2 / 6 = 0.5, got {noisy.std():.3f}")
    again = as_array(private_mean_gradient(np.zeros((3, 40000)), 2.0, 1.5, 6.0, np.random.default_rng(1)), name)
    expect(np.allclose(noisy, again), f"{name} should draw its noise from the rng it is given "
                                      "(same seed, same result)")
    # noise is added once to the sum, not to each example
    many = as_array(private_mean_gradient(np.zeros((400, 2000)), 1.0, 1.0, 1.0, np.random.default_rng(2)), name)
    expect(abs(many.std() - 1.0) < 0.05, f"{name}: add ONE noise vector to the sum (std sigma * C), not one per "
                                         f"example; got std {many.std():.3f} instead of 1.0")


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
))


def _check_threshold_advantage(threshold_advantage):
    from course_utils import privacy

    with _hidden(privacy.advantage_at):
        _check_threshold_advantage_values(threshold_advantage)


def _check_threshold_advantage_values(threshold_advantage):
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
))
