"""`digitnet reproduce --chapter 6`: a tiny reproduction end to end, its files and its table.

It runs on a small MNIST-shaped folder cut from real MNIST (300 training images, of which
50 validate, and 100 test images), so that feeding every network the monitored sets
after its epoch takes seconds, not minutes.
"""

from __future__ import annotations

import csv
import gzip
import struct
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from digitnet import cli
from digitnet.data import MnistSplit
from digitnet.data.mnist import TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS

N_TRAIN, N_TEST = 300, 100
TINY = ("--quick", "--epochs", "1", "--training-size", "200", "--handwriting", "0")


def _write_idx(path: Path, array: np.ndarray) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(gzip.compress(header + array.astype(np.uint8).tobytes(), mtime=0))


@pytest.fixture(scope="module")
def small_mnist(mnist: MnistSplit, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("small-mnist")
    train, test = mnist.training.first(N_TRAIN), mnist.test.first(N_TEST)
    for name, array in (
        (TRAIN_IMAGES, train.images.reshape(-1, 28, 28)),
        (TRAIN_LABELS, train.labels),
        (TEST_IMAGES, test.images.reshape(-1, 28, 28)),
        (TEST_LABELS, test.labels),
    ):
        _write_idx(folder / name, array)
    return folder


@pytest.fixture(scope="module")
def tiny_run(small_mnist: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    out = tmp_path_factory.mktemp("reproduce6") / "results"
    args = ["reproduce", "--chapter", "6", *TINY, "--workers", "1", "--out-dir", str(out),
            "--data-dir", str(small_mnist)]  # fmt: skip
    result = CliRunner().invoke(cli.main, args)
    assert result.exit_code == 0, result.stdout + result.stderr
    return result.stdout, out


def test_the_table_puts_the_books_chapter_6_figures_beside_ours(tiny_run: tuple[str, Path]) -> None:
    stdout, _ = tiny_run
    assert "Reproducing chapter 6 (quick look): 8 rows, 9 runs, 1 at a time" in stdout
    assert "[9/9] " in stdout and "Chapter 6's results, reproduced" in stdout
    for figure in ("97.80%", "98.78%", "99.06%", "99.23%", "99.37%", "99.43%", "99.60%", "99.67%"):
        assert figure in stdout
    assert "ensemble of 3 of g" in stdout and "short run, not a reproduction" in stdout


def test_the_files_hold_every_row_and_the_ensemble_of_row_gs_networks(
    tiny_run: tuple[str, Path],
) -> None:
    stdout, out = tiny_run
    for name in ("results.md", "summary.csv", "runs.csv", "curves.csv"):
        assert f"Wrote {out / name}" in stdout
    with (out / "summary.csv").open(newline="") as stream:
        summary = {row["key"]: row for row in csv.DictReader(stream)}
    assert list(summary) == list("abcdefgh")
    assert [summary[k]["runs"] for k in "abcdefgh"] == ["1"] * 6 + ["3", "1"]
    assert summary["h"]["method"] == "ensemble" and summary["h"]["book_accuracy"] == "0.9967"
    with (out / "runs.csv").open(newline="") as stream:
        runs = list(csv.DictReader(stream))
    assert [r["key"] for r in runs] == [*"abcdef", "g", "g", "g", "h"]
    assert all(r["total"] == str(N_TEST) for r in runs)
    ensemble = runs[-1]
    assert int(ensemble["correct"]) / N_TEST == pytest.approx(float(ensemble["accuracy"]))
    assert 0.1 < float(ensemble["accuracy"]) <= 1.0  # 1,000 shifted images: it learned
    report = (out / "results.md").read_text(encoding="utf-8")
    assert report.startswith("# Chapter 6's results, reproduced")
    assert "| h. ensemble of 3 of g | 99.67% |" in report


def test_help_names_the_chapters_and_the_full_runs_time() -> None:
    result = CliRunner().invoke(cli.main, ["reproduce", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "--chapter [1|6]" in text and "roughly 2 days on two cores" in text
    assert "--handwriting" not in text  # a test option, hidden


def test_another_chapter_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli.main, ["reproduce", "--chapter", "3"])
    assert result.exit_code == 2 and "--chapter" in result.stderr


def test_rows_runs_only_those_rows(small_mnist: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    args = ["reproduce", "--chapter", "6", *TINY, "--rows", "a", "--workers", "1",
            "--out-dir", str(out), "--data-dir", str(small_mnist)]  # fmt: skip
    result = CliRunner().invoke(cli.main, args)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "Reproducing chapter 6 (quick look): 1 row, 1 run, 1 at a time" in result.stdout
    with (out / "summary.csv").open(newline="") as stream:
        assert [row["key"] for row in csv.DictReader(stream)] == ["a"]


def test_an_unknown_row_is_a_one_line_error(small_mnist: Path, tmp_path: Path) -> None:
    args = ["reproduce", "--chapter", "6", "--rows", "a,z", "--out-dir", str(tmp_path / "r"),
            "--data-dir", str(small_mnist)]  # fmt: skip
    result = CliRunner().invoke(cli.main, args)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: no row 'z' in this table; its rows are a, b, c, d, e, f, g, h"
    ]
