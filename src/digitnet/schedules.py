"""Learning-rate schedules: how the step size ``eta`` changes while a network trains.

- constant: ``eta`` throughout, as in chapter 1.
- plateau (chapter 3): divide ``eta`` by 2 whenever the validation accuracy has not improved
  for ``patience`` epochs, and stop once it has fallen to 1/128 of its first value.
- cosine: ``eta(t) = eta_0 (1 + cos(pi t)) / 2`` as the run's progress ``t`` goes from 0 to
  1, large steps first and ever finer ones at the end. Progress is the share of the epochs
  done, or, with a time budget, the share of the time spent, so that a run ends on time
  with its finest steps.
"""

from __future__ import annotations

import math

#: The plateau schedule divides the rate by this when validation accuracy stalls...
PLATEAU_FACTOR = 2.0
#: ...and training stops when the rate has fallen to this fraction of its first value.
PLATEAU_FLOOR = 1 / 128

#: The schedules ``TrainingSettings.schedule`` may name.
SCHEDULES = ("constant", "plateau", "cosine")


def cosine_rate(initial: float, progress: float) -> float:
    """``eta_0 (1 + cos(pi t)) / 2`` for progress ``t`` in 0..1 (clipped to it)."""
    t = min(max(progress, 0.0), 1.0)
    return initial * 0.5 * (1.0 + math.cos(math.pi * t))


class PlateauSchedule:
    """Chapter 3's rule: halve the rate after ``patience`` epochs without a better
    validation accuracy; ``exhausted`` once it is down to 1/128 of the first rate."""

    def __init__(self, initial: float, patience: int) -> None:
        self.initial, self.rate, self.patience = initial, initial, patience
        self.best: int | None = None
        self.stale_epochs = 0

    def end_epoch(self, validation_correct: int) -> None:
        """Take the epoch's validation result and adjust the rate."""
        if self.best is None or validation_correct > self.best:
            self.best, self.stale_epochs = validation_correct, 0
            return
        self.stale_epochs += 1
        if self.stale_epochs >= self.patience:
            self.rate /= PLATEAU_FACTOR
            self.stale_epochs = 0

    @property
    def exhausted(self) -> bool:
        return self.rate < self.initial * PLATEAU_FLOOR * (1 + 1e-9)
