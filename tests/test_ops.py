"""Tests for course_utils.ops: every result is compared with TensorFlow / Keras."""

from __future__ import annotations

import itertools

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_utils import ops

TOLERANCE = 1e-4

# (batch, height, width, in_channels, kernel_height, kernel_width, out_channels)
CONV_SHAPES = [
    (1, 5, 5, 1, 3, 3, 1),
    (2, 7, 6, 3, 3, 3, 4),
    (3, 8, 8, 2, 2, 2, 5),
    (1, 9, 11, 4, 5, 3, 2),
    (4, 6, 6, 1, 1, 1, 3),
    (2, 10, 7, 3, 4, 4, 1),
    (1, 12, 12, 8, 3, 3, 16),
    (2, 4, 4, 2, 4, 4, 3),
]
CONV_CASES = [(*shape, stride, padding)
              for shape, stride, padding in itertools.product(CONV_SHAPES, (1, 2, 3), ("valid", "same"))]


def _random_conv_inputs(batch, height, width, in_channels, kernel_height, kernel_width, out_channels):
    seed = hash((batch, height, width, in_channels, kernel_height, kernel_width, out_channels))
    rng = np.random.default_rng(seed % 2**32)
    x = rng.standard_normal((batch, height, width, in_channels), dtype=np.float32)
    kernel = rng.standard_normal((kernel_height, kernel_width, in_channels, out_channels),
                                 dtype=np.float32)
    bias = rng.standard_normal(out_channels, dtype=np.float32)
    return x, kernel, bias


def _tf_conv(x, kernel, bias, stride, padding):
    output = tf.nn.conv2d(x, kernel, strides=stride, padding=padding.upper())
    return (output + bias).numpy()


@pytest.mark.parametrize(
    "batch, height, width, in_channels, kernel_height, kernel_width, out_channels, stride, padding",
    CONV_CASES,
)
def test_conv2d_matches_tensorflow(batch, height, width, in_channels, kernel_height, kernel_width,
                                   out_channels, stride, padding):
    x, kernel, bias = _random_conv_inputs(batch, height, width, in_channels, kernel_height,
                                          kernel_width, out_channels)
    expected = _tf_conv(x, kernel, bias, stride, padding)
    got = ops.conv2d(x, kernel, bias, stride=stride, padding=padding)
    assert got.dtype == np.float32
    assert got.shape == expected.shape
    assert np.max(np.abs(got - expected)) < TOLERANCE


@pytest.mark.parametrize("shape", CONV_SHAPES[:5])
@pytest.mark.parametrize("stride, padding", [(1, "valid"), (2, "same"), (3, "same"), ((2, 1), "valid")])
def test_conv2d_loop_matches_tensorflow(shape, stride, padding):
    x, kernel, bias = _random_conv_inputs(*shape)
    expected = _tf_conv(x, kernel, bias, stride, padding)
    got = ops.conv2d_loop(x, kernel, bias, stride=stride, padding=padding)
    assert got.shape == expected.shape
    assert np.max(np.abs(got - expected)) < TOLERANCE


@pytest.mark.parametrize("stride", [(1, 2), (2, 3), (3, 1)])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv2d_matches_keras_conv2d_layer_with_stride_pairs(stride, padding):
    x, kernel, bias = _random_conv_inputs(2, 9, 10, 3, 3, 2, 4)
    layer = keras.layers.Conv2D(4, (3, 2), strides=stride, padding=padding)
    layer.build(x.shape)
    layer.set_weights([kernel, bias])
    expected = keras.ops.convert_to_numpy(layer(x))
    got = ops.conv2d(x, kernel, bias, stride=stride, padding=padding)
    assert got.shape == expected.shape
    assert np.max(np.abs(got - expected)) < TOLERANCE


def test_conv2d_hand_computed_example():
    image = np.array([[1, 2, 0, 1], [0, 1, 3, 2], [2, 1, 0, 1], [1, 0, 2, 3]], dtype=np.float32)
    kernel = np.array([[1, 0], [-1, 2]], dtype=np.float32)
    # top-left window [[1, 2], [0, 1]]: 1*1 + 2*0 + 0*(-1) + 1*2 = 3 (no kernel flip)
    expected = np.array([[3, 7, 1], [0, 0, 5], [1, 5, 4]], dtype=np.float32)
    np.testing.assert_array_equal(ops.conv2d_single(image, kernel), expected)
    np.testing.assert_array_equal(ops.conv2d_single(image, kernel, stride=2), expected[::2, ::2])


