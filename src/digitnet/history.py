"""What happened in a training run: :class:`History`, per epoch, stored in the model file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

import numpy as np

from digitnet.errors import ModelFileError
from digitnet.settings import TrainingSettings


class RunEnd(str, Enum):
    """Why a training run ended; its value is what the model file records."""

    COMPLETED = "completed"  # every epoch ran
    INTERRUPTED = "interrupted"  # Ctrl-C, or the caller's should_stop
    DIVERGED = "diverged"  # the weights blew up (see Network.overflow_problem)
    TIME_BUDGET = "time budget"
    EARLY_STOPPING = "early stopping"  # validation accuracy stopped improving
    RATE_EXHAUSTED = "learning rate down to 1/128"  # the plateau schedule gave up


#: Model files before :class:`RunEnd` recorded the end in three fields; ``stopped`` held
#: these texts.
_LEGACY_STOPS = {end.value: end for end in RunEnd}
_LEGACY_FIELDS = ("interrupted", "stopped", "diverged_epoch")
#: A run whose best validation accuracy stays below this has stalled: it never learned to
#: do much better than chance (10%). A run that learns, however little its network can
#: (the 84% of a [784, 10] network), has not.
STALLED_ACCURACY = 0.2
#: The monitored data set that schedules, early stopping and the health of a run watch.
VALIDATION = "validation"


def is_stalled(validation: Sequence[float]) -> bool:
    """Whether a run with these per-epoch validation accuracies stalled.

    A run stalls when no epoch got above :data:`STALLED_ACCURACY`: it stayed near chance,
    not learning. False for a run with no epoch, which says nothing yet.
    """
    return bool(validation) and max(validation) < STALLED_ACCURACY


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
        """The epoch after which the weights had blown up, or None."""
        return self.epochs_run if self.end is RunEnd.DIVERGED else None

    @property
    def accuracy(self) -> dict[str, list[float]]:
        return {k: [c / self.total[k] for c in v] for k, v in self.correct.items()}

    @property
    def stalled(self) -> bool:
        """Whether the run stayed near chance: see :func:`is_stalled` (False unmonitored)."""
        return is_stalled(self.accuracy.get(VALIDATION, []))

    def best_epoch(self, name: str) -> int:
        """The epoch (1-based) with the most correct answers on data set ``name``."""
        return int(np.argmax(self.correct[name])) + 1

    def final_accuracy(self, name: str) -> float | None:
        """Accuracy on ``name`` of the weights the run ended with: the last epoch's, or under
        early stopping the kept epoch's; None if no epoch finished or ``name`` is unmonitored.
        """
        if not self.epochs_run or name not in self.correct:
            return None
        return self.accuracy[name][(self.kept_epoch or self.epochs_run) - 1]

    def unhealthy(self) -> str | None:
        """Why the run's weights should not replace a trained model unasked, or None.

        A run is healthy when it ended on its own (not interrupted) with finite weights and
        did not stall (see :attr:`stalled`).
        """
        if self.epochs_run == 0:
            return "no epoch finished"
        if self.end is RunEnd.DIVERGED:
            return "the run diverged"
        if self.interrupted or self.end is None:
            return "the run was interrupted"
        if self.stalled:
            best = max(self.accuracy[VALIDATION])
            return f"the run stalled near chance (best validation {best:.2%})"
        return None

    def to_dict(self) -> dict[str, Any]:
        record = asdict(self)
        record["settings"] = self.settings.to_dict()
        record["end"] = None if self.end is None else self.end.value
        return record

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> History:
        """The history :meth:`to_dict` wrote, or one in the three-field form of older files.

        Every field is checked, so that a damaged or hostile record fails here, in one
        line, and not later in whatever reads it (a plot, the web page).

        Raises
        ------
        ModelFileError
            If a field is missing, unknown, of the wrong type, or disagrees with the others.
        """
        if not isinstance(record, Mapping):
            raise ModelFileError(f"history must be a JSON object, got {type(record).__name__}")
        unknown = set(record) - set(cls.__dataclass_fields__) - set(_LEGACY_FIELDS)
        if unknown:
            raise ModelFileError(f"history has an unknown field {sorted(unknown)[0]!r}")
        fields = dict(record)
        if not isinstance(fields.get("settings"), Mapping):
            raise ModelFileError("history field 'settings' must be a JSON object")
        fields["settings"] = TrainingSettings(**fields["settings"])
        if "end" in fields:
            fields["end"] = None if fields["end"] is None else RunEnd(fields["end"])
        else:
            fields["end"] = _legacy_end(
                fields.pop("interrupted", False),
                fields.pop("stopped", None),
                fields.pop("diverged_epoch", None),
            )
        history = cls(**fields)
        _check(history)
        return history


def _legacy_end(interrupted: Any, stopped: Any, diverged_epoch: Any) -> RunEnd | None:
    if diverged_epoch is not None:
        return RunEnd.DIVERGED
    if interrupted:
        return RunEnd.INTERRUPTED
    if stopped is not None:
        return _LEGACY_STOPS[stopped]
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check(history: History) -> None:
    """Types, ranges and lengths of a history read from a file (see :meth:`from_dict`)."""
    epochs = len(history.seconds) if isinstance(history.seconds, list) else -1

    def fail(name: str, expected: str) -> None:
        raise ModelFileError(f"history field {name!r} must be {expected}")

    if epochs < 0 or not all(_is_number(t) and t >= 0 for t in history.seconds):
        fail("seconds", "a list of non-negative numbers")
    for name, table in (("correct", history.correct), ("cost", history.cost)):
        if not isinstance(table, dict) or set(table) != set(history.total):
            fail(name, "an object with a list for each monitored data set")
    if not isinstance(history.total, dict) or not all(
        isinstance(k, str) and _is_int(n) and n >= 1 for k, n in history.total.items()
    ):
        fail("total", "an object of positive integers")
    for name, counts in history.correct.items():
        if not isinstance(counts, list) or len(counts) != epochs:
            fail("correct", f"a list of {epochs} counts for each data set")
        if not all(_is_int(c) and 0 <= c <= history.total[name] for c in counts):
            fail("correct", f"counts from 0 to {history.total[name]} for {name!r}")
    for costs in history.cost.values():
        if not isinstance(costs, list) or len(costs) != epochs or not all(map(_is_number, costs)):
            fail("cost", f"a list of {epochs} numbers for each data set")
    if not isinstance(history.learning_rates, list) or len(history.learning_rates) not in (
        0,
        epochs,
    ):
        fail("learning_rates", f"a list of {epochs} numbers")
    if not all(_is_number(r) for r in history.learning_rates):
        fail("learning_rates", "a list of numbers")
    saturation = history.saturation
    if not isinstance(saturation, list) or len(saturation) not in (0, epochs):
        fail("saturation", f"a list of {epochs} fractions or nulls")
    if not all(v is None or (_is_number(v) and 0 <= v <= 1) for v in saturation):
        fail("saturation", "fractions from 0 to 1 or nulls")
    if history.engine is not None and not isinstance(history.engine, str):
        fail("engine", "a string or null")
    if history.kept_epoch is not None and not (
        _is_int(history.kept_epoch) and 1 <= history.kept_epoch <= epochs
    ):
        fail("kept_epoch", f"an epoch from 1 to {epochs} or null")
    if not _is_number(history.elapsed) or not history.elapsed >= 0:
        fail("elapsed", "a non-negative number")
