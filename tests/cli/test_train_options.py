"""`digitnet train` with the later chapters' options and presets."""

from __future__ import annotations

from pathlib import Path

import pytest

from digitnet.modelfile import load


def test_options_given_with_a_preset_override_it(run, mnist_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "best.npz"
    code, stdout, stderr = run(
        "train", "--preset", "best", "--sizes", "784,20,10", "--epochs", "2",
        "--training-size", "600", "--time-budget", "1h", "--seed", "3",
        "--data-dir", str(mnist_dir), "--out", str(out),
    )  # fmt: skip
    assert code == 0, stderr
    assert "Network([784, 20, 10], dtype=float32, activation='relu', output='softmax')" in stdout
    assert "Nesterov momentum 0.9" in stdout and "fresh distortions each epoch" in stdout
    assert "Epoch 2/2:" in stdout and "rate " in stdout
    saved = load(out)
    assert saved.settings is not None
    assert (saved.settings.epochs, saved.settings.cost, saved.settings.augment) == (
        2, "log-likelihood", True,
    )  # fmt: skip
    assert saved.settings.time_budget == 3600.0  # never reached, even by a cold Numba compile


def test_cross_entropy_l2_and_scaled_init_from_the_command_line(
    run, mnist_dir: Path, tmp_path: Path
) -> None:
    code, stdout, stderr = run(
        "train", "--sizes", "784,30,10", "--cost", "cross-entropy", "--l2", "5", "--init",
        "scaled", "--learning-rate", "0.5", "--epochs", "2", "--training-size", "2000",
        "--seed", "1", "--early-stopping", "3", "--data-dir", str(mnist_dir),
        "--out", str(tmp_path / "m.npz"),
    )  # fmt: skip
    assert code == 0, stderr
    assert "cross-entropy cost" in stdout and "L2 lambda 5" in stdout
    assert "saturated" in stdout  # sigmoid networks show their saturation each epoch
    assert "The model keeps the weights of epoch" in stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--nesterov",), "nesterov needs a momentum"),
        (("--momentum", "0.9", "--checkpoint", "CKPT"), "--checkpoint cannot resume"),
    ],
)
def test_inconsistent_options_are_one_line_errors(
    run, mnist_dir: Path, tmp_path: Path, args: tuple[str, ...], needle: str
) -> None:
    args = tuple(str(tmp_path / a) if a == "CKPT" else a for a in args)
    code, _, stderr = run(
        "train", *args, "--data-dir", str(mnist_dir), "--out", str(tmp_path / "m")
    )
    assert code == 1
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and needle in lines[0], stderr


@pytest.mark.parametrize("budget", ["abc", "0", "-5m", "inf"])
def test_a_bad_time_budget_is_a_usage_error(run, budget: str) -> None:
    code, _, stderr = run("train", "--time-budget", budget)
    assert code == 2
    assert "--time-budget" in stderr
