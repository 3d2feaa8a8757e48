"""``digitnet saliency``: which pixels raise or lower the answer and the runner-up."""

from __future__ import annotations

import json
from pathlib import Path

import click
import numpy as np

from digitnet.cli.explain_input import model_option, network_and_digit, out_option, write_figure
from digitnet.mnist_shape import MNIST_SIDE

#: Pixels listed as raising (and lowering) the answer most.
TOP_PIXELS = 5


@click.command("saliency")
@click.argument("image")
@model_option
@out_option
@click.option("--json", "as_json", is_flag=True, help="Print the gradients as one JSON object.")
def saliency_command(image: str, model: Path | None, out: Path | None, as_json: bool) -> None:
    """Why IMAGE gets its answer: d a_j / d x for the answer and the runner-up.

    Backpropagation carries the output a_j back to the pixels: where d a_j / d x is
    positive, more ink would raise a_j. Prints the answer, the runner-up and the pixels
    (row, column of MNIST's 28 x 28) that raise and lower the answer most; --json prints
    every gradient and gradient x input, --out draws them.
    """
    from digitnet.explain.saliency import saliency

    network, pixels = network_and_digit(model, image)
    found = saliency(network, pixels)
    answer, runner_up = found.digits
    if as_json:
        record = {
            "file": image,
            "digit": answer,
            "runner_up": runner_up,
            "outputs": found.outputs.astype(np.float64).round(6).tolist(),
            "gradient": found.gradient.astype(np.float64).tolist(),
            "gradient_times_input": found.gradient_times_input.astype(np.float64).tolist(),
        }
        click.echo(json.dumps(record))
    else:
        gradient = found.gradient[0]
        order = np.argsort(gradient)
        click.echo(
            f"{image}: {answer} (output {found.outputs[answer]:.2f}), runner-up {runner_up} "
            f"({found.outputs[runner_up]:.2f}); largest |d a{answer}/dx| "
            f"{np.abs(gradient).max():.2g}"
        )
        click.echo(f"  more ink raises a{answer} most at {_places(order[::-1][:TOP_PIXELS])}")
        click.echo(f"  more ink lowers a{answer} most at {_places(order[:TOP_PIXELS])}")
    write_figure(out, lambda plots: plots.saliency_figure(found, pixels), "the saliency")


def _places(indices: np.ndarray) -> str:
    """Pixel indices as ``(row, column)`` of the 28 x 28 image."""
    return ", ".join(f"({k // MNIST_SIDE}, {k % MNIST_SIDE})" for k in indices)
