"""Ending the process without Numba's tear-down: only when safe, and losing nothing.

Each case runs in a subprocess (``end_process`` may end the process it runs in): the
``atexit`` handlers still run, unflushed output still arrives, the status is the command's,
and in every unsafe case the function returns so that Python exits as usual.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from digitnet.engines.numba_kernels import numba_available
from digitnet.modelfile import load
from digitnet.models_store import HOME_ENV_VAR

SRC = Path(__file__).resolve().parents[1] / "src"

needs_numba = pytest.mark.skipif(not numba_available(), reason="needs Numba (the fast extra)")


def run(script: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(SRC))
    return subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True
    )


def case(setup: str, status: str) -> str:
    """A script: ``setup``, an atexit handler that writes a file, output left unflushed
    (no newline, stdout a pipe), then ``end_process(status)``, then a line if it returned."""
    return (
        "import atexit, sys\n"
        f"{setup}\n"
        "from digitnet.process_end import end_process\n"
        "atexit.register(lambda: open('handler-ran', 'w').close())\n"
        "sys.stdout.write('unflushed')\n"
        f"end_process({status})\n"
        "sys.stdout.write(' returned')\n"
    )


@needs_numba
@pytest.mark.parametrize("status, code", [("None", 0), ("0", 0), ("3", 3)])
def test_with_numba_loaded_it_ends_the_process_with_the_status(
    tmp_path: Path, status: str, code: int
) -> None:
    done = run(case("import numba", status), tmp_path)
    assert done.returncode == code
    assert done.stdout == "unflushed"  # flushed, and nothing ran after the call
    assert (tmp_path / "handler-ran").exists()
    assert done.stderr == ""


@pytest.mark.parametrize(
    "setup, status",
    [
        ("pass", "0"),  # Numba not loaded: nothing slow to skip
        ("import numba", "'a message'"),  # Python prints it: left to Python
        (  # another thread alive: Python's exit joins it
            "import numba, threading, time\n"
            "threading.Thread(target=time.sleep, args=(0.5,)).start()",
            "0",
        ),
    ],
    ids=["no-numba", "message", "other-thread"],
)
def test_when_unsafe_it_returns_and_python_exits_as_usual(
    tmp_path: Path, setup: str, status: str
) -> None:
    if "numba" in setup and not numba_available():
        pytest.skip("needs Numba (the fast extra)")
    done = run(case(setup, status), tmp_path)
    assert done.returncode == 0
    assert done.stdout == "unflushed returned"
    assert (tmp_path / "handler-ran").exists()


@needs_numba
def test_a_training_command_still_saves_its_model_and_says_so(
    tmp_path: Path, mnist_dir: Path
) -> None:
    """The real path: the console script's main, the compiled engine, a model written."""
    env = dict(os.environ, PYTHONPATH=str(SRC), **{HOME_ENV_VAR: str(tmp_path / "home")})
    out = tmp_path / "model.npz"
    command = [
        sys.executable, "-c", "from digitnet.command import main; main()", "train",
        "--epochs", "1", "--training-size", "1000", "--seed", "1", "--engine", "compiled",
        "--data-dir", str(mnist_dir), "--out", str(out),
    ]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith(f"Saved the model to {out}.")
    assert load(out).network.sizes == (784, 30, 10)
