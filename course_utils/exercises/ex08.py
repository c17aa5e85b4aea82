"""Exercises of notebook 08 (big models in miniature), parts 1 and 2.

* ``08_1.masked_attention``: ``masked_attention(queries, keys, values, mask)``,
  scaled dot-product attention where masked pairs get weight exactly 0.
* ``08_1.image_to_patches``: ``image_to_patches(images, patch_size)`` cuts
  ``(batch, H, W, C)`` images into ``(batch, num_patches, patch_size**2 * C)``
  patches, in the order of ``keras.ops.image.extract_patches``.
* ``08_2.masked_patch_loss``: ``masked_patch_loss(predicted, patches, hidden)``,
  the masked-image-modelling loss (MAE, SimMIM): the mean squared error of the
  hidden patches only.
* ``08_2.parameters_for_loss``: ``parameters_for_loss(target_loss, constant,
  exponent)`` inverts a fitted power law ``loss = constant * N ** -exponent``.

Checkers compare with values computed here in a few NumPy lines.
"""

from __future__ import annotations

import numpy as np

from . import Exercise, as_array, expect, expect_array, register

# --------------------------------------------------------------------------- part 1
# Expected values are literals (computed once with a reference kept in tests/), so a graded
# release of this package does not contain the answers.

_QUERIES = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, -1.0]])
_KEYS = np.array([[0.5, 1.0], [-1.0, 0.0], [2.0, 1.0]])
_VALUES = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 3.0]])
_ATTENTION_CASES = [  # (description, mask, expected weights, expected outputs, weights without / sqrt(d))
    ("no mask (all True)", np.ones((3, 3), dtype=bool),
     [[0.23615515, 0.08176333, 0.68208152], [0.44580827, 0.10838345, 0.44580827],
      [0.21784283, 0.15296673, 0.62919045]],
     [[1.60031819, 2.12800789], [1.33742482, 1.44580827], [1.47622372, 2.04053807]],
     [[0.17529039, 0.03911257, 0.78559703], [0.46831053, 0.06337894, 0.46831053],
      [0.16425163, 0.09962365, 0.73612472]]),
    ("a causal mask", np.tril(np.ones((3, 3), dtype=bool)),
     [[1.0, 0.0, 0.0], [0.80442968, 0.19557032, 0.0], [0.21784283, 0.15296673, 0.62919045]],
     [[1.0, 0.0], [0.80442968, 0.19557032], [1.47622372, 2.04053807]],
     [[1.0, 0.0, 0.0], [0.88079708, 0.11920292, 0.0], [0.16425163, 0.09962365, 0.73612472]]),
    ("the mask [[F, T, T], [T, F, F], [T, T, F]]",
     np.array([[False, True, True], [True, False, False], [True, True, False]]),
     [[0.0, 0.1070418, 0.8929582], [1.0, 0.0, 0.0], [0.587479, 0.412521, 0.0]],
     [[1.7859164, 2.7859164], [1.0, 0.0], [0.587479, 0.412521]],
     [[0.0, 0.04742587, 0.95257413], [1.0, 0.0, 0.0], [0.62245933, 0.37754067, 0.0]]),
]


def _check_masked_attention(masked_attention):
    for description, mask, expected_weights, expected_outputs, unscaled in _ATTENTION_CASES:
        expected_weights, expected_outputs = np.array(expected_weights), np.array(expected_outputs)
        got = masked_attention(_QUERIES.copy(), _KEYS.copy(), _VALUES.copy(), mask.copy())
        expect(isinstance(got, (tuple, list)) and len(got) == 2,
               "masked_attention should return two arrays: (outputs, weights)")
        outputs, weights = as_array(got[0], "masked_attention"), as_array(got[1], "masked_attention")
        call = f"masked_attention with {description}"
        expect(weights.shape == expected_weights.shape,
               f"{call}: weights should have shape {expected_weights.shape}, got {weights.shape}")
        finite = bool(np.isfinite(weights).all())
        if finite and (~mask).any():
            expect(np.all(weights[~mask] == 0),
                   f"{call}: a masked pair got weight {np.abs(weights[~mask]).max():.3g}, it must be exactly 0 "
                   "(set masked scores to -np.inf before the softmax)")
        if finite and not np.allclose(weights, expected_weights, atol=1e-6):
            expect(not np.allclose(weights, unscaled, atol=1e-6),
                   f"{call}: divide the scores by sqrt(d) = sqrt(2) before the softmax")
        expect_array(weights.sum(axis=-1), np.ones(3), f"{call}: each row of weights should sum to 1; row sums")
        expect_array(weights, expected_weights, f"{call}: weights")
        expect_array(outputs, expected_outputs, f"{call}: outputs")
    rng = np.random.default_rng(8)
    batched = masked_attention(rng.normal(size=(2, 4, 5, 8)), rng.normal(size=(2, 4, 5, 8)),
                               rng.normal(size=(2, 4, 5, 3)), np.tril(np.ones((5, 5), dtype=bool)))
    expect(np.asarray(batched[0]).shape == (2, 4, 5, 3),
           "masked_attention on (batch, heads, n, d) inputs should give outputs of shape (2, 4, 5, 3), "
           f"got {np.asarray(batched[0]).shape} (use np.swapaxes(keys, -1, -2), not keys.T)")


