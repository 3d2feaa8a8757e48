"""`digitnet baselines`: the chapter's baseline table, on real MNIST."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from rich.console import Console

from digitnet.baselines import INSTALL_HINT
from digitnet.cli import baselines as baselines_cli

HAS_SKLEARN = importlib.util.find_spec("sklearn") is not None


@pytest.fixture
def no_sklearn(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``import sklearn`` fail as it does when scikit-learn is not installed."""
    for name in ("sklearn", "sklearn.svm"):
        monkeypatch.setitem(sys.modules, name, None)


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """A console wide enough that no table cell wraps, so rows can be matched whole."""
    monkeypatch.setattr(
        baselines_cli, "stdout", Console(width=200, highlight=False, soft_wrap=True)
    )


def test_cli_prints_darkness_and_random_rows(run, mnist_dir: Path) -> None:
    code, out, err = run("baselines", "--no-svm", "--data-dir", str(mnist_dir))
    assert code == 0, err
    darkness_row = next(line for line in out.splitlines() if "average darkness" in line)
    assert "2,225" in darkness_row and "22.25%" in darkness_row
    assert "random guess" in out and "SVM" not in out


def test_cli_without_sklearn_shows_the_hint_and_succeeds(
    run, mnist_dir: Path, no_sklearn: None
) -> None:
    code, out, err = run("baselines", "--data-dir", str(mnist_dir))
    assert code == 0, err
    assert out.count("needs scikit-learn") == 2
    assert f"The SVM rows need scikit-learn: {INSTALL_HINT}" in out
    assert "2,225" in out


@pytest.mark.skipif(not HAS_SKLEARN, reason="scikit-learn is not installed")
def test_cli_svm_training_size_labels_the_rows(run, mnist_dir: Path) -> None:
    code, out, err = run("baselines", "--svm-training-size", "300", "--data-dir", str(mnist_dir))
    assert code == 0, err
    assert 'gamma="auto"' in out and 'gamma="scale"' in out and "first 300 images" in out
