"""A sweep's figure: the test accuracy against each option it swept, one panel per option."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import TYPE_CHECKING

from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from digitnet.errors import ConfigError
from digitnet.plots.canvas import panel_grid, styled

if TYPE_CHECKING:
    from digitnet.sweep import RunRecord

#: Panels per line of the figure, and the size of one panel in inches.
SWEEP_PANEL_COLUMNS = 3
SWEEP_PANEL_SIZE = (4.2, 3.4)


@styled
def sweep_accuracy(records: Sequence[RunRecord], swept: Sequence[str]) -> Figure:
    """Test accuracy (at the best validation epoch) against each swept option.

    One panel per option: every run as a dot above its value, and the mean over every run
    with that value (all the other options' values and seeds together) as a line. The
    values stand side by side in the order the sweep gave them, numbers or not.

    Parameters
    ----------
    records : sequence of digitnet.sweep.RunRecord
        The sweep's finished runs.
    swept : sequence of str
        The options to draw, e.g. ``Sweep.swept``.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ConfigError
        If there is no option or no measured run to draw.
    """
    from digitnet.sweep import format_value

    measured = [r for r in records if r.test_accuracy is not None]
    if not swept or not measured:
        raise ConfigError("no swept option with a measured run to plot")
    figure, panels = panel_grid(len(swept), SWEEP_PANEL_COLUMNS, SWEEP_PANEL_SIZE, 0.8)
    for axes, name in zip(panels, swept):
        labels = list(dict.fromkeys(format_value(r.options[name]) for r in measured))
        position = {label: i for i, label in enumerate(labels)}
        xs = [position[format_value(r.options[name])] for r in measured]
        ys = [float(r.test_accuracy or 0.0) for r in measured]  # measured: never None
        axes.scatter(xs, ys, s=14, alpha=0.45, color="C0", label="a run")
        means = [statistics.fmean(y for x, y in zip(xs, ys) if x == i) for i in range(len(labels))]
        axes.plot(range(len(labels)), means, marker="o", color="C1", label="mean")
        axes.set_xticks(range(len(labels)), labels, rotation=20 if len(labels) > 4 else 0)
        axes.set_xlim(-0.5, len(labels) - 0.5)
        axes.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=1))
        axes.set(
            title=f"--{name.replace('_', '-')}",
            ylabel="test accuracy" if axes.get_subplotspec().is_first_col() else "",
        )
        axes.grid(alpha=0.3)
    handles, legend = panels[0].get_legend_handles_labels()
    figure.legend(handles, legend, loc="outside lower center", ncols=len(legend), frameon=False)
    figure.suptitle(
        f"Test accuracy at the best validation epoch, {len(measured)} runs: "
        "each run and the mean per value"
    )
    return figure
