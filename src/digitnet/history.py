"""What happened in a training run: :class:`History`, per epoch, stored in the model file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

import numpy as np

from digitnet.settings import TrainingSettings


class RunEnd(str, Enum):
    """Why a training run ended; its value is what the model file records."""

    COMPLETED = "completed"  # every epoch ran
    INTERRUPTED = "interrupted"  # Ctrl-C, or the caller's should_stop
    DIVERGED = "diverged"  # a weight became non-finite (the learning rate is too large)
    TIME_BUDGET = "time budget"
    EARLY_STOPPING = "early stopping"  # validation accuracy stopped improving
    RATE_EXHAUSTED = "learning rate down to 1/128"  # the plateau schedule gave up


#: Model files before :class:`RunEnd` recorded the end in three fields; ``stopped`` held
#: these texts.
_LEGACY_STOPS = {end.value: end for end in RunEnd}


@dataclass
class History:
    """What happened in each epoch of a training run.

    ``correct[name][i]``, ``accuracy[name][i]`` and ``cost[name][i]`` are measured on the
    monitored data set ``name`` (e.g. ``"validation"``) after epoch ``i + 1``;
    ``seconds[i]`` is the time spent training in that epoch (evaluation not included),
    ``learning_rates[i]`` the rate at its end, ``saturation[i]`` the fraction of saturated
    hidden neurons on the validation set (see :mod:`digitnet.saturation`). ``end`` says why
    the run ended (None while it runs), ``kept_epoch`` whose weights early stopping kept,
    ``elapsed`` the wall time of the whole run so far.
    """

    settings: TrainingSettings
    seconds: list[float] = field(default_factory=list)
    correct: dict[str, list[int]] = field(default_factory=dict)
    total: dict[str, int] = field(default_factory=dict)
    cost: dict[str, list[float]] = field(default_factory=dict)
    end: RunEnd | None = None
    engine: str | None = None
    learning_rates: list[float] = field(default_factory=list)
    saturation: list[float | None] = field(default_factory=list)
    kept_epoch: int | None = None
    elapsed: float = 0.0

    @property
    def epochs_run(self) -> int:
        return len(self.seconds)

    @property
    def interrupted(self) -> bool:
        return self.end is RunEnd.INTERRUPTED

    @property
    def diverged_epoch(self) -> int | None:
        """The epoch after which the weights were non-finite, or None."""
        return self.epochs_run if self.end is RunEnd.DIVERGED else None

    @property
    def accuracy(self) -> dict[str, list[float]]:
        return {k: [c / self.total[k] for c in v] for k, v in self.correct.items()}

    def best_epoch(self, name: str) -> int:
        """The epoch (1-based) with the most correct answers on data set ``name``."""
        return int(np.argmax(self.correct[name])) + 1

    def to_dict(self) -> dict[str, Any]:
        record = asdict(self)
        record["settings"] = self.settings.to_dict()
        record["end"] = None if self.end is None else self.end.value
        return record

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> History:
        """The history :meth:`to_dict` wrote, or one in the three-field form of older files."""
        fields = dict(record)
        fields["settings"] = TrainingSettings(**fields["settings"])
        if "end" in fields:
            fields["end"] = None if fields["end"] is None else RunEnd(fields["end"])
        else:
            fields["end"] = _legacy_end(
                fields.pop("interrupted", False),
                fields.pop("stopped", None),
                fields.pop("diverged_epoch", None),
            )
        return cls(**fields)


def _legacy_end(interrupted: Any, stopped: Any, diverged_epoch: Any) -> RunEnd | None:
    if diverged_epoch is not None:
        return RunEnd.DIVERGED
    if interrupted:
        return RunEnd.INTERRUPTED
    if stopped is not None:
        return _LEGACY_STOPS[stopped]
    return None
