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
    ])  # fmt: skip


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
                               expected, atol=1e-5)  # fmt: skip


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


@pytest.mark.parametrize("sparsity", [0.0, 0.5, 0.8, 0.95])
def test_pruning_reaches_the_asked_sparsity_and_removes_the_smallest_weights(sparsity):
    model = _model()
    layers = [layer for layer in model.layers if hasattr(layer, "kernel")]
    before = [layer.kernel.numpy().copy() for layer in layers]
    masks = compression.prune_by_magnitude(model, sparsity)
    assert compression.kernel_sparsity(model) == pytest.approx(sparsity, abs=1e-3)
    kept = np.concatenate([np.abs(k[m == 1]) for k, m in zip(before, masks, strict=True)])
    removed = np.concatenate([np.abs(k[m == 0]) for k, m in zip(before, masks, strict=True)])
    if len(removed):
        assert removed.max() <= kept.min()  # one global threshold
    for kernel, mask, layer in zip(before, masks, layers, strict=True):
        np.testing.assert_array_equal(layer.kernel.numpy(), kernel * mask)
    zero_count = sum(int((layer.kernel.numpy() == 0).sum()) for layer in layers)
    assert zero_count == round(sparsity * sum(k.size for k in before))


def test_keep_pruned_holds_zeros_during_fine_tuning():
    model = _model()
    masks = compression.prune_by_magnitude(model, 0.7)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    labels = np.random.default_rng(0).integers(0, 3, 40)
    model.fit(_images(), labels, epochs=2, batch_size=8, verbose=0,
              callbacks=[compression.KeepPruned(masks)])  # fmt: skip
    assert compression.kernel_sparsity(model) == pytest.approx(0.7, abs=0.01)


def test_distiller_loss_matches_a_hand_computed_kl():
    teacher, student = _model(0), _model(1)
    images = _images(8)
    labels = np.arange(8) % 3
    distiller = compression.Distiller(student, teacher, temperature=2.0, alpha=0.25)
    student_probs = student.predict(images, verbose=0).astype(np.float64)
    teacher_probs = teacher.predict(images, verbose=0).astype(np.float64)

    def soften(probs):
        scaled = np.exp(np.log(probs + 1e-8) / 2.0)
        return scaled / scaled.sum(axis=1, keepdims=True)

    soft_t, soft_s = soften(teacher_probs), soften(student_probs)
    kl = np.mean(np.sum(soft_t * (np.log(soft_t + 1e-8) - np.log(soft_s + 1e-8)), axis=1))
    hard = np.mean(-np.log(student_probs[np.arange(8), labels]))
    expected = 0.25 * hard + 0.75 * 4.0 * kl
    got = float(distiller.compute_loss(x=images, y=labels, y_pred=student(images)))
    assert got == pytest.approx(expected, rel=1e-4)
    distiller.compile(optimizer="adam", metrics=["accuracy"])
    history = distiller.fit(images, labels, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
