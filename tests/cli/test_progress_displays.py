"""The progress displays, drawn on a console that claims to be a terminal."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console

from digitnet.cli import progress, train

Run = Callable[..., tuple[int, str, str]]
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """stdout and stderr consoles that draw, as on a terminal, into one buffer."""
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120, highlight=False)
    monkeypatch.setattr(progress, "stdout", console)
    monkeypatch.setattr(progress, "stderr", console)
    monkeypatch.setattr(train, "stdout", console)
    return screen


def frames(screen: io.StringIO) -> list[str]:
    text = ESCAPES.sub("", screen.getvalue())
    return [line.strip() for line in re.split(r"[\r\n]", text) if line.strip()]


def test_the_epoch_bar_shows_batches_speed_and_epoch(terminal: io.StringIO) -> None:
    with progress.epoch_bar(3, 10, waiting="distorting the images") as bar:
        bar.progress.refresh()
        bar.on_batch(10, 100)
        time.sleep(0.01)
        bar.on_batch(50, 100)
        bar.progress.refresh()
        bar.next_epoch(2)
        bar.progress.refresh()
        bar.next_epoch(4)  # after the last epoch: the bar stays as it is
        bar.progress.refresh()
    shown = frames(terminal)
    assert any("epoch 1/3" in f and "distorting the images" in f for f in shown)
    [middle] = [f for f in shown if "50/100 batches" in f]
    assert middle.startswith("epoch 1/3") and re.search(r"[\d,]+ images/s", middle)
    assert any(f.startswith("epoch 2/3") and "distorting" in f for f in shown)
    assert not any("epoch 4/3" in f for f in shown)


def test_train_draws_the_bar_within_each_epoch(
    run: Run, terminal: io.StringIO, mnist_dir: Path, tmp_path: Path
) -> None:
    code, _, err = run(
        "train", "--epochs", "2", "--training-size", "2000", "--engine", "numpy",
        "--data-dir", str(mnist_dir), "--out", str(tmp_path / "m.npz"),
    )  # fmt: skip
    assert code == 0, err
    # Each epoch's line is printed while its bar is full, which draws the bar beneath it.
    shown = frames(terminal)
    for epoch in (1, 2):
        [line] = [f for f in shown if f.startswith(f"Epoch {epoch}/2: ")]
        bar = shown[shown.index(line) + 1]
        assert bar.startswith(f"epoch {epoch}/2") and "200/200 batches" in bar, bar
        assert "images/s" in bar


def test_the_spinner_shows_the_time_elapsed(terminal: io.StringIO) -> None:
    with progress.spinner("Training the SVM..."):
        time.sleep(0.02)
    assert any(re.search(r"Training the SVM\.\.\. +0:00:0\d", f) for f in frames(terminal))


def test_a_download_shows_its_source_size_and_verdict(terminal: io.StringIO) -> None:
    from digitnet.data.download import DownloadStep

    with progress.download_progress() as report:
        target = Path("/data/t10k-labels-idx1-ubyte.gz")
        url = "https://mirror.example/t10k-labels-idx1-ubyte.gz"
        report(DownloadStep(target.name, url, target, 0, 10_008))
        report(DownloadStep(target.name, url, target, 5_000, 10_008))
        report(DownloadStep(target.name, url, target, 10_008, 10_008, "verified"))
    text = ESCAPES.sub("", terminal.getvalue())
    assert f"Downloading {target.name} (10.0 kB) from {url}" in text
    assert f"SHA-256 of the content verified; saved {target}" in text
