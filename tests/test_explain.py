"""Tests for course_utils.explain: saliency, Grad-CAM, occlusion, sanity check."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_utils import explain


def _sequential(seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([
        keras.Input(shape=(12, 12, 1)),
        keras.layers.Conv2D(4, 3, activation="relu", name="conv_a"),
        keras.layers.Conv2D(6, 3, activation="relu", name="conv_b"),
        keras.layers.Flatten(),
        keras.layers.Dense(3, activation="softmax", name="out"),
    ])


def _functional(seed=0):
    keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape=(12, 12, 1))
    features = keras.layers.Conv2D(5, 3, activation="relu", name="conv")(inputs)
    pooled = keras.layers.GlobalAveragePooling2D()(features)
    outputs = keras.layers.Dense(3, activation="softmax", name="out")(pooled)
    return keras.Model(inputs, outputs)


def _images(count=3, seed=1):
    return np.random.default_rng(seed).random((count, 12, 12, 1)).astype(np.float32)


@pytest.fixture(params=["sequential", "functional", "loaded"])
def model(request, tmp_path):
    if request.param == "functional":
        return _functional()
    built = _sequential()
    if request.param == "loaded":
        path = tmp_path / "model.keras"
        built.save(path)
        return keras.models.load_model(path)
    return built


@pytest.mark.parametrize("method", ["saliency", "grad_cam", "occlusion"])
def test_maps_have_the_input_spatial_shape(model, method):
    images = _images()
    function = {"saliency": explain.saliency_map, "grad_cam": explain.grad_cam,
                "occlusion": explain.occlusion_map}[method]
    maps = function(model, images)
    assert maps.shape == (3, 12, 12)
    assert np.all(np.isfinite(maps))


def test_saliency_equals_the_logit_gradient_computed_by_hand():
    model = _sequential()
    images = _images(2)
    dense = model.get_layer("out")
    batch = tf.convert_to_tensor(images)
    with tf.GradientTape() as tape:
        tape.watch(batch)
        hidden = batch
        for layer in model.layers[:-1]:
            hidden = layer(hidden)
        logits = tf.matmul(hidden, dense.kernel) + dense.bias
        chosen = tf.reduce_sum(logits[:, 1])
    expected = np.abs(tape.gradient(chosen, batch).numpy())[..., 0]
    np.testing.assert_allclose(explain.saliency_map(model, images, class_index=1), expected,
                               rtol=1e-5, atol=1e-7)


def test_grad_cam_matches_a_manual_computation_on_a_functional_model():
    model = _functional()
    images = _images(2)
    tap = keras.Model(model.inputs[0], [model.get_layer("conv").output,
                                      model.get_layer("out").input])
    dense = model.get_layer("out")
    with tf.GradientTape() as tape:
        feature_maps, pooled = tap(images)
        logits = tf.matmul(pooled, dense.kernel) + dense.bias
        score = tf.reduce_sum(logits[:, 2])
    weights = tf.reduce_mean(tape.gradient(score, feature_maps), axis=(1, 2), keepdims=True)
    cam = tf.nn.relu(tf.reduce_sum(weights * feature_maps, axis=-1, keepdims=True))
    cam = tf.image.resize(cam, (12, 12))[..., 0].numpy()
    cam /= np.maximum(cam.reshape(2, -1).max(axis=1), 1e-12)[:, None, None]
    np.testing.assert_allclose(explain.grad_cam(model, images, class_index=2), cam, atol=1e-5)


def test_maps_respond_to_the_explained_class():
    model = _sequential()
    images = _images(4)
    for function in (explain.saliency_map, explain.grad_cam):
        first = function(model, images, class_index=0)
        second = function(model, images, class_index=2)
        assert not np.allclose(first, second), function.__name__
    default = explain.saliency_map(model, images)
    predicted = model.predict(images, verbose=0).argmax(axis=1)
    np.testing.assert_allclose(default, explain.saliency_map(model, images, class_index=predicted))


def test_occlusion_finds_the_only_pixels_a_hand_made_model_looks_at():
    # The class-1 logit reads only the top-left 4x4 corner; hiding it must drop p(class 1).
    inputs = keras.Input(shape=(12, 12, 1))
    flat = keras.layers.Flatten()(inputs)
    outputs = keras.layers.Dense(2, activation="softmax")(flat)
    model = keras.Model(inputs, outputs)
    kernel = np.zeros((144, 2), dtype=np.float32)
    corner = np.zeros((12, 12), dtype=np.float32)
    corner[:4, :4] = 1.0
    kernel[:, 1] = corner.ravel()
    model.layers[-1].set_weights([kernel, np.zeros(2, dtype=np.float32)])
    images = np.ones((1, 12, 12, 1), dtype=np.float32)
    maps = explain.occlusion_map(model, images, class_index=1, patch_size=4, stride=4)
    assert maps[0, :4, :4].min() > 0.1
    assert np.allclose(maps[0, 4:, :], 0) and np.allclose(maps[0, :, 4:], 0)


def test_grad_cam_finds_the_last_convolution():
    assert explain.find_last_conv_layer(_sequential()) == "conv_b"
    with pytest.raises(ValueError, match="no Conv2D"):
        explain.find_last_conv_layer(keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]))


def test_randomized_model_has_new_weights_and_leaves_the_original_alone():
    model = _sequential()
    before = [weight.copy() for weight in model.get_weights()]
    clone = explain.randomize_weights(model, seed=5)
    assert clone.output_shape == model.output_shape
    for kept, original in zip(model.get_weights(), before, strict=False):
        np.testing.assert_array_equal(kept, original)
    kernels = [w for w in clone.get_weights() if w.ndim > 1]
    assert all(not np.allclose(new, old) for new, old in zip(kernels, [w for w in before if w.ndim > 1], strict=False))


def test_randomize_weights_leaves_the_global_random_state_alone():
    import random

    model = _sequential()

    def draws():
        return (random.random(), np.random.random(), float(keras.random.uniform(()).numpy()))

    keras.utils.set_random_seed(123)
    expected = draws()
    keras.utils.set_random_seed(123)
    first = explain.randomize_weights(model, seed=5)
    assert draws() == expected
    second = explain.randomize_weights(model, seed=5)  # same seed, same weights
    for a, b in zip(first.get_weights(), second.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    third = explain.randomize_weights(model, seed=6)
    assert not np.allclose(first.get_weights()[0], third.get_weights()[0])


def test_map_correlation_matches_scipy_spearman():
    from scipy.stats import spearmanr

    rng = np.random.default_rng(0)
    maps_a, maps_b = rng.random((3, 5, 5)), rng.random((3, 5, 5))
    maps_b[0] = maps_a[0] * 2 + 1
    expected = [spearmanr(a.ravel(), b.ravel()).statistic for a, b in zip(maps_a, maps_b, strict=False)]
    np.testing.assert_allclose(explain.map_correlation(maps_a, maps_b), expected, atol=1e-12)
    assert explain.map_correlation(maps_a, maps_b)[0] == pytest.approx(1.0)


def test_map_correlation_of_a_constant_map_is_undefined_not_a_pass():
    rng = np.random.default_rng(0)
    maps_a, maps_b = rng.random((2, 4, 4)), rng.random((2, 4, 4))
    maps_b[1] = 0.0  # an all-zero Grad-CAM map
    correlations = explain.map_correlation(maps_a, maps_b)
    assert np.isfinite(correlations[0]) and np.isnan(correlations[1])


def test_channel_weights_are_the_spatial_mean_of_the_gradients():
    gradients = np.arange(2 * 2 * 3 * 2, dtype=np.float32).reshape(2, 2, 3, 2)
    np.testing.assert_allclose(explain.channel_weights(gradients), [[5, 6], [17, 18]])
    with pytest.raises(ValueError, match="N, h, w, K"):
        explain.channel_weights(np.zeros((2, 3)))


def test_signed_saliency_is_the_gradient_itself():
    model, images = _sequential(), _images()
    signed = explain.saliency_map(model, images, absolute=False)
    np.testing.assert_allclose(np.abs(signed), explain.saliency_map(model, images), rtol=1e-6)
    assert (signed < 0).any() and (signed > 0).any()


def test_wrong_shapes_are_rejected_with_a_clear_message():
    with pytest.raises(ValueError, match="batch"):
        explain.saliency_map(_sequential(), np.zeros((2, 12, 12)))
