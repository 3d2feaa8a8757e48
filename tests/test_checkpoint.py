"""Checkpoints and resumed training: a resumed run ends exactly as an uninterrupted one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from digitnet.checkpoint import (
    check_resumable,
    checkpoint_path,
    load_checkpoint,
    locked_folder,
    recorded_values,
    save_checkpoint,
)
from digitnet.engines.numba_kernels import numba_available
from digitnet.errors import ConfigError, ModelFileError
from digitnet.modelfile import load, save
from digitnet.network import Network
from digitnet.settings import TrainingSettings
from digitnet.training import train
from digitnet.training_state import TrainingState

ENGINES = [
    pytest.param("compiled", marks=pytest.mark.skipif(not numba_available(), reason="no Numba")),
    "numpy",
]


def blobs(n=300, n_features=12, n_classes=4, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.random((n_classes, n_features))
    labels = rng.integers(0, n_classes, size=n)
    return centres[labels] + 0.2 * rng.standard_normal((n, n_features)), labels


def assert_identical(a: Network, b: Network) -> None:
    for p, q in zip(a.weights + a.biases, b.weights + b.biases, strict=True):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("engine", ENGINES)
def test_resumed_run_ends_bit_identical_to_an_uninterrupted_one(engine, tmp_path):
    data = blobs()
    settings = TrainingSettings(epochs=6, mini_batch_size=10, seed=5, engine=engine)
    monitor = {"validation": blobs(100, seed=1)}
    whole = Network([12, 9, 4], seed=5)
    expected = train(whole, data, settings, monitor=monitor)

    first = Network([12, 9, 4], seed=5)
    state = TrainingState.fresh(settings.seed)
    batches_seen = []

    def stop_in_epoch_four() -> bool:  # stops mid-epoch: that epoch's updates are lost
        batches_seen.append(1)
        return len(batches_seen) > 3 * 30 + 7

    interrupted = train(
        first, data, settings, monitor=monitor, state=state, should_stop=stop_in_epoch_four,
        on_epoch=lambda h: save_checkpoint(tmp_path, first, state),
    )  # fmt: skip
    assert interrupted.interrupted and interrupted.epochs_run == 3

    checkpoint = load_checkpoint(tmp_path)
    assert checkpoint.history.epochs_run == 3
    resumed = train(
        checkpoint.network, data, checkpoint.settings, monitor=monitor, state=checkpoint.state
    )
    assert resumed.epochs_run == 6 and not resumed.interrupted
    assert resumed.correct == expected.correct and resumed.cost == expected.cost
    assert_identical(checkpoint.network, whole)


def test_resuming_with_other_settings_is_refused(tmp_path):
    data = blobs()
    settings = TrainingSettings(epochs=2, mini_batch_size=10, seed=1)
    net, state = Network([12, 9, 4], seed=1), TrainingState.fresh(1)
    train(
        net, data, settings, state=state, on_epoch=lambda h: save_checkpoint(tmp_path, net, state)
    )
    checkpoint = load_checkpoint(tmp_path)
    with pytest.raises(ValueError, match="other settings"):
        train(checkpoint.network, data, TrainingSettings(epochs=3, seed=1), state=checkpoint.state)


def two_epoch_checkpoint(directory, *, training_size=None):
    settings = TrainingSettings(epochs=2, mini_batch_size=10, learning_rate=0.5, seed=1)
    net, state = Network([12, 9, 4], seed=1, dtype="float64"), TrainingState.fresh(1)
    extra = {"training_size": training_size}

    def on_epoch(history):
        save_checkpoint(directory, net, state, extra=extra)

    train(net, blobs(), settings, state=state, on_epoch=on_epoch)
    return load_checkpoint(directory)


def test_recorded_values_are_the_settings_the_network_and_the_training_size(tmp_path):
    recorded = recorded_values(two_epoch_checkpoint(tmp_path, training_size=200))
    assert recorded["learning_rate"] == 0.5 and recorded["seed"] == 1
    assert recorded["sizes"] == (12, 9, 4) and recorded["activation"] == "sigmoid"
    assert recorded["dtype"] == "float64" and recorded["training_size"] == 200
    assert set(TrainingSettings().to_dict()) <= set(recorded)


def test_resuming_with_the_recorded_values_or_unrelated_ones_passes(tmp_path):
    checkpoint = two_epoch_checkpoint(tmp_path)
    check_resumable(checkpoint, {"learning_rate": 0.5, "sizes": (12, 9, 4), "out": "x.npz"})
    check_resumable(checkpoint, {})


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"learning_rate": 3.0}, "learning_rate 3.0 differs from the checkpoint's 0.5; drop it"),
        ({"sizes": (12, 5, 4)}, r"sizes \(12, 5, 4\) differs from the checkpoint's \(12, 9, 4\)"),
        ({"dtype": "float32"}, "dtype float32 differs from the checkpoint's float64"),
        ({"training_size": 100}, "training_size 100 differs from the checkpoint's None"),
        ({"validation_size": 5}, "validation_size 5 differs from the checkpoint's None"),
    ],
)
def test_resuming_with_another_value_names_it_and_the_recorded_one(tmp_path, given, message):
    with pytest.raises(ConfigError, match=message):
        check_resumable(two_epoch_checkpoint(tmp_path), given)


def test_the_label_spells_the_name_in_the_message(tmp_path):
    checkpoint = two_epoch_checkpoint(tmp_path)
    with pytest.raises(ConfigError, match=r"^--mini-batch-size 20 differs"):
        check_resumable(
            checkpoint, {"mini_batch_size": 20}, label=lambda name: "--" + name.replace("_", "-")
        )


def test_a_model_file_is_not_a_checkpoint(tmp_path):
    save(checkpoint_path(tmp_path), Network([3, 2], seed=0))
    with pytest.raises(ModelFileError, match="not a training checkpoint"):
        load_checkpoint(tmp_path)


def test_a_missing_or_damaged_checkpoint_is_a_one_line_error(tmp_path):
    with pytest.raises(ModelFileError, match="no such model file"):
        load_checkpoint(tmp_path)
    checkpoint_path(tmp_path).write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ModelFileError, match=str(tmp_path)):
        load_checkpoint(tmp_path)


# --- A real training process, killed with SIGKILL at random moments ---------------------------


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "digitnet", "train", *args]


#: Only a hung process should reach this: a busy machine or a cold start may take minutes.
CHECKPOINT_TIMEOUT = 600.0


def file_identity(path: Path) -> tuple[int, int] | None:
    """(inode, modification time) of ``path``: each atomic save makes a new file."""
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return status.st_ino, status.st_mtime_ns


def wait_for_a_new(path: Path, process: subprocess.Popen, before: tuple[int, int] | None) -> None:
    """Until ``process`` has saved ``path`` anew (not just found the last run's file)."""
    deadline = time.monotonic() + CHECKPOINT_TIMEOUT
    while file_identity(path) in (None, before):
        assert process.poll() is None, "training ended before saving a checkpoint"
        assert time.monotonic() < deadline, f"no new {path} after {CHECKPOINT_TIMEOUT} s"
        time.sleep(0.02)


def kill_resume_and_compare(options: list[str], tmp_path: Path, *, kills: int = 4):
    """Run ``digitnet train *options`` with a checkpoint, SIGKILL it ``kills`` times at
    random moments, resume it to the end, and run it again uninterrupted.

    Returns the two saved models (resumed, uninterrupted) and the last checkpoint.
    """
    environment = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    run_dir, path = tmp_path / "run", checkpoint_path(tmp_path / "run")
    rng = np.random.default_rng(0)
    epochs_done = 0
    for kill in range(kills):
        extra = ["--resume"] if kill else []
        command = cli(*options, "--checkpoint", str(run_dir), "--out", str(tmp_path / "m.npz"))
        before = file_identity(path)
        process = subprocess.Popen(command + extra, env=environment, stdout=subprocess.DEVNULL)
        wait_for_a_new(path, process, before)  # so every kill lands in training, however slow
        time.sleep(rng.uniform(0.0, 0.4))  # somewhere in an epoch, or in a save
        process.send_signal(signal.SIGKILL)
        process.wait()
        checkpoint = load_checkpoint(run_dir)  # never broken: the old one or the new one
        assert checkpoint.history.epochs_run >= epochs_done
        epochs_done = checkpoint.history.epochs_run
    finish = cli(
        *options, "--checkpoint", str(run_dir), "--resume", "--out", str(tmp_path / "r.npz")
    )
    subprocess.run(finish, env=environment, check=True, stdout=subprocess.DEVNULL)
    whole = cli(*options, "--out", str(tmp_path / "whole.npz"))
    subprocess.run(whole, env=environment, check=True, stdout=subprocess.DEVNULL)
    assert not list(run_dir.glob("*.tmp"))  # stale temporary files are swept on each save
    return load(tmp_path / "r.npz"), load(tmp_path / "whole.npz"), load_checkpoint(run_dir)


@pytest.mark.slow
def test_kill_9_leaves_a_loadable_checkpoint_and_resuming_matches_an_uninterrupted_run(
    mnist_dir, tmp_path
):
    options = [
        "--epochs", "40", "--training-size", "3000", "--seed", "7", "--dtype", "float64",
        "--engine", "numpy", "--data-dir", str(mnist_dir),
    ]  # fmt: skip
    resumed, uninterrupted, _ = kill_resume_and_compare(options, tmp_path)
    assert resumed.history is not None and resumed.history.epochs_run == 40
    assert_identical(resumed.network, uninterrupted.network)


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
def test_a_killed_best_preset_run_resumes_to_the_uninterrupted_end(mnist_dir, tmp_path, engine):
    # best's momentum, L2, cosine schedule and distortions, early stopping added, on a small
    # network and a slice of the data; without the time budget, whose clock no run repeats.
    options = [
        "--preset", "best", "--sizes", "784,32,10", "--epochs", "30", "--time-budget", "none",
        "--early-stopping", "3", "--training-size", "3000", "--seed", "7",
        "--dtype", "float64", "--engine", engine, "--data-dir", str(mnist_dir),
    ]  # fmt: skip
    resumed, uninterrupted, checkpoint = kill_resume_and_compare(options, tmp_path)
    assert checkpoint.state.velocities and checkpoint.state.best is not None
    assert resumed.settings == uninterrupted.settings and resumed.settings.momentum == 0.9
    assert resumed.history.correct == uninterrupted.history.correct
    assert resumed.history.kept_epoch == uninterrupted.history.kept_epoch is not None
    assert resumed.history.end == uninterrupted.history.end
    assert_identical(resumed.network, uninterrupted.network)


def test_cli_resume_needs_a_checkpoint_folder_and_keeps_the_runs_options(mnist_dir, tmp_path):
    from click.testing import CliRunner

    from digitnet.cli import main

    runner = CliRunner()
    result = runner.invoke(main, ["train", "--resume"])
    assert result.exit_code == 2 and "--checkpoint" in result.stderr
    base = ["train", "--epochs", "2", "--training-size", "500", "--seed", "2",
            "--data-dir", str(mnist_dir), "--checkpoint", str(tmp_path / "run"),
            "--out", str(tmp_path / "m.npz")]  # fmt: skip
    assert runner.invoke(main, base).exit_code == 0
    result = runner.invoke(main, [*base, "--resume", "--learning-rate", "0.5"])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: --learning-rate 0.5 differs from the checkpoint's 3.0; "
        "drop it to resume the run as it was"
    )
    result = runner.invoke(main, [*base, "--resume"])  # the same options are fine
    assert result.exit_code == 0 and "2 of 2 epochs done" in result.stdout


@pytest.mark.skipif(os.name != "posix", reason="flock is POSIX")
def test_a_second_run_using_the_same_checkpoint_folder_is_refused(tmp_path):
    with locked_folder(tmp_path / "run") as folder:
        assert folder.is_dir()
        with pytest.raises(ConfigError, match="another training run is using"):
            with locked_folder(tmp_path / "run"):
                pass
    with locked_folder(tmp_path / "run"):  # free again once the first run ended
        pass


@pytest.mark.skipif(os.name != "posix", reason="flock is POSIX")
def test_a_killed_run_leaves_its_checkpoint_folder_free(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\n"
         "from digitnet.checkpoint import locked_folder\n"
         "with locked_folder(sys.argv[1]):\n"
         "    print('held', flush=True); time.sleep(60)\n", str(tmp_path)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(ConfigError):
            with locked_folder(tmp_path):
                pass
    finally:
        holder.kill()  # SIGKILL: the holder cannot unlock anything itself
        holder.wait()
        holder.stdout.close()
    with locked_folder(tmp_path):
        pass