def test_conv2d_same_padding_puts_the_odd_row_after():
    # 4x4 input, 2x2 kernel of ones, stride 2, same: no padding needed; at stride 1 the
    # one extra row and column go at the bottom / right, as in TensorFlow.
    image = np.arange(16, dtype=np.float32).reshape(4, 4)
    got = ops.conv2d_single(image, np.ones((2, 2), np.float32), padding="same")
    assert got.shape == (4, 4)
    assert got[3, 3] == image[3, 3]
    assert got[0, 0] == image[:2, :2].sum()
    assert ops.same_padding(4, 2, 1) == (0, 1)
    assert ops.same_padding(5, 3, 2) == (1, 1)
    assert ops.same_padding(6, 3, 2) == (0, 1)


def test_conv2d_keeps_float64_and_promotes_integers():
    x = np.arange(2 * 5 * 5 * 2).reshape(2, 5, 5, 2)
    kernel = np.ones((3, 3, 2, 1), dtype=np.int64)
    got = ops.conv2d(x, kernel)
    assert got.dtype == np.float64
    expected = _tf_conv(x.astype(np.float64), kernel.astype(np.float64), np.zeros(1), 1, "valid")
    np.testing.assert_allclose(got, expected)


POOL_SHAPES = [(1, 6, 6, 1), (2, 7, 5, 3), (3, 9, 8, 2), (1, 5, 11, 4)]
POOL_CASES = list(itertools.product(POOL_SHAPES, [2, 3, (2, 3)], [None, 1, 2, 3], ["valid", "same"]))


def _random_images(shape):
    return np.random.default_rng(sum(shape)).standard_normal(shape, dtype=np.float32)


@pytest.mark.parametrize("shape, pool_size, stride, padding", POOL_CASES)
def test_max_pool2d_matches_keras(shape, pool_size, stride, padding):
    x = _random_images(shape)
    layer = keras.layers.MaxPooling2D(pool_size, strides=stride, padding=padding)
    expected = keras.ops.convert_to_numpy(layer(x))
    got = ops.max_pool2d(x, pool_size, stride, padding)
    assert got.shape == expected.shape
    assert np.max(np.abs(got - expected)) < TOLERANCE


@pytest.mark.parametrize("shape, pool_size, stride, padding", POOL_CASES)
def test_avg_pool2d_matches_keras(shape, pool_size, stride, padding):
    x = _random_images(shape)
    layer = keras.layers.AveragePooling2D(pool_size, strides=stride, padding=padding)
    expected = keras.ops.convert_to_numpy(layer(x))
    got = ops.avg_pool2d(x, pool_size, stride, padding)
    assert got.shape == expected.shape
    assert np.max(np.abs(got - expected)) < TOLERANCE


def test_max_pool2d_same_padding_never_picks_a_padded_zero():
    x = -np.ones((1, 3, 3, 1), dtype=np.float32)
    got = ops.max_pool2d(x, 2, padding="same")
    np.testing.assert_array_equal(got, -np.ones((1, 2, 2, 1)))


@pytest.mark.parametrize(
    "n, kernel_size, stride, padding",
    [(n, k, s, p) for n, k, s, p in itertools.product((5, 6, 7, 28), (1, 2, 3, 5), (1, 2, 3),
                                                      ("valid", "same"))],
)
def test_conv_output_size_matches_keras_shapes(n, kernel_size, stride, padding):
    layer = keras.layers.Conv2D(1, kernel_size, strides=stride, padding=padding)
    output = layer(np.zeros((1, n, n + 1, 1), dtype=np.float32))
    assert output.shape[1] == ops.conv_output_size(n, kernel_size, stride, padding)
    assert output.shape[2] == ops.conv_output_size(n + 1, kernel_size, stride, padding)


def test_conv_output_size_hand_values():
    assert ops.conv_output_size(28, 3, 1, "valid") == 26
    assert ops.conv_output_size(28, 3, 2, "valid") == 13
    assert ops.conv_output_size(28, 3, 2, "same") == 14
    assert ops.conv_output_size(7, 3, 2, "same") == 4


@pytest.mark.parametrize("kernel_size, in_channels, out_channels, use_bias",
                         [(3, 1, 32, True), ((3, 5), 32, 64, True), (1, 7, 3, False), (5, 3, 1, True)])
def test_conv_param_count_matches_keras(kernel_size, in_channels, out_channels, use_bias):
    model = keras.Sequential([
        keras.Input((12, 12, in_channels)),
        keras.layers.Conv2D(out_channels, kernel_size, use_bias=use_bias),
    ])
    assert ops.conv_param_count(kernel_size, in_channels, out_channels, use_bias) == model.count_params()


