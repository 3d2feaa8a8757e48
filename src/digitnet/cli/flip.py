"""``digitnet flip``: the smallest change found to an image that changes the network's answer."""

from __future__ import annotations

import json
from pathlib import Path

import click
import numpy as np

from digitnet.cli.explain_input import model_option, network_and_digit, out_option, write_figure


@click.command("flip")
@click.argument("image")
@model_option
@out_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
def flip_command(image: str, model: Path | None, out: Path | None, as_json: bool) -> None:
    """The smallest change found to IMAGE that flips the network's answer.

    Gradient steps on the pixels, each kept in [0, 1], climb the runner-up's weighted input
    over the answer's until the answer changes; the change is then cut back to the least
    part that still flips it. Prints the new answer and the change's size: its L2 length
    (a pixel from black to white is 1) and its largest pixel. --out draws the digit, the
    changed digit and the change.
    """
    from digitnet.explain.flip import flip

    network, pixels = network_and_digit(model, image)
    found = flip(network, pixels)
    if as_json:
        record = {
            "file": image,
            **found.sizes(),
            "changed": np.round(found.changed.astype(np.float64), 6).tolist(),
        }
        click.echo(json.dumps(record))
    elif found.flipped:
        click.echo(
            f"{image}: {found.digit} becomes {found.new_digit} with a change of L2 size "
            f"{found.l2:.3f} (no pixel more than {found.linf:.3f}), found in {found.steps} steps"
        )
    else:
        click.echo(f"{image}: no change found in {found.steps} steps flips this {found.digit}")
    write_figure(out, lambda plots: plots.flip_figure(found), "the change that flips it")
