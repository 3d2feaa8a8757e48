"""``digitnet robustness``: a model's accuracy against the size of a change to each digit."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from digitnet.cli.explain_input import fully_connected_model, model_option, out_option, write_figure
from digitnet.cli.options import data_dir_option, load_data
from digitnet.cli.progress import spinner

#: L2 sizes of change the table shows: 0 to 3 by 0.25.
SIZES = tuple(round(0.25 * k, 2) for k in range(13))


@click.command("robustness")
@model_option
@click.option(
    "--digits",
    type=click.IntRange(1, 10_000),
    default=1_000,
    show_default=True,
    help="Test digits measured (the first N of MNIST's test set).",
)
@out_option
@data_dir_option
def robustness_command(
    model: Path | None, digits: int, out: Path | None, data_dir: Path | None
) -> None:
    """The model's accuracy on test digits when each may be changed by up to an L2 size.

    For each digit, the smallest change found that flips its answer (as `digitnet flip`
    finds it); the accuracy at a size is the share read right that no change of that size
    flips. The search may miss smaller changes, so this is an upper bound.
    """
    from digitnet.explain.flip import robustness_curve

    path, saved = fully_connected_model(model)
    test = load_data(data_dir).test.first(digits)
    with spinner(f"Searching {digits:,} test digits for the changes that flip them..."):
        curve = robustness_curve(saved.network, test.images, test.labels, SIZES)
    click.echo(f"{path}: accuracy on {digits:,} test digits against the L2 size of a change")
    for size, accuracy in zip(curve.sizes, curve.accuracy):
        click.echo(f"  {size:5.2f}  {100 * accuracy:6.2f}%")
    flipped = curve.flip_sizes[np.isfinite(curve.flip_sizes) & (curve.flip_sizes > 0)]
    if flipped.size:
        click.echo(f"Median change that flips a digit read right: {np.median(flipped):.3f}")
    write_figure(out, lambda plots: plots.robustness_figure(curve), "the robustness curve")
