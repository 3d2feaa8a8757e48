"""What a sweep runs: a grid over ``train``'s options (or random points of it), times seeds.

A :class:`Sweep` maps options (any override of :func:`digitnet.recipes.recipe`, and
``training_size``) to the values to try; its :meth:`~Sweep.runs` are every point of the grid
(or ``samples`` of them drawn at random) with every seed. Each :class:`Run` is named by
:func:`run_id`, a hash of the recipe it resolves to and its data, so that the same run asked
twice (by another sweep, after a kill) is known as done.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

from digitnet.errors import ConfigError
from digitnet.mnist_shape import check_classifier_sizes
from digitnet.recipes import NETWORK_FIELDS, PRESETS, Recipe, recipe
from digitnet.settings import MAX_SEED, TrainingSettings

#: The options a sweep may vary: the preset, every field of a recipe but the seed (the seeds
#: are their own axis), and the slice of the training images.
TRAINING_SIZE = "training_size"
PRESET = "preset"
OPTIONS = (
    PRESET,
    *NETWORK_FIELDS,
    *(name for name in TrainingSettings.__dataclass_fields__ if name != "seed"),
    TRAINING_SIZE,
)
#: A sweep of more runs than this is a typo, not a plan.
MAX_RUNS = 100_000
#: Bumped when the meaning of a run's identity changes: old results are then not reused.
ID_VERSION = 1
ID_LENGTH = 16
#: The training settings that are real numbers (annotated ``float`` or ``float | None``).
REAL_SETTINGS = tuple(f.name for f in fields(TrainingSettings) if str(f.type).startswith("float"))


def _frozen(value: Any) -> Any:
    """Lists (from TOML, JSON or Python) as tuples, so that values hash and compare alike."""
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


@dataclass(frozen=True)
class Run:
    """One run of a sweep: a preset, the options that override it, a seed.

    ``options`` may name a ``preset`` of their own, which then replaces ``preset``.
    """

    preset: str
    options: tuple[tuple[str, Any], ...]
    seed: int
    validation_size: int | None = None

    @property
    def settings(self) -> dict[str, Any]:
        """The options as a dict, ``training_size`` included."""
        return dict(self.options)

    @property
    def training_size(self) -> int | None:
        return self.settings.get(TRAINING_SIZE)

    @property
    def base(self) -> str:
        """The preset the other options override."""
        return str(self.settings.get(PRESET, self.preset))

    def recipe(self) -> Recipe:
        """The recipe of this run: the preset, the options, the seed (checked once, there)."""
        given = {k: v for k, v in self.options if k not in (TRAINING_SIZE, PRESET)}
        return recipe(self.base, seed=self.seed, **given)

    @property
    def id(self) -> str:
        return run_id(self)


def run_id(run: Run) -> str:
    """A hash of what the run computes: its resolved recipe (seed included) and its data.

    Two runs with the same id train the same network the same way on the same images,
    however their options were spelled (``--preset book --epochs 30`` is ``--epochs 30``).
    """
    resolved = asdict(run.recipe())
    for name in REAL_SETTINGS:  # 3 and 3.0 are the same learning rate, and one run
        value = resolved["settings"][name]
        if isinstance(value, int) and not isinstance(value, bool):
            resolved["settings"][name] = float(value)
    identity = {
        "version": ID_VERSION,
        "recipe": resolved,
        TRAINING_SIZE: run.training_size,
        "validation_size": run.validation_size,
    }
    text = json.dumps(identity, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:ID_LENGTH]


@dataclass(frozen=True)
class Sweep:
    """A grid over ``train``'s options, times seeds; or ``samples`` random points of it.

    Parameters
    ----------
    grid : mapping of option name to values
        E.g. ``{"learning_rate": [0.1, 0.5, 3.0], "sizes": [(784, 30, 10)]}``; names as in
        :data:`OPTIONS` (``train``'s options with underscores), a single value for an option
        held fixed.
    seeds : sequence of int
        Every point runs once per seed.
    preset : str
        The recipe the options override (a key of :data:`digitnet.recipes.PRESETS`).
    samples : int, optional
        Run only this many points of the grid, drawn at random without replacement.
    sample_seed : int
        Seed of that draw.
    validation_size : int, optional
        Images of the training file kept to validate (default: MNIST's 10,000).
    """

    grid: Mapping[str, Any] = field(default_factory=dict)
    seeds: Sequence[int] = (1,)
    preset: str = "book"
    samples: int | None = None
    sample_seed: int = 0
    validation_size: int | None = None

    def __post_init__(self) -> None:
        if self.preset not in PRESETS:
            raise ConfigError(f"preset must be one of {', '.join(PRESETS)}, got {self.preset!r}")
        grid = {}
        for name, values in self.grid.items():
            if name not in OPTIONS:
                raise ConfigError(f"a sweep cannot vary {name!r}: options are {', '.join(OPTIONS)}")
            if not isinstance(values, list | tuple) or (name == "sizes" and _is_sizes(values)):
                values = [values]  # one value, held fixed
            if not values:
                raise ConfigError(f"{name}: no value to try")
            grid[name] = tuple(dict.fromkeys(_frozen(v) for v in values))  # repeats once
        object.__setattr__(self, "grid", grid)
        seeds = tuple(self.seeds)
        if not seeds or any(
            isinstance(s, bool) or not isinstance(s, int) or not 0 <= s <= MAX_SEED for s in seeds
        ):
            raise ConfigError(f"seeds must be integers from 0 to {MAX_SEED}, got {self.seeds!r}")
        object.__setattr__(self, "seeds", tuple(dict.fromkeys(seeds)))
        self._check_counts()
        if (
            isinstance(self.sample_seed, bool)
            or not isinstance(self.sample_seed, int)
            or (self.sample_seed < 0)
        ):
            raise ConfigError(f"sample_seed must be a whole number >= 0, got {self.sample_seed!r}")
        for point in self.points():  # every point's recipe, checked before anything runs
            run = Run(self.preset, point, self.seeds[0], self.validation_size)
            check_classifier_sizes(run.recipe().sizes, "sizes")
            _check_training_size(run.training_size)

    def _check_counts(self) -> None:
        size = self.grid_size
        if self.samples is not None:
            if isinstance(self.samples, bool) or not isinstance(self.samples, int):
                raise ConfigError(f"samples must be a positive integer, got {self.samples!r}")
            if not 1 <= self.samples <= size:
                raise ConfigError(
                    f"samples must be from 1 to the grid's {size:,} points, got {self.samples}"
                )
        runs = (self.samples or size) * len(self.seeds)
        if runs > MAX_RUNS:
            raise ConfigError(f"the sweep has {runs:,} runs, more than {MAX_RUNS:,}")

    @property
    def grid_size(self) -> int:
        return math.prod(len(values) for values in self.grid.values())

    @property
    def swept(self) -> tuple[str, ...]:
        """The options given more than one value, in the grid's order."""
        return tuple(name for name, values in self.grid.items() if len(values) > 1)

    def points(self) -> list[tuple[tuple[str, Any], ...]]:
        """The grid's points (or the samples drawn, in the grid's order), as (name, value)."""
        names = list(self.grid)
        every = itertools.product(*self.grid.values())
        if self.samples is None:
            return [tuple(zip(names, values)) for values in every]
        rng = np.random.default_rng(self.sample_seed)
        chosen = set(rng.choice(self.grid_size, size=self.samples, replace=False).tolist())
        return [tuple(zip(names, v)) for i, v in enumerate(every) if i in chosen]

    def runs(self) -> list[Run]:
        """Every run: each point with each seed, point by point."""
        return [
            Run(self.preset, point, seed, self.validation_size)
            for point in self.points()
            for seed in self.seeds
        ]


def _is_sizes(values: Sequence[Any]) -> bool:
    """Whether ``values`` is one network's sizes (integers), not a list of networks."""
    return all(isinstance(v, int) and not isinstance(v, bool) for v in values)


def _check_training_size(size: Any) -> None:
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
        raise ConfigError(f"training_size must be a positive integer, got {size!r}")
