"""``digitnet predict``: the digit in each of your images, with the output activation behind it."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import click
import numpy as np

from digitnet.cli.options import load_model
from digitnet.data.mnist import check_classifier_sizes
from digitnet.errors import ImageError


@click.command("predict")
@click.argument("args", nargs=-1, required=True, metavar="[MODEL] IMAGE...")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per image.")
def predict_command(args: Sequence[str], as_json: bool) -> None:
    """Classify your own images of one handwritten digit each (PNG, JPEG, ...).

    Any size, dark ink on light paper or light on dark, colour or grey: each image is
    converted the way MNIST was made (grey, cropped to the ink, scaled into 20x20, centred
    by centre of mass in 28x28). MODEL (a .npz file) defaults to the default model
    (`digitnet models`), else the model that ships with digitnet. Beside the digit is its
    output neuron's activation (a probability only for a softmax output layer, and then
    called so); an answer is marked unsure when no output reaches 0.5 or the runner-up is
    over half the winner.
    """
    from digitnet.decision import decide
    from digitnet.imaging import preprocess

    model = Path(args[0]) if args[0].lower().endswith(".npz") else None
    images = list(args[1:] if model is not None else args)
    if not images:
        raise click.UsageError("give at least one IMAGE to classify")
    path, saved = load_model(model)
    check_classifier_sizes(saved.network.sizes, str(path))  # as serve and evaluate do
    failures = 0
    for image in images:
        try:
            pixels = preprocess(image)
        except ImageError as exc:
            failures += 1
            click.echo(f"Error: {exc}", err=True)
            continue
        outputs = saved.network.feedforward(pixels).astype(np.float64)
        decision = decide(outputs, output_activation=saved.network.output_activation.name)
        if as_json:
            record = {
                "file": image,
                "digit": decision.digit,
                "activation": round(decision.activation, 4),
                "activation_label": decision.label,
                "unsure": decision.unsure,
                "outputs": [round(float(a), 6) for a in outputs],
            }
            click.echo(json.dumps(record))
        else:
            unsure = f" (unsure: {decision.reason})" if decision.unsure else ""
            click.echo(f"{image}: {decision.shown()}{unsure}")
    if failures:
        sys.exit(1)