register(Exercise(
    key="08_1.masked_attention",
    title="write masked_attention(queries, keys, values, mask): attention where mask=False gets weight 0",
    checker=_check_masked_attention,
    hints=["Compute the scores as in `attention`: queries @ keys^T / sqrt(d), with np.swapaxes(keys, -1, -2) "
           "so that batched inputs work.",
           "np.where(mask, scores, -np.inf) hides the masked pairs: exp(-inf) = 0 after the softmax.",
           "Subtract the row maximum before np.exp (it is finite as long as each row keeps one key)."],
    solution_code='''\
def masked_attention(queries, keys, values, mask):
    scores = queries @ np.swapaxes(keys, -1, -2) / np.sqrt(queries.shape[-1])
    scores = np.where(mask, scores, -np.inf)
    scores = scores - scores.max(axis=-1, keepdims=True)
    weights = np.exp(scores)
    weights = weights / weights.sum(axis=-1, keepdims=True)
    return weights @ values, weights
''',
))


_PATCHES_OF_ARANGE_4x6x2 = np.array([[  # image_to_patches(np.arange(48).reshape(1, 4, 6, 2), 2)
    [0, 1, 2, 3, 12, 13, 14, 15], [4, 5, 6, 7, 16, 17, 18, 19], [8, 9, 10, 11, 20, 21, 22, 23],
    [24, 25, 26, 27, 36, 37, 38, 39], [28, 29, 30, 31, 40, 41, 42, 43], [32, 33, 34, 35, 44, 45, 46, 47]]])


def _check_patches(image_to_patches):
    cases = [(np.arange(16).reshape(1, 4, 4, 1), 2,
              np.array([[[0, 1, 4, 5], [2, 3, 6, 7], [8, 9, 12, 13], [10, 11, 14, 15]]])),
             (np.arange(48).reshape(1, 4, 6, 2), 2, _PATCHES_OF_ARANGE_4x6x2),
             (np.arange(16).reshape(1, 4, 4, 1), 4, np.arange(16).reshape(1, 1, 16))]
    for images, patch_size, expected in cases:
        got = as_array(image_to_patches(images.copy(), patch_size), "image_to_patches")
        call = f"image_to_patches(np.arange({images.size}).reshape{images.shape}, {patch_size})"
        expect(got.shape == expected.shape, f"{call} should have shape {expected.shape}, got {got.shape}")
        if not np.array_equal(got, expected):
            plain = images.reshape(expected.shape)
            expect(not np.array_equal(got, plain),
                   f"{call}: a plain reshape gives strips of rows, not square patches; reshape to "
                   "(batch, rows, patch, cols, patch, channels) and transpose first")
            expect_array(got, expected, call)
    digits = np.random.default_rng(9).random((3, 28, 28, 1))
    got = as_array(image_to_patches(digits.copy(), 7), "image_to_patches")
    expect(got.shape == (3, 16, 49), f"image_to_patches(3 images of 28x28x1, 7) should have shape (3, 16, 49), "
                                     f"got {got.shape}")


register(Exercise(
    key="08_1.image_to_patches",
    title="write image_to_patches(images, patch_size): (batch, H, W, C) -> (batch, num_patches, patch_length)",
    checker=_check_patches,
    hints=["Reshape to (batch, rows, patch_size, cols, patch_size, channels): the image splits into blocks.",
           "Transpose to (batch, rows, cols, patch_size, patch_size, channels) so that each patch's pixels "
           "sit together, then reshape to (batch, rows * cols, -1).",
           "Check with np.arange(16).reshape(1, 4, 4, 1) and patch_size 2: the first patch is [0, 1, 4, 5]."],
    solution_code='''\
def image_to_patches(images, patch_size):
    batch, height, width, channels = images.shape
    rows, cols = height // patch_size, width // patch_size
    blocks = images.reshape(batch, rows, patch_size, cols, patch_size, channels)
    blocks = blocks.transpose(0, 1, 3, 2, 4, 5)
    return blocks.reshape(batch, rows * cols, patch_size * patch_size * channels)
''',
))

