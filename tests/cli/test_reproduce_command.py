"""`digitnet reproduce`: the chapter's table on real MNIST, shrunk to seconds by hidden options."""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from clusters import local_cluster
from PIL import Image

import digitnet
from digitnet import cli

#: The hidden options that shrink the quick run for tests: one epoch on 1,000 images.
TINY = ("--quick", "--epochs", "1", "--training-size", "1000")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli.main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def tiny_run(mnist_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The quick run, shrunk, in two spawned worker processes, SVMs included."""
    out = tmp_path_factory.mktemp("reproduce") / "results"
    before = {name: os.environ.get(name) for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    code, stdout, stderr = run("reproduce", *TINY, "--out-dir", str(out),
                               "--data-dir", str(mnist_dir))  # fmt: skip
    assert code == 0, stdout + stderr
    after = {name: os.environ.get(name) for name in before}
    assert after == before  # the workers' single-threaded BLAS stays theirs
    return stdout, out


def test_reproduce_prints_the_table_with_the_books_figures(tiny_run: tuple[str, Path]) -> None:
    stdout, _ = tiny_run
    assert "Reproducing chapter 1 (quick look): 11 rows, 19 runs, 2 at a time" in stdout
    assert "[19/19] " in stdout and "All 19 runs took" in stdout
    for text in ("[784, 30, 10], rate 3", "95.42%", "96.59%", "far worse", "22.25%", "94.35%"):
        assert text in stdout
    assert 'SVM, gamma="scale" (1,000 images)' in stdout
    assert (
        "A run is stalled when it stays near chance: no epoch's validation accuracy reaches 20%"
        in stdout
    )
    assert "short run, not a reproduction" in stdout
    assert "Why the book's [784, 100, 10]" in stdout


def test_reproduce_writes_the_report_csv_files_and_curves(tiny_run: tuple[str, Path]) -> None:
    stdout, out = tiny_run
    names = ("results.md", "summary.csv", "runs.csv", "curves.csv", "curves.png")
    assert sorted(p.name for p in out.iterdir()) == sorted(names)
    for name in names:
        assert f"Wrote {out / name}" in stdout
    with (out / "summary.csv").open(newline="") as stream:
        summary = list(csv.DictReader(stream))
    assert [row["key"] for row in summary][:7] == ["a", "b", "c", "d", "e", "f", "g"]
    assert all(row["runs"] == "2" for row in summary[:7])
    assert summary[0]["epochs"] == "1" and summary[0]["training_size"] == "1000"
    darkness = next(row for row in summary if row["key"] == "darkness")
    assert 0.1 < float(darkness["mean"]) < 0.3
    with (out / "runs.csv").open(newline="") as stream:
        assert len(list(csv.DictReader(stream))) == 19
    report = (out / "results.md").read_text(encoding="utf-8")
    assert "| b. [784, 100, 10], rate 3 | 96.59% |" in report
    with Image.open(out / "curves.png") as image:
        assert image.format == "PNG" and image.size[0] > 1000


def test_reproduce_without_matplotlib_skips_the_curves_in_one_line(
    mnist_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    for name in [
        m for m in sys.modules if m == "digitnet.plots" or m.startswith("digitnet.plots.")
    ]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.delattr(digitnet, "plots", raising=False)
    code, stdout, stderr = run(
        "reproduce", *TINY, "--no-svm", "--workers", "1",
        "--out-dir", str(tmp_path), "--data-dir", str(mnist_dir),
    )  # fmt: skip
    assert code == 0, stdout + stderr
    assert "Skipped curves.png: drawing the curves needs matplotlib: " in stdout
    assert "pip install 'digitnet[plots]'" in stdout
    assert not (tmp_path / "curves.png").exists() and (tmp_path / "results.md").exists()
    assert "SVM" not in stdout.split("Chapter 1's results, reproduced")[1]


@pytest.mark.parametrize("workers", ["0", "3"])
def test_reproduce_takes_one_or_two_workers(workers: str) -> None:
    code, _, stderr = run("reproduce", "--workers", workers)
    assert code == 2 and "--workers" in stderr


def test_reproduce_help_hides_the_test_options() -> None:
    code, stdout, _ = run("reproduce", "--help")
    assert code == 0 and "--quick" in stdout and "--no-svm" in stdout
    assert "--training-size" not in stdout and "--epochs" not in stdout


def figures(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file without their timings, which differ from run to run."""
    with path.open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    return [{k: v for k, v in row.items() if "seconds" not in k} for row in rows]


@pytest.mark.slow
def test_reproduce_on_a_dask_cluster_gives_the_same_figures(
    mnist_dir: Path, tmp_path: Path
) -> None:
    here, there = tmp_path / "here", tmp_path / "there"
    common = (*TINY, "--no-svm", "--data-dir", str(mnist_dir))
    code, stdout, stderr = run("reproduce", *common, "--out-dir", str(here))
    assert code == 0, stdout + stderr
    with local_cluster() as address:
        code, stdout, stderr = run("reproduce", *common, "--out-dir", str(there), "--dask", address)
    assert code == 0, stdout + stderr
    assert f"17 runs, on the Dask cluster at {address}" in stdout
    for name in ("summary.csv", "runs.csv", "curves.csv"):
        assert figures(there / name) == figures(here / name), name
