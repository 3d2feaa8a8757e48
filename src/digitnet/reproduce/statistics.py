"""The statistics of each row of the table over its runs: mean, spread, stalled runs, curves."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from digitnet.reproduce.runs import RunResult
from digitnet.reproduce.table import NETWORK, Experiment

#: The monitored data sets, in the order the curves are drawn.
CURVE_SETS = ("validation", "test")


@dataclass(frozen=True)
class RowSummary:
    """The statistics of one row over its runs; accuracies are on the test images.

    ``mean``, ``std`` (sample standard deviation, None for one run), ``median``, ``low``
    and ``high`` describe the runs' ``accuracy`` (best epoch for a network); ``stalled``
    counts network runs that stalled near chance (see :func:`~digitnet.history.is_stalled`;
    None for a baseline);
    ``saturation_start``, ``saturation_end`` and ``z_spread_start`` are means over the runs
    (None without a hidden layer); ``handwriting`` is the mean accuracy on digitnet's own
    handwriting set (None if not scored); ``missing`` says why no run could happen.
    """

    experiment: Experiment
    runs: int
    mean: float | None = None
    std: float | None = None
    median: float | None = None
    low: float | None = None
    high: float | None = None
    stalled: int | None = None
    diverged: int = 0
    test_at_best_validation: float | None = None
    saturation_start: float | None = None
    saturation_end: float | None = None
    z_spread_start: float | None = None
    seconds: float = 0.0
    handwriting: float | None = None
    missing: str | None = None


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.fmean(present) if present else None


def summarise(experiment: Experiment, results: Sequence[RunResult]) -> RowSummary:
    """The statistics of ``experiment``'s runs among ``results`` (others are ignored)."""
    mine = [r for r in results if r.key == experiment.key]
    done = [r for r in mine if r.accuracy is not None]
    missing = next((r.missing for r in mine if r.missing is not None), None)
    if not done:
        return RowSummary(experiment, runs=0, missing=missing or "not run")
    accuracies = [r.accuracy for r in done if r.accuracy is not None]
    network = experiment.method == NETWORK
    return RowSummary(
        experiment,
        runs=len(done),
        mean=statistics.fmean(accuracies),
        std=statistics.stdev(accuracies) if len(accuracies) > 1 else None,
        median=statistics.median(accuracies),
        low=min(accuracies),
        high=max(accuracies),
        stalled=sum(r.stalled for r in done) if network else None,
        diverged=sum(r.diverged_epoch is not None for r in done),
        test_at_best_validation=_mean([r.test_at_best_validation for r in done]),
        saturation_start=_mean([r.saturation_start for r in done]),
        saturation_end=_mean([r.saturation_end for r in done]),
        z_spread_start=_mean([r.z_spread_start for r in done]),
        seconds=statistics.fmean(r.seconds for r in done),
        handwriting=_mean([r.handwriting for r in done]),
        missing=missing,
    )


def summarise_all(rows: Sequence[Experiment], results: Sequence[RunResult]) -> list[RowSummary]:
    """:func:`summarise` for every row, in order."""
    return [summarise(experiment, results) for experiment in rows]


@dataclass(frozen=True)
class CurveBand:
    """Accuracy per epoch over a row's runs: ``mean``, ``low`` and ``high``, shape (epochs,)."""

    name: str
    mean: NDArray[np.float64]
    low: NDArray[np.float64]
    high: NDArray[np.float64]


@dataclass(frozen=True)
class RowCurves:
    """What the curves figure draws for one network row: ``mean_accuracy`` is the mean
    best-epoch test accuracy of its ``runs``."""

    experiment: Experiment
    runs: int
    mean_accuracy: float
    bands: tuple[CurveBand, ...]


def row_curves(rows: Sequence[Experiment], results: Sequence[RunResult]) -> list[RowCurves]:
    """Mean and min-max of the validation and test accuracy per epoch, for each network row.

    A run that stopped early (it diverged) counts for the epochs it ran.
    """
    curves = []
    for experiment in rows:
        runs = [r for r in results if r.key == experiment.key and r.test]
        if experiment.method != NETWORK or not runs:
            continue
        bands = []
        for name in CURVE_SETS:
            series = [getattr(r, name) for r in runs]
            table = np.full((len(series), max(map(len, series))), np.nan)
            for i, values in enumerate(series):
                table[i, : len(values)] = values
            # every column holds the first run's value at least: no all-NaN warnings
            bands.append(
                CurveBand(name, np.nanmean(table, 0), np.nanmin(table, 0), np.nanmax(table, 0))
            )
        best = statistics.fmean(r.accuracy for r in runs if r.accuracy is not None)
        curves.append(RowCurves(experiment, len(runs), best, tuple(bands)))
    return curves
