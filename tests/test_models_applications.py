"""TimeBudgetSchedule (course_utils.models.applications)."""

import keras
import numpy as np
import pytest

from course_utils.models import applications


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
