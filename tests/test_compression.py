"""Tests for course_utils.compression: TFLite round trips, pruning, distillation."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from course_utils import compression


def _model(seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([
        keras.Input(shape=(10, 10, 1)),
        keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(3, activation="softmax"),
    ])


def _images(count=40, seed=1):
    return np.random.default_rng(seed).random((count, 10, 10, 1)).astype(np.float32)


@pytest.fixture(scope="module")
def model():
    return _model()


def test_float_tflite_model_reproduces_keras_outputs(model):
    images = _images()
    flat_buffer = compression.convert_to_tflite(model, "float")
    expected = model.predict(images, verbose=0)
    np.testing.assert_allclose(compression.tflite_predict(flat_buffer, images, batch_size=16),
                               expected, atol=1e-5)


def test_quantised_models_are_smaller_and_close_to_keras(model):
    images = _images(100)
    expected = model.predict(images, verbose=0)
    sizes = {}
    for mode in ("float", "dynamic", "int8"):
        flat_buffer = compression.convert_to_tflite(model, mode, representative_images=images)
        sizes[mode] = len(flat_buffer)
        outputs = compression.tflite_predict(flat_buffer, images)
        assert outputs.shape == expected.shape
        assert np.abs(outputs - expected).max() < 0.05, mode
    assert sizes["int8"] < sizes["float"] and sizes["dynamic"] < sizes["float"]


def test_int8_needs_a_representative_dataset(model):
    with pytest.raises(ValueError, match="representative"):
        compression.convert_to_tflite(model, "int8")
    with pytest.raises(ValueError, match="mode"):
        compression.convert_to_tflite(model, "int4")


def test_latency_is_a_small_positive_time(model):
    latency = compression.tflite_latency(compression.convert_to_tflite(model), _images(5), repeats=1)
    assert 0 < latency < 1
