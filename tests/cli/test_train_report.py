"""What `digitnet train` says about its settings and how the run ended, in good English."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from digitnet.cli import train_report
from digitnet.cli.train_report import count, describe
from digitnet.history import History, RunEnd
from digitnet.settings import TrainingSettings


def test_counts_are_singular_for_one() -> None:
    assert [count(n, "epoch") for n in (1, 2, 0)] == ["1 epoch", "2 epochs", "0 epochs"]
    assert count(1_000_000, "epoch") == "1000000 epochs"
    assert count(1.5, "minute") == "1.5 minutes" and count(1.0, "minute") == "1 minute"


def test_describe_says_one_epoch_and_one_minute() -> None:
    text = describe(TrainingSettings(epochs=1, seed=1, time_budget=60.0))
    assert text.startswith("up to 1 epoch or 1 minute, mini-batch 10")


def test_a_run_stopped_after_one_epoch_says_one_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = io.StringIO()
    monkeypatch.setattr(train_report, "stdout", Console(file=screen, width=200))
    history = History(TrainingSettings(epochs=5, seed=1, time_budget=1.0), engine="numpy")
    history.correct["validation"], history.total["validation"] = [9000], 10_000
    history.correct["test"], history.total["test"] = [8900], 10_000
    history.cost["validation"], history.cost["test"] = [0.1], [0.1]
    history.seconds, history.end = [0.5], RunEnd.TIME_BUDGET
    train_report.report_outcome(history)
    assert "Stopped at the time budget after 1 epoch." in screen.getvalue()
