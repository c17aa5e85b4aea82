"""Tests of course_utils.models.classifiers: shapes, parameter counts, feature maps."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from course_utils.models import build_cnn, build_dense
from course_utils.models.classifiers import (
    ARTICLE_CNN_PARAMS,
    relu_feature_maps,
)


def conv_params(kernel_height, kernel_width, channels_in, channels_out):
    """Hand formula, independent of the code under test: (kh*kw*c_in + 1) * c_out."""
    return (kernel_height * kernel_width * channels_in + 1) * channels_out


@pytest.fixture(scope="module")
def digits():
    return np.random.default_rng(0).random((5, 28, 28, 1), dtype=np.float32)


def test_article_cnn_has_93322_parameters_by_the_conv_formula():
    expected = (conv_params(3, 3, 1, 32) + conv_params(3, 3, 32, 64) + conv_params(3, 3, 64, 64)
                + (3 * 3 * 64 + 1) * 64 + (64 + 1) * 10)
    assert expected == 93_322 == ARTICLE_CNN_PARAMS
    assert build_cnn().count_params() == 93_322


def test_article_cnn_matches_the_article_layer_by_layer():
    model = build_cnn()
    reference = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(32, (3, 3), activation="relu"),
        keras.layers.MaxPooling2D((2, 2)),
        keras.layers.Conv2D(64, (3, 3), activation="relu"),
        keras.layers.MaxPooling2D((2, 2)),
        keras.layers.Conv2D(64, (3, 3), activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    assert [type(layer).__name__ for layer in model.layers] == [
        type(layer).__name__ for layer in reference.layers
    ]
    assert [layer.count_params() for layer in model.layers] == [
        layer.count_params() for layer in reference.layers
    ]
    assert [layer.count_params() for layer in model.layers if layer.count_params()] == [
        320,
        18_496,
        36_928,
        36_928,
        650,
    ]


def test_article_cnn_feature_map_shapes(digits):
    model = build_cnn()
    shapes = []
    tensor = keras.ops.convert_to_tensor(digits)
    for layer in model.layers:
        tensor = layer(tensor)
        shapes.append(tuple(tensor.shape[1:]))
    assert shapes == [(26, 26, 32), (13, 13, 32), (11, 11, 64), (5, 5, 64), (3, 3, 64),
                      (576,), (64,), (10,)]


@pytest.mark.parametrize("options", [
    {}, {"batch_norm": True}, {"dropout": 0.3}, {"filters": (16, 32), "dense_units": 0},
    {"padding": "same", "filters": (8, 8, 8, 8)}, {"augment_shift": 0.1},
])
def test_cnn_outputs_one_probability_row_per_image(digits, options):
    probabilities = np.asarray(build_cnn(**options)(digits, training=False))
    assert probabilities.shape == (5, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_cnn_batch_norm_pools_before_normalising():
    names = [type(layer).__name__ for layer in build_cnn(batch_norm=True).layers]
    assert names[:8] == ["Conv2D", "MaxPooling2D", "BatchNormalization", "Activation"] * 2
    assert names[8:] == ["Conv2D", "BatchNormalization", "Activation", "Flatten", "Dense",
                         "BatchNormalization", "Activation", "Dense"]


def test_cnn_batch_norm_removes_conv_biases_and_adds_four_numbers_per_channel():
    # Each BatchNormalization has 4 numbers per channel (gamma, beta, moving mean, moving variance);
    # each conv / hidden dense loses its bias.
    extra = 4 * (32 + 64 + 64 + 64) - (32 + 64 + 64 + 64)
    assert build_cnn(batch_norm=True).count_params() == 93_322 + extra


def test_cnn_rejects_an_image_too_small_for_the_convolutions():
    with pytest.raises(ValueError, match="too small"):
        build_cnn(filters=(8, 8, 8, 8))
    with pytest.raises(ValueError, match="padding"):
        build_cnn(padding="full")


def test_cnn_batch_norm_weights_split_into_trainable_and_moving_averages():
    model = build_cnn(batch_norm=True)
    trainable = sum(int(np.prod(weight.shape)) for weight in model.trainable_weights)
    non_trainable = sum(int(np.prod(weight.shape)) for weight in model.non_trainable_weights)
    channels = 32 + 64 + 64 + 64
    assert non_trainable == 2 * channels  # moving mean and variance
    assert trainable == 93_322 - channels + 2 * channels  # biases gone, gamma and beta added


def test_tuned_cnn_layers_carry_the_requested_regularisers():
    model = build_cnn(batch_norm=True, dropout=0.25, augment_shift=0.08)
    names = [type(layer).__name__ for layer in model.layers]
    assert names[0] == "RandomTranslation" and names[-2:] == ["Dropout", "Dense"]
    assert all(layer.momentum == 0.9 for layer in model.layers
               if isinstance(layer, keras.layers.BatchNormalization))
    assert not any(layer.use_bias for layer in model.layers[:-1]
                   if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)))


def test_dense_baseline_parameters_and_shape(digits):
    model = build_dense()
    assert model.count_params() == 784 * 128 + 128 + 128 * 10 + 10 == 101_770
    assert tuple(model(digits).shape) == (5, 10)


def test_dense_with_dropout_and_two_hidden_layers(digits):
    model = build_dense(hidden_units=(32, 16), dropout=0.5, name="small")
    assert [type(layer).__name__ for layer in model.layers] == [
        "Flatten", "Dense", "Dropout", "Dense", "Dropout", "Dense"]
    assert model.count_params() == 784 * 32 + 32 + 32 * 16 + 16 + 16 * 10 + 10
    assert model.name == "small"


@pytest.mark.parametrize("batch_norm", [False, True])
def test_relu_feature_maps_match_a_keras_submodel(digits, batch_norm):
    model = build_cnn(batch_norm=batch_norm)
    maps = relu_feature_maps(model, digits)
    if batch_norm:  # pooling comes before the normalisation and its ReLU
        assert [array.shape for _, array in maps] == [(5, 13, 13, 32), (5, 5, 5, 64), (5, 3, 3, 64)]
    else:
        assert [array.shape for _, array in maps] == [
            (5, 26, 26, 32),
            (5, 11, 11, 64),
            (5, 3, 3, 64),
        ]
    # the first map, rebuilt independently: conv (+ pool, batch norm) + ReLU on a fresh keras.Input
    first_layers = model.layers[: 4 if batch_norm else 1]
    inputs = keras.Input(shape=(28, 28, 1))
    outputs = inputs
    for layer in first_layers:
        outputs = layer(outputs)
    reference = keras.Model(inputs, outputs).predict(digits, verbose=0)
    np.testing.assert_allclose(maps[0][1], reference, atol=1e-5)
    assert maps[0][1].min() >= 0.0


def test_relu_feature_maps_rejects_a_model_without_conv_maps(digits):
    with pytest.raises(ValueError, match="CNN"):
        relu_feature_maps(build_dense(), digits)
