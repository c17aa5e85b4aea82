"""Models of notebook 06 (course_utils.models.applications)."""

import keras
import numpy as np
import pytest

from course_utils.models import applications


@pytest.mark.parametrize(("builder", "x_shape", "y_shape"), [
    (lambda: applications.build_face_cnn(25), (3, 25, 25, 1), (3, 1)),
    (lambda: applications.build_cifar_cnn(((4,), (8,))), (3, 32, 32, 3), (3, 10)),
    (lambda: applications.build_restoration_autoencoder(28, (4, 8)), (3, 28, 28, 1), (3, 28, 28, 1)),
    (lambda: applications.build_superres_cnn(14, 2, 4), (3, 14, 14, 1), (3, 28, 28, 1)),
])
def test_models_give_the_documented_shapes(builder, x_shape, y_shape):
    model = builder()
    assert model.predict(np.random.default_rng(0).random(x_shape, dtype=np.float32), verbose=0).shape == y_shape


def test_untrained_superres_cnn_is_exactly_bicubic():
    images = np.random.default_rng(1).random((2, 14, 14, 1)).astype(np.float32)
    bicubic = keras.ops.image.resize(images, (28, 28), interpolation="bicubic")
    np.testing.assert_allclose(applications.build_superres_cnn()(images), bicubic, atol=1e-6)


def test_time_budget_schedule_warms_up_then_follows_a_cosine():
    schedule = applications.TimeBudgetSchedule(100, peak_learning_rate=1.0, warmup_fraction=0.2)
    assert schedule.learning_rate_at(0.1) == pytest.approx(0.5)
    assert schedule.learning_rate_at(0.2) == pytest.approx(1.0)
    assert schedule.learning_rate_at(0.6) == pytest.approx(0.5)  # half way down the cosine
    assert schedule.learning_rate_at(1.0) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError):
        applications.TimeBudgetSchedule(0, 1.0)


def test_time_budget_stops_training():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    budget = applications.TimeBudgetSchedule(0.2, peak_learning_rate=0.01)
    x = np.zeros((64, 2), np.float32)
    model.fit(x, x[:, :1], batch_size=1, epochs=10_000, callbacks=[budget], verbose=0)
    assert budget.elapsed_s >= 0.2 and budget.steps < 64 * 10_000


def test_time_budget_with_max_steps_stops_after_that_many_batches():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    budget = applications.TimeBudgetSchedule(3600, peak_learning_rate=0.01, max_steps=25)
    x = np.zeros((64, 2), np.float32)
    model.fit(x, x[:, :1], batch_size=1, epochs=10, callbacks=[budget], verbose=0)
    assert budget.steps == 25
    assert float(model.optimizer.learning_rate) < 0.01 * 0.05  # annealed by the step count
    with pytest.raises(ValueError, match="max_steps"):
        applications.TimeBudgetSchedule(10, 1.0, max_steps=0)
