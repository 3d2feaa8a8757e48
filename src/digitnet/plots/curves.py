"""Training curves: accuracy and cost after each epoch, of one run or of ``reproduce``'s rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from digitnet.errors import ConfigError
from digitnet.history import History
from digitnet.plots.canvas import new_figure, panel_grid, styled

#: The cost of chapter 1; a row trained with another says so in its panel's title.
CHAPTER_COST = "quadratic"

if TYPE_CHECKING:
    from digitnet.reproduce import RowCurves


@styled
def training_curves(history: History) -> Figure:
    """Accuracy and cost after each epoch, one line per monitored data set.

    Parameters
    ----------
    history : History
        A training run's history; every data set it monitored (e.g. ``validation`` and
        ``test``) gets a line labelled by its name. The best validation epoch is marked.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: accuracy (%) per epoch and cost per epoch.

    Raises
    ------
    ConfigError
        If the history has no epoch measured on any data set.
    """
    names = [name for name, correct in history.correct.items() if correct]
    if not names:
        raise ConfigError("the training history has no measured epoch to plot")
    figure = new_figure(11, 4.4)
    accuracy_axes, cost_axes = figure.subplots(1, 2)
    accuracy = history.accuracy
    for name in names:
        epochs = np.arange(1, len(history.correct[name]) + 1)
        label = f"{name} ({history.total[name]:,} images)"
        accuracy_axes.plot(epochs, accuracy[name], marker=".", label=label)
        cost_axes.plot(epochs, history.cost[name], marker=".", label=label)
    if "validation" in names:
        best = history.best_epoch("validation")
        for axes in (accuracy_axes, cost_axes):
            axes.axvline(best, color="0.5", linestyle=":", label=f"best validation (epoch {best})")
    n_epochs = max(len(history.correct[name]) for name in names)
    _format_accuracy_axes(accuracy_axes, n_epochs)
    accuracy_axes.set(title="Accuracy", ylabel="classified correctly")
    _widen(cost_axes, MIN_COST_SPAN_FRACTION * max(abs(v) for v in cost_axes.get_ylim()))
    _epoch_axis(cost_axes, n_epochs)
    cost_axes.set(title=f"{history.settings.cost.capitalize()} cost", ylabel="mean cost")
    handles, labels = accuracy_axes.get_legend_handles_labels()
    # Below the axes, where no point can hide under it.
    figure.legend(handles, labels, loc="outside lower center", ncols=len(labels), frameon=False)
    figure.suptitle(_run_title(history))
    return figure


#: A single epoch's cost gets a scale of at least this fraction of its value, so that the
#: ticks show distinct numbers rather than one number repeated.
MIN_COST_SPAN_FRACTION = 0.2


def _widen(axes: Axes, span: float) -> None:
    """Make the y scale span at least ``span``, around its middle."""
    low, high = axes.get_ylim()
    if high - low < span:
        middle = (low + high) / 2
        axes.set_ylim(middle - span / 2, middle + span / 2)


def _epoch_axis(axes: Axes, n_epochs: int) -> None:
    """Whole epochs on the x axis, 1 to ``n_epochs``, a half epoch of margin either side."""
    axes.set_xlim(0.5, n_epochs + 0.5)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    axes.set_xlabel("epoch")
    axes.grid(alpha=0.3)


def _format_accuracy_axes(axes: Axes, n_epochs: int) -> None:
    """Percent ticks over a span of at least :data:`MIN_ACCURACY_SPAN`, whole epochs."""
    _widen(axes, MIN_ACCURACY_SPAN)
    axes.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=1))
    _epoch_axis(axes, n_epochs)


def _epochs(n: int) -> str:
    return f"{n} epoch" + ("" if n == 1 else "s")


def _run_title(history: History) -> str:
    settings = history.settings
    title = (
        f"Training: {_epochs(history.epochs_run)}, mini-batch {settings.mini_batch_size}, "
        f"learning rate {settings.learning_rate:g}"
    )
    if settings.seed is not None:
        title += f", seed {settings.seed}"
    if history.diverged_epoch is not None:
        title += f" (diverged at epoch {history.diverged_epoch})"
    return title


#: The data set :func:`compared_curves` draws, in order of preference.
COMPARED_SETS = ("validation", "test")


@styled
def compared_curves(runs: Sequence[tuple[str, History]]) -> Figure:
    """Several runs' accuracy and cost per epoch on one pair of axes, as the book compares
    hyperparameters (e.g. learning rates 0.025, 0.25 and 2.5 in chapter 3).

    Parameters
    ----------
    runs : sequence of (name, History)
        Each run's name (say its file name) and history. Each line is labelled by the name
        and the settings in which the runs differ (``learning rate 0.5``).

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: accuracy (%) and cost per epoch on the validation set (the test set if
        some run did not monitor validation).

    Raises
    ------
    ConfigError
        If there are fewer than two runs, or no data set that every run measured.
    """
    if len(runs) < 2:
        raise ConfigError(f"comparing runs needs at least two, got {len(runs)}")
    measured = [{name for name, c in history.correct.items() if c} for _, history in runs]
    shared = [name for name in COMPARED_SETS if all(name in sets for sets in measured)]
    if not shared:
        raise ConfigError(
            "the runs to compare have no data set measured in all of them "
            f"(looked for {' or '.join(COMPARED_SETS)})"
        )
    data_set = shared[0]
    figure = new_figure(11, 4.6)
    accuracy_axes, cost_axes = figure.subplots(1, 2)
    differences = _differences([history for _, history in runs])
    for (name, history), differs in zip(runs, differences):
        epochs = np.arange(1, len(history.correct[data_set]) + 1)
        label = f"{name}: {differs}" if differs else name
        accuracy_axes.plot(epochs, history.accuracy[data_set], marker=".", label=label)
        cost_axes.plot(epochs, history.cost[data_set], marker=".", label=label)
    n_epochs = max(len(history.correct[data_set]) for _, history in runs)
    _format_accuracy_axes(accuracy_axes, n_epochs)
    _widen(cost_axes, MIN_COST_SPAN_FRACTION * max(abs(v) for v in cost_axes.get_ylim()))
    _epoch_axis(cost_axes, n_epochs)
    images = runs[0][1].total[data_set]
    accuracy_axes.set(title=f"Accuracy on the {images:,} {data_set} images", ylabel="correct")
    cost_axes.set(title=f"Cost on the {data_set} images", ylabel="mean cost")
    handles, labels = accuracy_axes.get_legend_handles_labels()
    figure.legend(
        handles, labels, loc="outside lower center", ncols=min(len(labels), 3), frameon=False
    )
    figure.suptitle(f"{len(runs)} runs compared")
    return figure


def _differences(histories: Sequence[History]) -> list[str]:
    """For each history, the settings in which the runs differ: ``learning rate 0.5``."""
    records = [history.settings.to_dict() for history in histories]
    differ = [key for key in records[0] if len({repr(r.get(key)) for r in records}) > 1]
    return [
        ", ".join(f"{key.replace('_', ' ')} {_value(record.get(key))}" for key in differ)
        for record in records
    ]


def _value(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


#: Panels per row of :func:`reproduction_curves`, and each panel's size in inches.
CURVE_PANEL_COLUMNS = 3
CURVE_PANEL_SIZE = (4.4, 3.3)
#: Opacity of the min-max band behind each mean line.
BAND_ALPHA = 0.25
#: A panel's accuracy scale spans at least this much (5 percentage points), so that a flat
#: curve at chance does not fill the panel with noise, nor one epoch's point repeat its
#: value on every tick.
MIN_ACCURACY_SPAN = 0.05
#: Rows whose best epoch reaches this accuracy share one scale in the reproduction figure.
LEARNED_ACCURACY = 0.5


@styled
def reproduction_curves(rows: Sequence[RowCurves]) -> Figure:
    """Validation and test accuracy per epoch of each experiment of ``digitnet reproduce``.

    One panel per network row: for each data set the mean over the row's runs as a line,
    with a band from the lowest to the highest run; the book's figure, when it gives one,
    as a dashed line. The panels of rows that learned (best epoch at least
    :data:`LEARNED_ACCURACY`) share one accuracy scale, so that the chapter's comparisons
    (b against c: the same network, two initialisations) read at a glance; a row that did
    not learn keeps its own scale, which would otherwise flatten the others.

    Parameters
    ----------
    rows : sequence of digitnet.reproduce.RowCurves
        From :func:`digitnet.reproduce.row_curves`.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ConfigError
        If there is no row to draw.
    """
    if not rows:
        raise ConfigError("no experiment with training curves to plot")
    figure, panels = panel_grid(len(rows), CURVE_PANEL_COLUMNS, CURVE_PANEL_SIZE, 0.9)
    for axes, row in zip(panels, rows):
        _draw_row_curves(axes, row)
    learned = [axes for axes, row in zip(panels, rows) if row.mean_accuracy >= LEARNED_ACCURACY]
    if learned:
        low = min(axes.get_ylim()[0] for axes in learned)
        high = max(axes.get_ylim()[1] for axes in learned)
        for axes in learned:
            axes.set_ylim(low, high)
    handles, labels = panels[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=len(labels), frameon=False)
    figure.suptitle(
        "Accuracy after each epoch: mean of the runs, band from lowest to highest"
        + ("\n(the rows that learned share one scale)" if len(learned) > 1 else "")
    )
    return figure


def _draw_row_curves(axes: Axes, row: RowCurves) -> None:
    experiment = row.experiment
    for band in row.bands:
        epochs = np.arange(1, len(band.mean) + 1)
        (line,) = axes.plot(epochs, band.mean, label=f"{band.name} (mean)")
        axes.fill_between(
            epochs, band.low, band.high, color=line.get_color(), alpha=BAND_ALPHA, linewidth=0
        )
    if experiment.book_accuracy is not None:
        axes.axhline(experiment.book_accuracy, color="0.4", linestyle="--", label="the book")
    sizes = ", ".join(map(str, experiment.sizes))
    init = "N(0, 1/n_in)" if experiment.init == "scaled" else "N(0, 1)"
    runs = f"{row.runs} run" + ("s" if row.runs != 1 else "")
    training = [f"{experiment.cost} cost"] if experiment.cost != CHAPTER_COST else []
    if experiment.l2:
        training.append(f"L2 lambda {experiment.l2:g}")
    axes.set_title(
        f"{experiment.key}. [{sizes}], rate {experiment.learning_rate:g}, {init}\n"
        + (", ".join(training) + "\n" if training else "")
        + f"best epoch {row.mean_accuracy:.2%} (mean of {runs})"
    )
    n_epochs = max(len(band.mean) for band in row.bands)
    _format_accuracy_axes(axes, n_epochs)
