"""Run mode and seeding (course_utils.config)."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import config


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("YES", True),
                                             ("0", False), ("", False), ("off", False)])
def test_is_fast_reads_course_fast(monkeypatch, value, expected):
    monkeypatch.setenv("COURSE_FAST", value)
    assert config.is_fast() is expected
    assert config.mode_name() == ("fast" if expected else "full")


def test_full_mode_is_the_default(monkeypatch):
    monkeypatch.delenv("COURSE_FAST", raising=False)
    assert config.is_fast() is False
    assert config.pick(full=60000, fast=500) == 60000


def test_pick_returns_the_fast_value_in_fast_mode(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    assert config.pick(full=10, fast=1) == 1


def test_unclear_course_fast_value_is_an_error(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "maybe")
    with pytest.raises(ValueError, match="COURSE_FAST"):
        config.is_fast()


def test_set_seed_makes_numpy_and_keras_repeatable():
    import keras

    config.set_seed(7)
    first = (np.random.rand(3), keras.random.normal((3,)).numpy())
    config.set_seed(7)
    second = (np.random.rand(3), keras.random.normal((3,)).numpy())
    config.set_seed(8)
    third = np.random.rand(3)
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])
    assert not np.array_equal(first[0], third)


def test_set_seed_makes_layer_initialisation_repeatable():
    import keras

    config.set_seed(3)
    first = keras.layers.Dense(4)
    first.build((None, 5))
    config.set_seed(3)
    second = keras.layers.Dense(4)
    second.build((None, 5))
    assert np.array_equal(first.kernel.numpy(), second.kernel.numpy())


@pytest.mark.parametrize("bad_seed", [-1, 1.5, "42", True])
def test_set_seed_rejects_bad_seeds(bad_seed):
    with pytest.raises(ValueError, match="seed"):
        config.set_seed(bad_seed)


def test_same_seed_gives_the_same_trained_weights():
    import keras

    def train_once():
        config.set_seed(11)
        inputs = np.random.rand(256, 8, 8, 1).astype(np.float32)
        labels = np.random.randint(0, 3, 256)
        model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
                                  keras.layers.Flatten(), keras.layers.Dropout(0.2),
                                  keras.layers.Dense(3, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy")
        model.fit(inputs, labels, batch_size=32, epochs=2, shuffle=True, verbose=0)
        return model.get_weights()

    first, second = train_once(), train_once()
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))
