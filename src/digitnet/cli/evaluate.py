"""``digitnet evaluate``: accuracy on held-out images, the confusions, per-digit scores;
of one model or of several and their ensemble (:class:`digitnet.ensemble.Ensemble`)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import click
import numpy as np
from numpy.typing import NDArray
from rich.table import Table

from digitnet.cli.options import data_dir_option, load_data, load_model
from digitnet.cli.progress import stdout
from digitnet.data import N_DIGITS
from digitnet.data.mnist import check_classifier_sizes
from digitnet.ensemble import ENSEMBLE_RULE, Ensemble, average_probabilities
from digitnet.metrics import ClassScores, class_scores, confusion_matrix

#: The held-out sets a model can be evaluated on (the book's split of MNIST).
SPLITS = ("test", "validation")
#: The scores of the per-digit report, as scikit-learn's classification_report names them.
SCORES = ("precision", "recall", "f1")


@click.command("evaluate")
@click.argument("models", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--split",
    type=click.Choice(SPLITS),
    default="test",
    show_default=True,
    help="Evaluate on MNIST's 10,000 test images or the 10,000 validation images (the last "
    "10,000 of the training file).",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON record instead of the tables."
)
@data_dir_option
def evaluate_command(
    models: tuple[Path, ...], split: str, as_json: bool, data_dir: Path | None
) -> None:
    """Accuracy of MODELS on held-out MNIST images: confusions and per-digit precision/recall/F1.

    Recall of a digit is the share of its images classified as it (its accuracy);
    precision, the share of the answers "it is that digit" that were right; F1, their
    harmonic mean. MODELS defaults to the default model (`digitnet models`). Given several
    models (dense or convolutional, e.g. `digitnet evaluate a.npz b.npz c.npz`), it reports
    each one's accuracy and then the tables of their ensemble, which averages the models'
    output probabilities and answers the most probable digit.
    """
    loaded = [load_model(path) for path in models or (None,)]
    for path, saved in loaded:
        check_classifier_sizes(saved.network.sizes, str(path))
    ensemble = Ensemble([saved.network for _, saved in loaded])
    data = getattr(load_data(data_dir), split)
    members = ensemble.member_probabilities(data.images)
    counts = [int(np.count_nonzero(p.argmax(axis=1) == data.labels)) for p in members]
    predictions = average_probabilities(members).argmax(axis=1)
    confusion = confusion_matrix(data.labels, predictions)
    scores = class_scores(confusion)
    paths = [path for path, _ in loaded]
    total = len(data.labels)
    if as_json:
        record = _record(paths[0], split, confusion, scores)
        if len(paths) > 1:
            record["model"] = f"ensemble of {len(paths)}"
            record["ensemble"] = ENSEMBLE_RULE
            record["members"] = [
                {"model": str(p), "correct": c, "accuracy": round(c / total, 6)}
                for p, c in zip(paths, counts)
            ]
        click.echo(json.dumps(record, indent=2))
        return
    for path, correct in zip(paths, counts):
        stdout.print(_accuracy_line(str(path), correct, total, split), markup=False)
    if len(paths) > 1:
        name = f"ensemble of {len(paths)} ({ENSEMBLE_RULE})"
        stdout.print(_accuracy_line(name, int(np.trace(confusion)), total, split), markup=False)
    stdout.print(_confusion_table(confusion))
    stdout.print(_report_table(scores))


def _accuracy_line(name: str, correct: int, total: int, split: str) -> str:
    return f"{name}: {correct} / {total} {split} images correct ({correct / total:.2%})"


def _confusion_table(confusion: NDArray[np.int64]) -> Table:
    table = Table(title="Confusion matrix (rows: true digit, columns: predicted)")
    table.add_column("digit", justify="right")
    for d in range(N_DIGITS):
        table.add_column(str(d), justify="right")
    for d in range(N_DIGITS):
        table.add_row(str(d), *(str(v) for v in confusion[d]))
    return table


def _percent(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.1%}"


def _report_table(scores: ClassScores) -> Table:
    """scikit-learn's classification_report: a row per digit, then the averages."""
    table = Table(title="Per digit (recall is the digit's accuracy)")
    for name in ("digit", "precision", "recall", "F1", "support"):
        table.add_column(name, justify="right")
    for d in range(len(scores.support)):
        values = (getattr(scores, score)[d] for score in SCORES)
        table.add_row(str(d), *map(_percent, values), f"{scores.support[d]:,}")
    total = f"{scores.support.sum():,}"
    table.add_section()
    table.add_row("accuracy", "", "", _percent(scores.accuracy), total)
    for average in ("macro", "weighted"):
        values = (getattr(scores, average)(score) for score in SCORES)
        table.add_row(f"{average} avg", *map(_percent, values), total)
    return table


def _number(value: float) -> float | None:
    """A score for JSON, which has no NaN: null where a score is undefined."""
    return None if math.isnan(value) else round(float(value), 6)


def _record(
    path: Path, split: str, confusion: NDArray[np.int64], scores: ClassScores
) -> dict[str, Any]:
    return {
        "model": str(path),
        "split": split,
        "images": int(scores.support.sum()),
        "correct": int(np.trace(confusion)),
        "accuracy": _number(scores.accuracy),
        "digits": [
            {
                "digit": d,
                **{score: _number(getattr(scores, score)[d]) for score in SCORES},
                "support": int(scores.support[d]),
            }
            for d in range(len(scores.support))
        ],
        **{
            average: {score: _number(getattr(scores, average)(score)) for score in SCORES}
            for average in ("macro", "weighted")
        },
        "confusion": confusion.tolist(),
    }
