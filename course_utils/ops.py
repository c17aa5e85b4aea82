"""Convolution and pooling in NumPy: reference implementations checked against Keras.

Layouts are exactly those of Keras and TensorFlow:

* images ``x``: **NHWC**, shape ``(batch, height, width, channels)``;
* kernels: **HWIO**, shape ``(kernel_height, kernel_width, in_channels, out_channels)``.

A single grey image of shape ``(H, W)`` and a single 2-D kernel of shape
``(kh, kw)`` go in by adding the missing axes, and come out by taking them away::

    feature_map = conv2d(image[None, :, :, None], kernel[:, :, None, None])[0, :, :, 0]

:func:`conv2d_single` does exactly that for you.

What "convolution" means here (and in every deep-learning library) is
cross-correlation: the kernel is *not* flipped. With stride ``s`` and the input
already padded,

.. math::

    y[n, i, j, o] = \\beta[o] + \\sum_{u=0}^{k_h-1} \\sum_{v=0}^{k_w-1} \\sum_{c=0}^{C-1}
                    x[n, s_h i + u, s_w j + v, c] \\; w[u, v, c, o],

with ``beta`` the bias (one number per filter) and ``u, v`` the row and column
inside the kernel.

Padding follows TensorFlow's rules:

* ``"valid"``: no padding; ``out = floor((n - k) / s) + 1``;
* ``"same"``: ``out = ceil(n / s)``; the total padding
  ``max((out - 1) * s + k - n, 0)`` is split with the smaller half *before* and
  the larger half *after* (so an odd total puts the extra row at the bottom /
  right, as happens for even kernels or at stride 2).

Functions
---------
conv2d              vectorised (sliding windows + one matrix product); use this one
conv2d_loop         the same result with plain loops that read like the formula
conv2d_single       a 2-D image and a 2-D kernel in, a 2-D feature map out
max_pool2d          max pooling with Keras' semantics
avg_pool2d          average pooling with Keras' semantics (padded cells ignored)
conv_output_size    the output-size formula
same_padding        TensorFlow's "same" padding (before, after) for one axis
conv_param_count    the number of weights and biases of a Conv2D layer
receptive_field     receptive field and jump through a stack of conv / pool layers
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._validation import check_array, check_choice, check_int_pair, check_positive_int

__all__ = [
    "avg_pool2d",
    "conv2d",
    "conv2d_loop",
    "conv2d_single",
    "conv_output_size",
    "conv_param_count",
    "max_pool2d",
    "receptive_field",
    "same_padding",
]

PADDINGS = ("valid", "same")


# --------------------------------------------------------------------------- checks


_positive_int = check_positive_int
_pair = check_int_pair


def _check_padding(padding) -> str:
    return check_choice(padding, "padding", PADDINGS)


def _check_images(x, function: str) -> np.ndarray:
    return check_array(x, "x", function, ndim=4,
                       hint="(batch, height, width, channels): for one grey image of shape (H, W) "
                            "pass image[None, :, :, None].")


def _float_dtype(*arrays) -> np.dtype:
    """float32 stays float32; integers and float64 compute in float64."""
    dtype = np.result_type(*arrays)
    return dtype if dtype in (np.float32, np.float64) else np.dtype(np.float64)


# --------------------------------------------------------------------------- sizes


def same_padding(n: int, kernel_size: int, stride: int) -> tuple[int, int]:
    """TensorFlow's "same" padding along one axis.

    Parameters
    ----------
    n : int
        Input size along the axis (pixels).
    kernel_size : int
        Window size along the axis.
    stride : int
        Step between windows.

    Returns
    -------
    (int, int)
        Rows (or columns) of padding before and after; the extra one of an odd
        total goes after.
    """
    n = _positive_int(n, "n")
    kernel_size = _positive_int(kernel_size, "kernel_size")
    stride = _positive_int(stride, "stride")
    out = -(-n // stride)
    total = max((out - 1) * stride + kernel_size - n, 0)
    return total // 2, total - total // 2


def conv_output_size(n: int, kernel_size: int, stride: int = 1, padding: str = "valid") -> int:
    """Output size of a convolution or pooling along one axis (TensorFlow's rule).

    Parameters
    ----------
    n : int
        Input size (pixels).
    kernel_size : int
        Window size.
    stride : int, default 1
        Step between windows.
    padding : {"valid", "same"}, default "valid"

    Returns
    -------
    int
        ``floor((n - kernel_size) / stride) + 1`` for "valid", ``ceil(n / stride)``
        for "same".

    Raises
    ------
    ValueError
        For non-positive sizes, an unknown padding, or a "valid" window larger than
        the input.
    """
    n = _positive_int(n, "n")
    kernel_size = _positive_int(kernel_size, "kernel_size")
    stride = _positive_int(stride, "stride")
    padding = _check_padding(padding)
    if padding == "same":
        return -(-n // stride)
    if kernel_size > n:
        raise ValueError(
            f"The kernel ({kernel_size}) is larger than the input ({n}) with 'valid' padding: "
            "use a smaller kernel, a larger input, or padding='same'."
        )
    return (n - kernel_size) // stride + 1


def conv_param_count(kernel_size, in_channels: int, out_channels: int, use_bias: bool = True) -> int:
    """Number of trainable numbers in a Conv2D layer.

    Parameters
    ----------
    kernel_size : int or (int, int)
    in_channels : int
        Channels of the layer's input (C).
    out_channels : int
        Number of filters (O).
    use_bias : bool, default True

    Returns
    -------
    int
        ``kh * kw * C * O`` weights, plus ``O`` biases when ``use_bias``.
    """
    kernel_height, kernel_width = _pair(kernel_size, "kernel_size")
    in_channels = _positive_int(in_channels, "in_channels")
    out_channels = _positive_int(out_channels, "out_channels")
    weights = kernel_height * kernel_width * in_channels * out_channels
    return weights + (out_channels if use_bias else 0)


def receptive_field(layers: Sequence) -> list[dict]:
    """Receptive field of each layer of a stack of convolutions and poolings.

    With ``r`` the receptive field (input pixels seen by one output pixel) and
    ``j`` the jump (input pixels between two neighbouring outputs), a layer with
    kernel ``k`` and stride ``s`` gives ``r' = r + (k - 1) j`` and ``j' = j s``,
    starting from ``r = j = 1`` at the input.

    Parameters
    ----------
    layers : sequence of (name, kernel_size, stride)
        One tuple per layer, along one axis (square kernels), e.g.
        ``[("conv 3x3", 3, 1), ("max pool 2x2", 2, 2)]``.

    Returns
    -------
    list of dict
        One dict per layer: ``{"layer", "kernel_size", "stride", "receptive_field", "jump"}``.
    """
    rows, field, jump = [], 1, 1
    for index, layer in enumerate(layers):
        if len(layer) != 3:
            raise ValueError(f"Layer {index} should be (name, kernel_size, stride), got {layer!r}.")
        name, kernel_size, stride = layer
        kernel_size = _positive_int(kernel_size, f"kernel_size of layer {name!r}")
        stride = _positive_int(stride, f"stride of layer {name!r}")
        field += (kernel_size - 1) * jump
        jump *= stride
        rows.append({"layer": name, "kernel_size": kernel_size, "stride": stride,
                     "receptive_field": field, "jump": jump})
    return rows


# --------------------------------------------------------------------------- convolution


def _prepare_conv(x, kernel, bias, stride, padding, function: str):
    x = _check_images(x, function)
    kernel = np.asarray(kernel)
    if kernel.ndim != 4:
        raise ValueError(
            f"{function} expects a kernel of rank 4, (kernel_height, kernel_width, in_channels, "
            f"out_channels), got rank {kernel.ndim} with shape {kernel.shape}. For one 2-D kernel "
            "pass kernel[:, :, None, None]."
        )
    if min(kernel.shape) == 0:
        raise ValueError(f"{function} got an empty kernel of shape {kernel.shape}.")
    if kernel.shape[2] != x.shape[3]:
        raise ValueError(
            f"Channel mismatch: x has {x.shape[3]} channels but the kernel expects "
            f"{kernel.shape[2]} (its third axis, in_channels)."
        )
    out_channels = kernel.shape[3]
    if bias is not None:
        bias = np.asarray(bias)
        if bias.shape != (out_channels,):
            raise ValueError(
                f"bias must have shape ({out_channels},), one value per filter, got {bias.shape}."
            )
    stride_rows, stride_cols = _pair(stride, "stride")
    padding = _check_padding(padding)
    kernel_height, kernel_width = kernel.shape[:2]
    height, width = x.shape[1:3]
    if padding == "valid" and (kernel_height > height or kernel_width > width):
        raise ValueError(
            f"The kernel ({kernel_height}x{kernel_width}) is larger than the input "
            f"({height}x{width}) with 'valid' padding: use a smaller kernel or padding='same'."
        )
    dtype = _float_dtype(x, kernel) if bias is None else _float_dtype(x, kernel, bias)
    x, kernel = x.astype(dtype, copy=False), kernel.astype(dtype, copy=False)
    if padding == "same":
        rows = same_padding(height, kernel_height, stride_rows)
        cols = same_padding(width, kernel_width, stride_cols)
        if any(rows + cols):
            x = np.pad(x, ((0, 0), rows, cols, (0, 0)))
    return x, kernel, bias, (stride_rows, stride_cols)


def conv2d(x, kernel, bias=None, stride=1, padding: str = "valid") -> np.ndarray:
    """2-D convolution (cross-correlation) as Keras' ``Conv2D`` computes it.

    Vectorised: all windows are gathered with
    :func:`numpy.lib.stride_tricks.sliding_window_view` into one matrix
    ("im2col", one row per output pixel) that meets the kernel in a single
    matrix product.

    Parameters
    ----------
    x : array_like, shape (batch, height, width, in_channels)
        Input images, NHWC. One 2-D image: ``image[None, :, :, None]``.
    kernel : array_like, shape (kernel_height, kernel_width, in_channels, out_channels)
        Filters, HWIO (Keras' ``layer.kernel``). One 2-D kernel: ``kernel[:, :, None, None]``.
    bias : array_like, shape (out_channels,), optional
        Added to every output pixel of each filter.
    stride : int or (int, int), default 1
        Step between windows (rows, columns).
    padding : {"valid", "same"}, default "valid"
        TensorFlow's rules (see the module docstring).

    Returns
    -------
    numpy.ndarray, shape (batch, out_height, out_width, out_channels)
        float32 when the inputs are float32, else float64. Output sizes are given
        by :func:`conv_output_size`.

    Raises
    ------
    ValueError
        Wrong ranks, a channel mismatch, a bias of the wrong shape, a non-positive
        stride, an unknown padding, or a kernel larger than a "valid" input.
    """
    x, kernel, bias, (stride_rows, stride_cols) = _prepare_conv(x, kernel, bias, stride, padding,
                                                                "conv2d")
    kernel_height, kernel_width, in_channels, out_channels = kernel.shape
    # windows: (batch, out_h, out_w, in_channels, kh, kw), a view (no copy yet)
    windows = sliding_window_view(x, (kernel_height, kernel_width), axis=(1, 2))
    windows = windows[:, ::stride_rows, ::stride_cols]
    batch, out_height, out_width = windows.shape[:3]
    # order each window as (kh, kw, in_channels) like the kernel; the reshape makes
    # the one copy, with the channel axis contiguous (fast)
    columns = windows.transpose(0, 1, 2, 4, 5, 3).reshape(batch * out_height * out_width, -1)
    output = columns @ kernel.reshape(-1, out_channels)
    if bias is not None:
        output += bias.astype(output.dtype, copy=False)
    return output.reshape(batch, out_height, out_width, out_channels)


def conv2d_loop(x, kernel, bias=None, stride=1, padding: str = "valid") -> np.ndarray:
    """The same as :func:`conv2d`, written as loops that read like the formula.

    For every image ``n`` and output pixel ``(i, j)`` the window
    ``x[n, i*s_h : i*s_h + kh, j*s_w : j*s_w + kw, :]`` is multiplied element by
    element with each filter and summed. Slow (a Python loop per output pixel):
    for teaching and checking, not for real work.

    Parameters and return value are those of :func:`conv2d`.
    """
    x, kernel, bias, (stride_rows, stride_cols) = _prepare_conv(x, kernel, bias, stride, padding,
                                                                "conv2d_loop")
    kernel_height, kernel_width, in_channels, out_channels = kernel.shape
    batch, height, width = x.shape[:3]
    out_height = (height - kernel_height) // stride_rows + 1
    out_width = (width - kernel_width) // stride_cols + 1
    output = np.zeros((batch, out_height, out_width, out_channels), dtype=x.dtype)
    for n in range(batch):
        for i in range(out_height):
            for j in range(out_width):
                top, left = i * stride_rows, j * stride_cols
                window = x[n, top : top + kernel_height, left : left + kernel_width, :]
                # sum over u, v, c of window[u, v, c] * kernel[u, v, c, o], for every o
                output[n, i, j, :] = np.sum(window[..., np.newaxis] * kernel, axis=(0, 1, 2))
    if bias is not None:
        output += bias.astype(output.dtype, copy=False)
    return output


def conv2d_single(image, kernel, stride=1, padding: str = "valid") -> np.ndarray:
    """Convolve one 2-D grey image with one 2-D kernel (no flip, as in Keras).

    Parameters
    ----------
    image : array_like, shape (height, width)
    kernel : array_like, shape (kernel_height, kernel_width)
    stride : int or (int, int), default 1
    padding : {"valid", "same"}, default "valid"

    Returns
    -------
    numpy.ndarray, shape (out_height, out_width)
    """
    image, kernel = np.asarray(image), np.asarray(kernel)
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError(
            "conv2d_single expects a 2-D image and a 2-D kernel, got shapes "
            f"{image.shape} and {kernel.shape}; use conv2d for batches and channels."
        )
    return conv2d(image[None, :, :, None], kernel[:, :, None, None], stride=stride,
                  padding=padding)[0, :, :, 0]


# --------------------------------------------------------------------------- pooling


def _pool_windows(x, pool_size, stride, padding, function: str, fill_value):
    """Windows (batch, out_h, out_w, channels, ph, pw) and the padding applied."""
    x = _check_images(x, function)
    pool_rows, pool_cols = _pair(pool_size, "pool_size")
    stride_rows, stride_cols = (pool_rows, pool_cols) if stride is None else _pair(stride, "stride")
    padding = _check_padding(padding)
    height, width = x.shape[1:3]
    rows = cols = (0, 0)
    if padding == "valid":
        if pool_rows > height or pool_cols > width:
            raise ValueError(
                f"The pool window ({pool_rows}x{pool_cols}) is larger than the input "
                f"({height}x{width}) with 'valid' padding: use a smaller pool_size or padding='same'."
            )
    else:
        rows = same_padding(height, pool_rows, stride_rows)
        cols = same_padding(width, pool_cols, stride_cols)
        if any(rows + cols):
            x = np.pad(x, ((0, 0), rows, cols, (0, 0)), constant_values=fill_value)
    windows = sliding_window_view(x, (pool_rows, pool_cols), axis=(1, 2))
    return windows[:, ::stride_rows, ::stride_cols], rows, cols


def max_pool2d(x, pool_size=2, stride=None, padding: str = "valid") -> np.ndarray:
    """Max pooling as Keras' ``MaxPooling2D`` computes it.

    ``y[n, i, j, c] = max over u < ph, v < pw of x[n, s_h i + u, s_w j + v, c]``
    (on the padded input); each channel is pooled on its own.

    Parameters
    ----------
    x : array_like, shape (batch, height, width, channels)
        NHWC. One 2-D image: ``image[None, :, :, None]``.
    pool_size : int or (int, int), default 2
    stride : int or (int, int), optional
        Defaults to ``pool_size`` (non-overlapping windows), as in Keras.
    padding : {"valid", "same"}, default "valid"
        With "same", padded cells never win (they count as minus infinity).

    Returns
    -------
    numpy.ndarray, shape (batch, out_height, out_width, channels)
        Same dtype as ``x``.

    Raises
    ------
    ValueError
        A wrong rank, a non-positive size or stride, an unknown padding, or a
        window larger than a "valid" input.
    """
    x = np.asarray(x)
    if np.issubdtype(x.dtype, np.floating):
        fill_value = -np.inf
    elif np.issubdtype(x.dtype, np.integer):
        fill_value = np.iinfo(x.dtype).min
    else:
        fill_value = 0
    windows, _, _ = _pool_windows(x, pool_size, stride, padding, "max_pool2d", fill_value)
    return windows.max(axis=(4, 5))


def avg_pool2d(x, pool_size=2, stride=None, padding: str = "valid") -> np.ndarray:
    """Average pooling as Keras' ``AveragePooling2D`` computes it.

    With "same" padding the padded cells are left out of the average: a window
    that hangs over the edge averages only the real pixels it covers.

    Parameters and errors are those of :func:`max_pool2d`.

    Returns
    -------
    numpy.ndarray, shape (batch, out_height, out_width, channels)
        float32 for float32 input, else float64.
    """
    x = _check_images(x, "avg_pool2d")
    x = x.astype(_float_dtype(x), copy=False)
    windows, rows, cols = _pool_windows(x, pool_size, stride, padding, "avg_pool2d", 0.0)
    sums = windows.sum(axis=(4, 5))
    if not any(rows + cols):
        return sums / np.asarray(windows.shape[4] * windows.shape[5], dtype=sums.dtype)
    ones = np.ones((1, *x.shape[1:3], 1), dtype=x.dtype)
    count_windows, _, _ = _pool_windows(ones, pool_size, stride, padding, "avg_pool2d", 0.0)
    return sums / count_windows.sum(axis=(4, 5))
