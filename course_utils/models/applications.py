"""Training helpers for the applications notebooks (06_2, 06_3, 06_5).

The models themselves are written in the notebooks; this module keeps
:class:`TimeBudgetSchedule`, which trains for a fixed wall-clock budget.
"""

from __future__ import annotations

import keras

from .._validation import check_in_range, check_positive_int, check_positive_number

__all__ = ["TimeBudgetSchedule"]


class TimeBudgetSchedule(keras.callbacks.Callback):
    """Train for a fixed wall-clock budget, with a learning rate that follows the clock.

    The learning rate rises linearly during the first ``warmup_fraction`` of
    the budget, then falls along a cosine curve to zero at the end of the
    budget, where training stops (even in the middle of an epoch). So a slow
    machine runs fewer epochs, but every run ends with a fully annealed
    learning rate ("budgeted training", Li, Yumer and Ramanan, ICLR 2020).
    The clock starts after the first batch, which includes the one-off
    compilation of the training step.

    Parameters
    ----------
    budget_s : float
        Training time in seconds.
    peak_learning_rate : float
    warmup_fraction : float, default 0.15
    max_steps : int, optional
        Also stop after this many batches; the schedule then follows whichever
        of time and steps runs out first (fast mode uses it, so that a loaded
        machine still trains the same number of batches).

    Attributes
    ----------
    elapsed_s : float
        Seconds trained so far.
    steps : int
        Batches trained so far.
    """

    def __init__(self, budget_s: float, peak_learning_rate: float, warmup_fraction: float = 0.15,
                 max_steps: int | None = None):
        super().__init__()
        self.budget_s = check_positive_number(budget_s, "budget_s")
        self.peak_learning_rate = check_positive_number(peak_learning_rate, "peak_learning_rate")
        self.warmup_fraction = check_in_range(warmup_fraction, "warmup_fraction", 0.0, 1.0, high_open=True)
        self.max_steps = None if max_steps is None else check_positive_int(max_steps, "max_steps")
        self.elapsed_s = 0.0
        self.steps = 0
        self._start = None

    def learning_rate_at(self, fraction: float) -> float:
        """The learning rate after ``fraction`` (0-1) of the budget."""
        import math

        if fraction < self.warmup_fraction:
            return self.peak_learning_rate * max(fraction / self.warmup_fraction, 0.02)
        progress = (fraction - self.warmup_fraction) / (1 - self.warmup_fraction)
        return self.peak_learning_rate * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))

    def on_train_begin(self, logs=None):
        self._start = None
        self.model.optimizer.learning_rate = self.learning_rate_at(0.0)

    def on_train_batch_end(self, batch, logs=None):
        import time

        self.steps += 1
        if self._start is None:  # the clock starts after the first batch (which also compiles)
            self._start = time.perf_counter()
            return
        self.elapsed_s = time.perf_counter() - self._start
        fraction = self.elapsed_s / self.budget_s
        if self.max_steps is not None:
            fraction = max(fraction, self.steps / self.max_steps)
        if fraction >= 1.0:
            self.model.stop_training = True
        else:
            self.model.optimizer.learning_rate = self.learning_rate_at(fraction)
