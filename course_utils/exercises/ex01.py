"""Exercises of notebook 01 (convolution and pooling).

* ``01.conv2d_grey``: write ``conv2d_grey(image, kernel, stride, padding)``, the
  convolution (cross-correlation) loop on one grey image with stride and
  TensorFlow's "valid" / "same" padding.
* ``01.max_pool_stride2``: write ``max_pool_2x2(image)``, 2x2 max pooling with
  stride 2 ("valid") on one 2-D image.
* ``01.conv_output_size``: write ``output_size(n, kernel_size, stride, padding)``,
  the output-size formula for "valid" and "same" (TensorFlow's rule).

The checkers call the learner's function on known inputs and compare the values
with :mod:`course_utils.ops` (itself tested against Keras).
"""

from __future__ import annotations

import numpy as np

from ..ops import conv2d_single, conv_output_size, max_pool2d, same_padding
from . import Exercise, expect, expect_equal, register

# --------------------------------------------------------------------------- convolution


def _conv_cases() -> list[tuple[str, np.ndarray, np.ndarray, int, str]]:
    rng = np.random.default_rng(3)
    hand_image = np.array([[1, 2, 0, 1], [0, 1, 3, 2], [2, 1, 0, 1], [1, 0, 2, 3]], dtype=float)
    hand_kernel = np.array([[1, 0], [-1, 2]], dtype=float)  # not symmetric: a flip shows
    photo = rng.random((9, 8))
    return [
        ("the 4x4 example, 2x2 kernel", hand_image, hand_kernel, 1, "valid"),
        ("a 9x8 image, 3x3 kernel", photo, rng.standard_normal((3, 3)), 2, "valid"),
        ("a 6x6 image, 2x2 kernel (padding 0 before, 1 after)", photo[:6, :6], hand_kernel, 1, "same"),
        ("a 9x8 image, 3x3 kernel", photo, rng.standard_normal((3, 3)), 1, "same"),
        ("a 9x8 image, 4x4 kernel", photo, rng.standard_normal((4, 4)), 2, "same"),
        ("a 9x8 image, 3x2 kernel", photo, rng.standard_normal((3, 2)), 3, "same"),
    ]


def _check_conv2d_grey(conv2d_grey) -> None:
    for description, image, kernel, stride, padding in _conv_cases():
        call = f"conv2d_grey({description}, stride={stride}, padding={padding!r})"
        got = conv2d_grey(image.copy(), kernel.copy(), stride, padding)
        expect(got is not None, "conv2d_grey returned None: did you forget `return`?")
        got = np.asarray(got, dtype=float)
        expected = conv2d_single(image, kernel, stride, padding)
        expect(got.shape == expected.shape,
               f"{call} should have shape {expected.shape}, got {got.shape}"
               + (f" (TensorFlow pads {same_padding(image.shape[0], kernel.shape[0], stride)} rows "
                  "before/after)" if padding == "same" else ""))
        flipped = conv2d_single(image, kernel[::-1, ::-1], stride, padding)
        expect(not (np.allclose(got, flipped) and not np.allclose(got, expected)),
               f"{call} matches the flipped kernel: deep learning's convolution does not flip it")
        if not np.allclose(got, expected, atol=1e-6):
            row, col = np.argwhere(~np.isclose(got, expected, atol=1e-6))[0]
            expect(False, f"{call}[{row}, {col}] should be {expected[row, col]:.4g}, got "
                          f"{got[row, col]:.4g}")


CONV_SOLUTION = '''\
def conv2d_grey(image, kernel, stride, padding):
    image = np.asarray(image, dtype=float)
    kernel_height, kernel_width = kernel.shape
    if padding == "same":                      # TensorFlow: the extra one of an odd total goes after
        pads = []
        for n, k in ((image.shape[0], kernel_height), (image.shape[1], kernel_width)):
            total = max((-(-n // stride) - 1) * stride + k - n, 0)
            pads.append((total // 2, total - total // 2))
        image = np.pad(image, pads)
    out_height = (image.shape[0] - kernel_height) // stride + 1
    out_width = (image.shape[1] - kernel_width) // stride + 1
    output = np.zeros((out_height, out_width))
    for i in range(out_height):
        for j in range(out_width):
            window = image[stride * i:stride * i + kernel_height, stride * j:stride * j + kernel_width]
            output[i, j] = np.sum(window * kernel)
    return output
'''

register(
    Exercise(
        key="01.conv2d_grey",
        title="write conv2d_grey(image, kernel, stride, padding): the convolution loop on one grey image",
        checker=_check_conv2d_grey,
        hints=[
            "Output pixel (i, j) is sum(window * kernel), where the window starts at row "
            "stride * i and column stride * j of the (padded) image: no flip.",
            "'same': out = ceil(n / stride) per axis and total padding "
            "max((out - 1) * stride + k - n, 0), split total // 2 before and the rest after; "
            "np.pad(image, ((top, bottom), (left, right))) adds the zeros.",
            "After padding, the number of window positions is (n_padded - k) // stride + 1 "
            "per axis, as for 'valid'.",
        ],
        solution_code=CONV_SOLUTION,
    )
)

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
    ]


def _check_max_pool(max_pool_2x2) -> None:
    for description, image in _max_pool_cases():
        got = max_pool_2x2(image.copy())
        expect(got is not None, "max_pool_2x2 returned None: did you forget `return`?")
        got = np.asarray(got)
        expected = _reference_max_pool(image)
        call = f"max_pool_2x2({description})"
        expect(got.shape == expected.shape,
               f"{call} should have shape {expected.shape}, got {got.shape}")
        if not np.allclose(got, expected):
            row, col = np.argwhere(~np.isclose(got, expected))[0]  # first wrong pixel
            expect(False, f"{call}[{row}, {col}] should be {expected[row, col]:.4g} (the max of "
                          f"image[{2 * row}:{2 * row + 2}, {2 * col}:{2 * col + 2}]), got "
                          f"{got[row, col]:.4g}")


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
    (28, 4, 1, "same"),  # an even kernel: PyTorch-style symmetric padding gives 27
    (8, 2, 1, "same"),
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
               f"{call} should return an int, got {type(got).__name__} {got!r}")
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
