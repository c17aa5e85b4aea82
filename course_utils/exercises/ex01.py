"""Exercises of notebook 01 (convolution and pooling).

* ``01.max_pool_stride2``: write ``max_pool_2x2(image)``, 2x2 max pooling with
  stride 2 ("valid") on one 2-D image.
* ``01.conv_output_size``: write ``output_size(n, kernel_size, stride, padding)``,
  the output-size formula for "valid" and "same" (TensorFlow's rule).

The checkers call the learner's function on known inputs and compare the values
with :mod:`course_utils.ops` (itself tested against Keras).
"""

from __future__ import annotations

import numpy as np

from ..ops import conv_output_size, max_pool2d
from . import Exercise, expect, expect_equal, register

# --------------------------------------------------------------------------- max pool


def _reference_max_pool(image: np.ndarray) -> np.ndarray:
    return max_pool2d(image[None, :, :, None], 2, 2, "valid")[0, :, :, 0]


def _max_pool_cases() -> list[tuple[str, np.ndarray]]:
    rng = np.random.default_rng(1)
    return [
        ("a 4x4 ramp", np.arange(16, dtype=np.float32).reshape(4, 4)),
        ("a 4x6 image of negative numbers", -np.arange(1, 25, dtype=np.float32).reshape(4, 6)),
        ("a 5x7 image (odd sizes: the last row and column are dropped)",
         rng.standard_normal((5, 7)).astype(np.float32)),
        ("a random 28x28 image", rng.random((28, 28)).astype(np.float32)),
    ]  # fmt: skip


def _check_max_pool(max_pool_2x2) -> None:
    for description, image in _max_pool_cases():
        got = max_pool_2x2(image.copy())
        expect(got is not None, "max_pool_2x2 returned None: did you forget `return`?")
        got = np.asarray(got)
        expected = _reference_max_pool(image)
        call = f"max_pool_2x2({description})"
        expect(got.shape == expected.shape,
               f"{call} should have shape {expected.shape}, got {got.shape}")  # fmt: skip
        if not np.allclose(got, expected):
            row, col = np.argwhere(~np.isclose(got, expected))[0]  # first wrong pixel
            expect(False, f"{call}[{row}, {col}] should be {expected[row, col]:.4g} (the max of "
                          f"image[{2 * row}:{2 * row + 2}, {2 * col}:{2 * col + 2}]), got "
                          f"{got[row, col]:.4g}")  # fmt: skip


MAX_POOL_SOLUTION = '''\
def max_pool_2x2(image):
    height, width = image.shape
    out_height, out_width = height // 2, width // 2
    cropped = image[: 2 * out_height, : 2 * out_width]
    blocks = cropped.reshape(out_height, 2, out_width, 2)
    return blocks.max(axis=(1, 3))
'''

register(
    Exercise(
        key="01.max_pool_stride2",
        title="write max_pool_2x2(image): 2x2 max pooling, stride 2, 'valid', on a 2-D array",
        checker=_check_max_pool,
        hints=[
            "Output pixel (i, j) is the largest of image[2i:2i+2, 2j:2j+2]; with 'valid' an odd "
            "last row or column is dropped, so the output is (H // 2, W // 2).",
            "A double loop over i and j with .max() on each 2x2 block works; for a loop-free "
            "version crop to even sizes and reshape to (H // 2, 2, W // 2, 2).",
            "Beware of starting from 0 as the running maximum: images can be negative.",
        ],
        solution_code=MAX_POOL_SOLUTION,
    )
)

# --------------------------------------------------------------------------- output size

OUTPUT_SIZE_CASES = [
    (28, 3, 1, "valid"),
    (28, 3, 2, "valid"),
    (28, 5, 1, "same"),
    (28, 3, 2, "same"),
    (7, 3, 2, "same"),
    (7, 2, 2, "valid"),
    (32, 4, 3, "valid"),
    (32, 4, 3, "same"),
    (5, 5, 1, "valid"),
    (1, 3, 2, "same"),
]


def _check_output_size(output_size) -> None:
    for n, kernel_size, stride, padding in OUTPUT_SIZE_CASES:
        got = output_size(n, kernel_size, stride, padding)
        expected = conv_output_size(n, kernel_size, stride, padding)
        call = f"output_size({n}, {kernel_size}, {stride}, {padding!r})"
        expect(isinstance(got, (int, np.integer)) and not isinstance(got, bool),
               f"{call} should return an int, got {type(got).__name__} {got!r}")  # fmt: skip
        expect_equal(int(got), expected, call)


OUTPUT_SIZE_SOLUTION = '''\
def output_size(n, kernel_size, stride, padding):
    if padding == "same":
        return -(-n // stride)             # ceil(n / stride)
    return (n - kernel_size) // stride + 1  # floor((n - k) / s) + 1
'''

register(
    Exercise(
        key="01.conv_output_size",
        title="write output_size(n, kernel_size, stride, padding) for 'valid' and 'same'",
        checker=_check_output_size,
        hints=[
            "'valid': count the window positions that fit entirely inside the n pixels, "
            "stepping by stride.",
            "'valid' gives floor((n - k) / s) + 1; 'same' (TensorFlow) gives ceil(n / s), "
            "whatever the kernel size.",
            "In integer arithmetic ceil(n / s) is -(-n // s); return an int, not a float.",
        ],
        solution_code=OUTPUT_SIZE_SOLUTION,
    )
)
