"""``digitnet predict``: the digit in each of your images, with the output activation behind it."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click
import numpy as np

from digitnet.cli.image_files import image_files
from digitnet.cli.options import load_model
from digitnet.data.mnist import check_classifier_sizes
from digitnet.errors import DigitnetError, ImageError
from digitnet.mnist_shape import N_DIGITS
from digitnet.modelfile import is_model_file

if TYPE_CHECKING:
    from digitnet.imaging import PreprocessSteps


@click.command("predict")
@click.argument("args", nargs=-1, required=True, metavar="[MODEL] IMAGE|FOLDER...")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per image.")
@click.option(
    "--top-k",
    "top_k",
    type=click.IntRange(1, N_DIGITS),
    default=1,
    show_default=True,
    help="Also print the runners-up: the K most active outputs, with their values.",
)
@click.option(
    "--steps",
    "steps_folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Save what the network saw: each image's preprocessing stages, side by side, "
    "as FOLDER/NAME.steps.png.",
)
def predict_command(
    args: Sequence[str], as_json: bool, top_k: int, steps_folder: Path | None
) -> None:
    """Classify your own images of one handwritten digit each (PNG, JPEG, ...).

    Any size (a small digit on a whole page, a phone photo), dark ink on light paper or
    light on dark, colour or grey: the paper's lighting and tint are removed, the digit's
    marks picked out from specks and lines, and the digit converted the way MNIST was made
    (cropped to the ink, scaled into 20x20, centred by centre of mass in 28x28). Each IMAGE
    must be a regular file; a FOLDER stands for the images in it, in name order (other
    files are skipped with a note). MODEL, a digitnet model file known by its content
    whatever its name (or any name ending in .npz), defaults to the default model
    (`digitnet models`), else the model that ships with digitnet. Beside the digit is its
    output neuron's activation (a probability only for a softmax output layer, and then
    called so); an answer is marked unsure when no output reaches 0.5, the runner-up is
    over half the winner, or the ink is not shaped like a digit (far wider than tall).
    """
    from digitnet.decision import activation_text, decide, top
    from digitnet.imaging import preprocess_steps

    first = args[0]
    model = Path(first) if first.lower().endswith(".npz") or is_model_file(first) else None
    named = list(args[1:] if model is not None else args)
    if not named:
        raise click.UsageError("give at least one IMAGE to classify")
    path, saved = load_model(model)
    check_classifier_sizes(saved.network.sizes, str(path))  # as serve and evaluate do
    images, notes = image_files(named)
    for note in notes:
        click.echo(note, err=True)
    failures = sum(note.startswith("Error: ") for note in notes)
    saved_steps: set[Path] = set()
    for image in images:
        try:
            steps = preprocess_steps(image)
        except ImageError as exc:
            failures += 1
            click.echo(f"Error: {exc}", err=True)
            continue
        outputs = saved.network.feedforward(steps.vector).astype(np.float64)
        activation = saved.network.output_activation.name
        decision = decide(outputs, output_activation=activation, doubt=steps.doubt)
        ranked = top(outputs, top_k)
        picture = None
        if steps_folder is not None:
            picture = _save_steps(steps, steps_folder, Path(image).name, saved_steps)
        if as_json:
            record = {
                "file": image,
                "digit": decision.digit,
                "activation": round(decision.activation, 4),
                "activation_label": decision.label,
                "unsure": decision.unsure,
                "outputs": [round(float(a), 6) for a in outputs],
            }
            if top_k > 1:
                record["top"] = [{"digit": d, "activation": round(a, 4)} for d, a in ranked]
            if picture is not None:
                record["steps"] = str(picture)
            click.echo(json.dumps(record))
        else:
            unsure = f" (unsure: {decision.reason})" if decision.unsure else ""
            then = ", ".join(f"{d} ({activation_text(a)})" for d, a in ranked[1:])
            then = f", then {then}" if then else ""
            shown = f"; stages in {picture}" if picture is not None else ""
            click.echo(f"{image}: {decision.shown()}{then}{unsure}{shown}")
    if failures:
        sys.exit(1)


def _save_steps(steps: PreprocessSteps, folder: Path, name: str, taken: set[Path]) -> Path:
    """Write the stages' strip as FOLDER/NAME.steps.png (NAME-2... if taken), atomically."""
    from digitnet.atomic import atomic_write_bytes
    from digitnet.imaging.panels import strip

    path, copy = folder / f"{name}.steps.png", 1
    while path in taken:
        copy += 1
        path = folder / f"{name}-{copy}.steps.png"
    taken.add(path)
    buffer = io.BytesIO()
    strip(steps).save(buffer, "PNG")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, buffer.getvalue())
    except OSError as exc:
        raise DigitnetError(f"{path}: cannot save the stages ({exc.strerror or exc})") from None
    return path
