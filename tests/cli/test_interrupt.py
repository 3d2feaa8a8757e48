"""Ctrl-C at any moment of `digitnet train`: one line, nothing half-written, exit status 130.

The command runs in a subprocess, as the ``digitnet`` executable runs it
(:func:`digitnet.command.main`), and gets SIGINT at moments from its first imports to the
middle of training, counted from when the interpreter has started (before that, a
Ctrl-C is Python's own business). Before the first epoch ends nothing is saved; after,
the epochs so far are kept as a new model that is not the default.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from digitnet.modelfile import save
from digitnet.models_store import HOME_ENV_VAR, ModelStore
from digitnet.network import Network

#: A run long enough to be interrupted in its second epoch on a loaded machine.
EPOCHS, TRAINING_SIZE = 50, 10_000
SRC = Path(__file__).resolve().parents[2] / "src"
PROBLEMS = ("Traceback", "Aborted", "KeyboardInterrupt", "Warning")
STARTED = "started"
#: What the console script does, after a line that says the interpreter is up.
LAUNCH = f"print({STARTED!r}, flush=True); from digitnet.command import main; main()"


def start_training(home: Path, mnist_dir: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(SRC), **{HOME_ENV_VAR: str(home)})
    command = [
        sys.executable, "-c", LAUNCH, "train", "--epochs", str(EPOCHS),
        "--training-size", str(TRAINING_SIZE), "--seed", "1", "--engine", "numpy",
        "--data-dir", str(mnist_dir),
    ]  # fmt: skip
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdout.readline() == STARTED + "\n"
    return process


def with_a_default(home: Path) -> ModelStore:
    """A store whose default is an earlier model.npz, which no interruption may replace."""
    store = ModelStore(home)
    home.mkdir(parents=True)
    save(store.legacy, Network([784, 5, 10], seed=0))
    return store


def assert_interrupted_cleanly(
    process: subprocess.Popen[str], store: ModelStore, before: bytes, seen: str = ""
) -> tuple[str, str]:
    """``seen``: what the test already read of the process's stdout."""
    out, err = process.communicate(timeout=120)
    out = seen + out
    assert process.returncode == 130, (out, err)
    for problem in PROBLEMS:
        assert problem not in out + err, (out, err)
    assert len(err.strip().splitlines()) <= 1, err
    assert store.default_name() == "model" and store.legacy.read_bytes() == before
    temporary = [p for p in store.home.rglob("*") if p.name.endswith(".tmp")]
    assert temporary == []
    new = [model for model in store.models() if model.name != "model"]
    if "Epoch 1/" in out:  # an epoch finished: kept, not the default
        assert len(new) == 1 and new[0].history is not None and new[0].history.interrupted
        assert "keeping the model so far" in out
    else:
        assert new == []
    return out, err


@pytest.mark.parametrize("delay", [0.02, 0.1, 0.3, 0.6, 0.95, 2.0])
def test_ctrl_c_before_the_first_epoch_saves_nothing_in_one_line(
    tmp_path: Path, mnist_dir: Path, delay: float
) -> None:
    """The issue's moments: 0.3 s printed a traceback, 0.6-0.95 s 'Aborted!'."""
    store = with_a_default(tmp_path / "home")
    before = store.legacy.read_bytes()
    process = start_training(store.home, mnist_dir)
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    out, _ = assert_interrupted_cleanly(process, store, before)
    if "Epoch 1/" not in out and "Training " in out:
        assert "Interrupted before the first epoch ended: nothing saved." in out


@pytest.mark.slow
def test_ctrl_c_mid_training_keeps_the_epochs_and_exits_130(
    tmp_path: Path, mnist_dir: Path
) -> None:
    """The issue's case: mid-training, Ctrl-C exited 0."""
    store = with_a_default(tmp_path / "home")
    before = store.legacy.read_bytes()
    process = start_training(store.home, mnist_dir)
    assert process.stdout is not None
    lines = []
    for line in process.stdout:  # wait for the first epoch's line
        lines.append(line)
        if line.startswith("Epoch 1/"):
            break
    process.send_signal(signal.SIGINT)
    out, _ = assert_interrupted_cleanly(process, store, before, seen="".join(lines))
    assert "Interrupted after 1 epoch;" in out or "Interrupted after 2 epochs;" in out
    assert "not the default" not in out and "the default stays model, as the run was" in out
