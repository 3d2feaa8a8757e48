"""``digitnet evaluate``: a model's accuracy on the test images, per digit, and its confusions."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np
from rich.table import Table

from digitnet.cli.options import data_dir_option, load_data, load_model, model_argument
from digitnet.cli.progress import stdout
from digitnet.data import N_DIGITS
from digitnet.data.mnist import check_classifier_sizes
from digitnet.metrics import confusion_matrix, per_class_accuracy


@click.command("evaluate")
@model_argument
@data_dir_option
def evaluate_command(model: Path | None, data_dir: Path | None) -> None:
    """Accuracy of MODEL on the 10,000 MNIST test images, per digit, and the confusion matrix.

    MODEL defaults to the default model (`digitnet models`).
    """
    path, saved = load_model(model)
    network = saved.network
    check_classifier_sizes(network.sizes, str(path))
    test = load_data(data_dir).test
    predicted = network.predict(test.images)
    confusion = confusion_matrix(test.labels, predicted)
    correct, total = int(np.trace(confusion)), len(test.labels)
    stdout.print(f"{path}: {correct} / {total} test images correct ({correct / total:.2%})")
    table = Table(title="Confusion matrix (rows: true digit, columns: predicted)")
    table.add_column("digit", justify="right")
    for d in range(N_DIGITS):
        table.add_column(str(d), justify="right")
    table.add_column("accuracy", justify="right")
    for d, accuracy in enumerate(per_class_accuracy(confusion)):
        table.add_row(str(d), *(str(v) for v in confusion[d]), f"{accuracy:.1%}")
    stdout.print(table)
