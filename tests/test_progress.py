"""The ready-made progress callbacks of the Python API: a line per epoch, a batch counter."""

from __future__ import annotations

import io

import numpy as np
import pytest

import digitnet
from digitnet.cli.train_report import epoch_line as cli_epoch_line
from digitnet.network import Network
from digitnet.progress import epoch_line, print_batches, print_epoch
from digitnet.training import sgd


def blobs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, size=n)
    images = rng.normal(size=(n, 6)) * 0.3 + np.eye(3, 6)[labels]
    return images, labels


def test_print_epoch_writes_one_line_per_epoch_as_train_does(
    capsys: pytest.CaptureFixture[str],
) -> None:
    images, labels = blobs(60, seed=1)
    history = sgd(
        Network([6, 4, 3], seed=0), (images, labels), epochs=3, mini_batch_size=6,
        monitor={"validation": (images, labels)}, on_epoch=print_epoch,
    )  # fmt: skip
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert [line.split(":")[0] for line in lines] == ["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"]
    assert lines[-1] == epoch_line(history) == cli_epoch_line(history)
    assert f"validation {history.correct['validation'][-1]} / 60" in lines[-1]


def test_print_batches_redraws_one_line_and_erases_it_at_the_end() -> None:
    stream = io.StringIO()
    for done in (1, 2, 4):
        print_batches(done, 4, file=stream)
    text = stream.getvalue()
    assert "\n" not in text
    assert text.split("\r")[1:4] == ["batch 1/4 (25%)", "batch 2/4 (50%)", "batch 4/4 (100%)"]
    assert text.endswith("\r" + " " * len("batch 4/4 (100%)") + "\r")


def test_the_callbacks_are_in_the_package_root() -> None:
    assert digitnet.print_epoch is print_epoch and digitnet.print_batches is print_batches