def test_receptive_field_matches_the_gradient_footprint_of_a_keras_stack():
    # ones kernels, average pooling (same geometry as max pooling, but its gradient
    # reaches every input pixel of the window): the input pixels with a non-zero
    # gradient for one output pixel are exactly its receptive field
    stack = [("conv 3x3", 3, 1), ("pool 2x2", 2, 2), ("conv 3x3", 3, 1), ("pool 2x2", 2, 2),
             ("conv 3x3", 3, 1)]
    layers = [keras.Input((40, 40, 1))]
    for name, kernel_size, stride in stack:
        if name.startswith("conv"):
            layers.append(keras.layers.Conv2D(1, kernel_size, kernel_initializer="ones", use_bias=False))
        else:
            layers.append(keras.layers.AveragePooling2D(kernel_size, strides=stride))
    model = keras.Sequential(layers)
    x = tf.Variable(np.ones((1, 40, 40, 1), dtype=np.float32))
    with tf.GradientTape() as tape:
        y = model(x)[0, 2, 2, 0]
    rows = np.flatnonzero(np.abs(tape.gradient(y, x).numpy()[0, :, :, 0]).sum(axis=1))
    rows_of_fields = ops.receptive_field(stack)
    assert rows.max() - rows.min() + 1 == rows_of_fields[-1]["receptive_field"] == 18
    assert rows.min() == 2 * rows_of_fields[-1]["jump"]
    assert [row["receptive_field"] for row in rows_of_fields] == [3, 4, 8, 10, 18]


# --------------------------------------------------------------------------- bad input

IMAGES = np.zeros((1, 5, 5, 3), dtype=np.float32)
KERNEL = np.zeros((3, 3, 3, 2), dtype=np.float32)


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: ops.conv2d(IMAGES[0], KERNEL), "rank 4"),
        (lambda: ops.conv2d(IMAGES, KERNEL[..., 0]), "kernel of rank 4"),
        (lambda: ops.conv2d(IMAGES, np.zeros((3, 3, 2, 2))), "Channel mismatch"),
        (lambda: ops.conv2d(IMAGES, KERNEL, stride=0), "stride must be a positive integer"),
        (lambda: ops.conv2d(IMAGES, KERNEL, stride=(1, -2)), "stride must be a positive integer"),
        (lambda: ops.conv2d(IMAGES, KERNEL, stride=(1, 2, 3)), "pair"),
        (lambda: ops.conv2d(IMAGES, KERNEL, padding="full"), "Unknown padding"),
        (lambda: ops.conv2d(IMAGES, np.zeros((6, 3, 3, 2))), "larger than the input"),
        (lambda: ops.conv2d(IMAGES, KERNEL, bias=np.zeros(3)), "bias must have shape"),
        (lambda: ops.conv2d_loop(IMAGES, np.zeros((3, 3, 1, 2))), "Channel mismatch"),
        (lambda: ops.conv2d_single(IMAGES, KERNEL), "2-D image"),
        (lambda: ops.max_pool2d(IMAGES[0]), "rank 4"),
        (lambda: ops.max_pool2d(IMAGES, 6), "larger than the input"),
        (lambda: ops.avg_pool2d(IMAGES, 2, stride=0), "stride must be a positive integer"),
        (lambda: ops.avg_pool2d(IMAGES, 2, padding="SAME-ish"), "Unknown padding"),
        (lambda: ops.conv_output_size(5, 7, 1, "valid"), "larger than the input"),
        (lambda: ops.conv_output_size(5, 3, 0, "valid"), "stride must be a positive integer"),
        (lambda: ops.conv_output_size(5, 3, 1, "causal"), "Unknown padding"),
        (lambda: ops.conv_param_count(3, 0, 4), "in_channels must be a positive integer"),
    ],
)
def test_bad_input_raises_value_error_naming_the_problem(call, words):
    with pytest.raises(ValueError, match=words):
        call()


def test_a_kernel_larger_than_the_input_is_fine_with_same_padding():
    got = ops.conv2d(IMAGES, np.ones((7, 7, 3, 2), dtype=np.float32), padding="same")
    expected = _tf_conv(IMAGES, np.ones((7, 7, 3, 2), np.float32), np.zeros(2, np.float32), 1, "same")
    assert got.shape == expected.shape == (1, 5, 5, 2)
