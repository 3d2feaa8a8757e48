"""How to train: :class:`TrainingSettings`, one typed record stored verbatim in the model file.

It also declares the limits every edge reads: the range of each numeric setting
(:data:`LIMITS`), the seeds accepted (:data:`MAX_SEED`) and the engines' names
(:data:`ENGINES`). The CLI builds its option types from them and the web app checks a page's
request by building a :class:`TrainingSettings`, so a bound is written once, here.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import asdict, dataclass
from typing import Any

from digitnet.costs import COSTS
from digitnet.errors import ConfigError
from digitnet.schedules import SCHEDULES

#: Seeds the command line and the web app accept, and draw from when none is given.
MAX_SEED = 2**32 - 1

#: Ways to run an epoch, all computing the same update to rounding (see
#: :mod:`digitnet.engines`): "compiled" runs Numba kernels, "numpy" NumPy alone,
#: "reference" the readable :mod:`digitnet.backprop`; "auto" picks the fastest that applies.
ENGINES = ("auto", "compiled", "numpy", "reference")


@dataclass(frozen=True)
class Range:
    """A closed or open interval of finite numbers, ``low`` (or above) to ``high`` (or below)."""

    low: float
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False

    def contains(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below and math.isfinite(value)

    def describe(self) -> str:
        """``above 0``, ``at least 0 and below 1``, ``at least 0 and at most 1000``."""
        text = f"{'above' if self.low_open else 'at least'} {self.low:g}"
        if self.high != math.inf:
            text += f" and {'below' if self.high_open else 'at most'} {self.high:g}"
        return text


#: The range of each real-valued setting. A learning rate of a million or an L2 lambda of a
#: million already throw any network's weights to infinity in one step; the bounds only
#: keep out typos of a magnitude no run can use.
LIMITS: dict[str, Range] = {
    "learning_rate": Range(0, 1e6, low_open=True),
    "l2": Range(0, 1e6),
    "weight_decay": Range(0, 1e3),
    "momentum": Range(0, 1, high_open=True),
    "dropout": Range(0, 1, high_open=True),
    "time_budget": Range(0, low_open=True),
    "clean_fraction": Range(0, 1),
}

#: The settings that are positive integers (``early_stopping`` also may be None).
POSITIVE_INTEGERS = ("epochs", "mini_batch_size", "patience", "early_stopping")


@dataclass(frozen=True)
class TrainingSettings:
    """Everything that defines a training run; stored verbatim in the model file.

    Chapter 1 needs only the first five; the rest are the book's later improvements, all
    off by default.

    Attributes
    ----------
    epochs, mini_batch_size, learning_rate
        Sweeps over the training set, examples per gradient estimate, and ``eta``.
    cost : {"quadratic", "cross-entropy", "log-likelihood"}
        The cost (see :mod:`digitnet.costs`); log-likelihood needs a softmax output layer.
    seed : int or None
        Drives the shuffling (and dropout and distortions).
    engine : {"auto", "compiled", "numpy", "reference"}
        How to run the epochs; all compute the same update, to rounding.
    l2 : float
        L2 regularisation ``lambda``: adds ``(lambda / 2n) sum w^2`` to the cost, ``n`` the
        training-set size, as in the book.
    momentum, nesterov
        The friction ``mu`` of momentum (0: none), and whether it is Nesterov's.
    weight_decay : float
        Decoupled weight decay ``d``: ``w <- w - eta d w`` each step.
    dropout : float
        Probability that a hidden neuron is dropped from a mini-batch.
    schedule : {"constant", "plateau", "cosine"}
        How ``eta`` changes (see :mod:`digitnet.schedules`).
    patience : int
        Epochs without a better validation accuracy before the plateau schedule halves the
        rate (the book used 10).
    early_stopping : int or None
        Stop after this many epochs without a better validation accuracy, and keep the
        weights of the best epoch.
    time_budget : float or None
        Seconds the run may take, evaluation included; the cosine schedule spans it.
    augment : bool
        Train each epoch on fresh random distortions of the training images.
    vary_ink : bool
        Also thicken or thin each image's strokes, blur and dim its ink, afresh each epoch
        (see :mod:`digitnet.augment.ink`): what pens, cameras and the pipeline do to digits.
    clean_fraction : float
        The share of the training images, drawn afresh each epoch, that ``augment`` and
        ``vary_ink`` leave as they are (without either, all are).
    expand : bool
        Train on the book's expanded set (chapter 6): every image and its four one-pixel
        shifts, five times the images in each epoch (see :mod:`digitnet.augment.shifts`).
    """

    epochs: int = 30
    mini_batch_size: int = 10
    learning_rate: float = 3.0
    cost: str = "quadratic"
    seed: int | None = None
    engine: str = "auto"
    l2: float = 0.0
    momentum: float = 0.0
    nesterov: bool = False
    weight_decay: float = 0.0
    dropout: float = 0.0
    schedule: str = "constant"
    patience: int = 10
    early_stopping: int | None = None
    time_budget: float | None = None
    augment: bool = False
    vary_ink: bool = False
    clean_fraction: float = 0.0
    expand: bool = False

    def __post_init__(self) -> None:
        for name in POSITIVE_INTEGERS:
            value = getattr(self, name)
            if value is not None or name != "early_stopping":
                _check_positive_int(name, value)
        for name, limits in LIMITS.items():
            value = getattr(self, name)
            if value is not None or name != "time_budget":
                _check_number(name, value, limits)
        seed = self.seed
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED
        ):
            raise ConfigError(f"seed must be an integer from 0 to {MAX_SEED} or None, got {seed!r}")
        for name, choices in (("cost", COSTS), ("engine", ENGINES), ("schedule", SCHEDULES)):
            value = getattr(self, name)
            if not isinstance(value, str) or value not in choices:
                raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
        for name in ("nesterov", "augment", "vary_ink", "expand"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"{name} must be True or False, got {getattr(self, name)!r}")
        if self.nesterov and not self.momentum:
            raise ConfigError("nesterov needs a momentum above 0")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _check_positive_int(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{name} must be a positive integer, got {value!r}")


def _check_number(name: str, value: Any, limits: Range) -> None:
    """A real number (not a bool) within ``limits``; an int too large for a float is not."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{name} must be a number, got {value!r}")
    try:
        inside = limits.contains(value)
    except OverflowError:  # an int too large for a float
        inside = False
    if not inside:
        raise ConfigError(f"{name} must be a finite number {limits.describe()}, got {value!r}")


def fresh_seed() -> int:
    """A random seed in 0..MAX_SEED for a run given none, to be recorded so it can repeat."""
    return secrets.randbelow(MAX_SEED + 1)
