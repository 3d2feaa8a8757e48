"""`digitnet sweep`: tiny real sweeps, their files, a kill -9 and a resume, and a Dask cluster."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from clusters import local_cluster
from PIL import Image

SRC = Path(__file__).resolve().parents[2] / "src"

#: Runs of a fraction of a second: a [784, 10, 10] network on 1,000 images, NumPy's engine.
TINY = ("--sizes", "784,10,10", "--training-size", "1000", "--engine", "numpy")
#: 2 rates x 2 mini-batch sizes x 5 seeds: the issue's 20-run sweep, shrunk.
TWENTY = (*TINY, "--learning-rate", "0.5,3", "--mini-batch-size", "10,20", "--seeds", "5",
          "--epochs", "2")  # fmt: skip
#: Columns of runs.csv that say when and where, not what: they differ between two sweeps.
CIRCUMSTANCES = ("seconds", "where")


def table(path: Path, drop: tuple[str, ...] = CIRCUMSTANCES) -> list[dict[str, str]]:
    with path.open(newline="") as stream:
        return [{k: v for k, v in row.items() if k not in drop} for row in csv.DictReader(stream)]


def test_a_sweep_prints_each_run_and_the_summary_and_writes_its_files(
    run, mnist_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "sweep"
    code, stdout, stderr = run(
        "sweep", *TINY, "--learning-rate", "0.5,3", "--seeds", "2", "--epochs", "1",
        "--workers", "1", "--out-dir", str(out), "--data-dir", str(mnist_dir),
    )  # fmt: skip
    assert code == 0, stdout + stderr
    assert "Sweeping 2 settings x 2 seeds: 4 runs, 1 at a time" in stdout
    assert "[4/4] learning_rate 3.0, seed 2: test " in stdout
    assert "Test accuracy at the best validation epoch, per setting" in stdout
    names = {"runs", "runs.csv", "runs.jsonl", "summary.csv", "accuracy.png"}
    assert {p.name for p in out.iterdir()} == names
    assert len(list((out / "runs").iterdir())) == 4
    summary = table(out / "summary.csv")
    assert [row["learning_rate"] for row in summary] == ["0.5", "3.0"]
    assert all(row["runs"] == "2" and row["sizes"] == "784,10,10" for row in summary)
    assert all(float(row["min"]) <= float(row["median"]) <= float(row["max"]) for row in summary)
    with Image.open(out / "accuracy.png") as image:
        assert image.format == "PNG"
    code, again, _ = run(
        "sweep", *TINY, "--learning-rate", "0.5,3", "--seeds", "2", "--epochs", "1",
        "--workers", "1", "--out-dir", str(out), "--data-dir", str(mnist_dir),
    )  # fmt: skip
    assert code == 0 and f"4 runs (4 done already in {out})" in again and "[1/4]" not in again


def test_a_sweep_file_and_the_command_line_give_the_same_runs(
    run, mnist_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "sweep.toml"
    path.write_text(
        "seeds = 2\n[options]\nlearning-rate = [0.5, 3.0]\nsizes = [784, 10, 10]\nepochs = 1\n"
        'training_size = 1000\nengine = "numpy"\n',
        encoding="utf-8",
    )
    by_file, by_options = tmp_path / "file", tmp_path / "options"
    common = ("--workers", "1", "--data-dir", str(mnist_dir))
    assert run("sweep", "--file", str(path), "--out-dir", str(by_file), *common)[0] == 0
    code, _, stderr = run(
        "sweep", *TINY, "--learning-rate", "0.5,3", "--seeds", "2", "--epochs", "1",
        "--out-dir", str(by_options), *common,
    )  # fmt: skip
    assert code == 0, stderr
    assert sorted(p.name for p in (by_file / "runs").iterdir()) == sorted(
        p.name for p in (by_options / "runs").iterdir()
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--learning-rate", "0.5,0"), "Invalid value for '--learning-rate': 0.0 is not in"),
        (("--sizes", "784,30,10:784,x"), "Invalid value for '--sizes': expected comma-separated"),
        (("--cost", "quadratic,nonsense"), "Invalid value for '--cost': 'nonsense' is not one"),
        (("--nesterov", "maybe"), "Invalid value for '--nesterov'"),
        (("--seeds", "0"), "Invalid value for '--seeds': expected a count of at least 1"),
        (("--dask", "tcp://127.0.0.1:8786", "--workers", "1"), "--workers is for this machine"),
        (("--workers", "0"), "Invalid value for '--workers'"),
    ],
)
def test_a_bad_option_value_is_a_usage_error_in_one_line(run, args: tuple, message: str) -> None:
    code, _, stderr = run("sweep", *args)
    assert code == 2 and message in stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--nesterov", "true"), "Error: nesterov needs a momentum above 0"),
        (("--samples", "3", "--learning-rate", "1,2"), "samples must be from 1 to the grid's 2"),
        (("--dask", "nonsense"), "Error: a Dask scheduler's address is like tcp://HOST:8786"),
    ],
)
def test_a_sweep_that_cannot_run_is_an_error_in_one_line(
    run, tmp_path: Path, args: tuple, message: str
) -> None:
    code, _, stderr = run("sweep", *args, "--out-dir", str(tmp_path))
    assert code == 1 and message in stderr and len(stderr.strip().splitlines()) == 1


def test_an_unreachable_scheduler_is_an_error_naming_its_address(
    run, mnist_dir: Path, tmp_path: Path
) -> None:
    pytest.importorskip("distributed")
    code, _, stderr = run(
        "sweep", "--epochs", "1", "--dask", "tcp://127.0.0.1:9", "--out-dir", str(tmp_path),
        "--data-dir", str(mnist_dir),
    )  # fmt: skip
    assert code == 1
    assert "Error: no Dask scheduler answered at tcp://127.0.0.1:9 within 5 s" in stderr


#: What the console script runs (:func:`digitnet.command.main`, which guards Ctrl-C).
LAUNCH = "from digitnet.command import main; main()"


def start_sweep(out: Path, mnist_dir: Path, *args: str) -> subprocess.Popen[str]:
    """The sweep in a process group of its own, as a terminal starts a command."""
    env = dict(os.environ, PYTHONPATH=str(SRC))
    command = [sys.executable, "-c", LAUNCH, "sweep", *TWENTY, *args, "--out-dir", str(out),
               "--data-dir", str(mnist_dir)]  # fmt: skip
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip


def wait_for_runs(out: Path, count: int) -> int:
    """Wait until ``out`` holds ``count`` finished runs; how many it holds then."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len(list(out.glob("runs/*.json"))) < count:
        time.sleep(0.01)
    return len(list(out.glob("runs/*.json")))


def finish(process: subprocess.Popen[str]) -> str:
    """Wait for ``process`` to succeed; its stdout."""
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stdout + stderr
    return stdout


@pytest.mark.slow
def test_a_sweep_killed_and_resumed_gives_the_uninterrupted_table(
    mnist_dir: Path, tmp_path: Path
) -> None:
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    process = start_sweep(whole, mnist_dir, "--workers", "1")
    finish(process)
    victim = start_sweep(killed, mnist_dir, "--workers", "1")
    wait_for_runs(killed, 3)
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=60)
    saved = len(list(killed.glob("runs/*.json")))
    assert 3 <= saved < 20, "the sweep ended before the kill: make its runs longer"
    stdout = finish(start_sweep(killed, mnist_dir, "--workers", "1"))
    assert f"20 runs ({saved} done already in {killed})" in stdout
    assert stdout.count("] learning_rate") == 20 - saved  # reran nothing already done
    assert (killed / "summary.csv").read_bytes() == (whole / "summary.csv").read_bytes()
    assert table(killed / "runs.csv") == table(whole / "runs.csv")


@pytest.mark.slow
def test_a_sweep_on_a_dask_cluster_gives_the_same_table_as_here(
    mnist_dir: Path, tmp_path: Path
) -> None:
    here, there = tmp_path / "here", tmp_path / "there"
    process = start_sweep(here, mnist_dir)
    finish(process)
    with local_cluster() as address:
        stdout = finish(start_sweep(there, mnist_dir, "--dask", address))
    assert f"20 runs, on the Dask cluster at {address}" in stdout
    assert (there / "summary.csv").read_bytes() == (here / "summary.csv").read_bytes()
    assert table(there / "runs.csv") == table(here / "runs.csv")
    backends = {row["id"]: row for row in table(there / "runs.csv", drop=())}
    assert len({row["where"] for row in backends.values()}) == 2  # the two workers
    records = io.StringIO((there / "runs.jsonl").read_text(encoding="utf-8"))
    assert all(f'"backend": "{address}"' in line for line in records)


@pytest.mark.slow
def test_ctrl_c_ends_the_workers_says_what_is_saved_and_exits_130(
    mnist_dir: Path, tmp_path: Path
) -> None:
    process = start_sweep(tmp_path, mnist_dir, "--workers", "2")
    wait_for_runs(tmp_path, 3)
    os.killpg(process.pid, signal.SIGINT)  # as a terminal does: the command and its workers
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert stderr == "Interrupted.\n"  # no traceback from the command or a worker
    saved = len(list(tmp_path.glob("runs/*.json")))
    assert f"{saved} of 20 runs are saved in {tmp_path}; the same command goes on" in stdout
    assert group_ends(process.pid), "a worker outlived the command"


def group_ends(group: int, timeout: float = 30) -> bool:
    """Whether every process of ``group`` ends (and is reaped, by init for the orphans)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False