# --------------------------------------------------------------------------- part 2


_PREDICTED = np.array([[[0.0, 1.0], [0.5, 0.5], [1.0, 0.0]], [[0.2, 0.2], [0.0, 0.0], [1.0, 1.0]]])
_TARGETS = np.array([[[0.0, 0.0], [1.0, 0.5], [1.0, 1.0]], [[0.0, 0.2], [0.5, 0.5], [1.0, 0.0]]])
_HIDDEN = np.array([[True, False, True], [False, True, True]])
# per-patch mean squared errors: [[0.5, 0.125, 0.5], [0.02, 0.25, 0.5]]
_MASKED_LOSS = 0.4375            # mean over the 4 hidden patches
_WRONG_LOSSES = {0.31583333333333335: "averaged over all patches; average over the hidden ones only",
                 0.2916666666666667: "divided by the number of all patches; divide by the number of hidden ones",
                 0.0725: "averaged over the visible patches; use the hidden ones (hidden is True where a patch "
                         "was masked)",
                 0.875: "summed the pixels of each patch; take the mean over the pixels of a patch"}


def _check_masked_patch_loss(masked_patch_loss):
    got = masked_patch_loss(_PREDICTED.copy(), _TARGETS.copy(), _HIDDEN.copy())
    expect(got is not None, "masked_patch_loss returned None: did you forget `return`?")
    expect(np.ndim(got) == 0, f"masked_patch_loss should return one number (the mean), got shape {np.shape(got)}")
    call = "masked_patch_loss(predicted, patches, hidden) for 2 images of 3 patches"
    if not np.isclose(float(got), _MASKED_LOSS, atol=1e-9):
        for wrong, message in _WRONG_LOSSES.items():
            expect(not np.isclose(float(got), wrong, atol=1e-9),
                   f"{call} should be {_MASKED_LOSS}, got {float(got):.6g}: you {message}")
        expect(False, f"{call} should be {_MASKED_LOSS}, got {float(got):.6g}")
    one_hidden = masked_patch_loss(np.ones((1, 4, 3)), np.zeros((1, 4, 3)), np.array([[False, True, False, False]]))
    expect(np.isclose(float(one_hidden), 1.0),
           f"with one hidden patch whose 3 pixels are all off by 1, the loss should be 1.0, got {float(one_hidden)}")


register(Exercise(
    key="08_2.masked_patch_loss",
    title="write masked_patch_loss(predicted, patches, hidden): mean squared error over the hidden patches",
    checker=_check_masked_patch_loss,
    hints=["First the mean squared error of each patch: average (predicted - patches) ** 2 over the last axis.",
           "Then keep only the hidden patches: errors[hidden] selects them (a boolean mask of shape "
           "(batch, patches)); return their mean."],
    solution_code='''\
def masked_patch_loss(predicted, patches, hidden):
    patch_errors = ((predicted - patches) ** 2).mean(axis=-1)
    return float(patch_errors[hidden].mean())
''',
))


def _check_parameters_for_loss(parameters_for_loss):
    # (target_loss, constant, exponent, expected N)
    for target, constant, exponent, expected in [(0.5, 4.0, 0.25, 4096.0), (0.1, 2.0, 0.5, 400.0),
                                                 (1.0, 10.0, 0.5, 100.0)]:
        got = parameters_for_loss(target, constant, exponent)
        call = f"parameters_for_loss({target}, {constant}, {exponent})"
        expect(got is not None, f"{call} returned None: did you forget `return`?")
        expect(np.ndim(got) == 0, f"{call} should return one number, got shape {np.shape(got)}")
        if not np.isclose(float(got), expected, rtol=1e-6):
            expect(not np.isclose(float(got), 1 / expected, rtol=1e-6),
                   f"{call} should be {expected:.6g}, got {float(got):.6g}: a lower loss needs MORE "
                   "parameters, check the sign of the exponent")
            expect(False, f"{call} should be {expected:.6g}, got {float(got):.6g} "
                          "(solve target = constant * N ** -exponent for N)")


register(Exercise(
    key="08_2.parameters_for_loss",
    title="write parameters_for_loss(target_loss, constant, exponent): invert loss = constant * N**-exponent",
    checker=_check_parameters_for_loss,
    hints=["Divide both sides by constant: N ** -exponent = target_loss / constant.",
           "Raise both sides to the power -1 / exponent: N = (constant / target_loss) ** (1 / exponent)."],
    solution_code='''\
def parameters_for_loss(target_loss, constant, exponent):
    return (constant / target_loss) ** (1 / exponent)
''',
))
