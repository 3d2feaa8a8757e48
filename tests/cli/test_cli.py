"""The command line, driven through Click's runner on small slices of real MNIST."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from digitnet.data import MnistSplit
from digitnet.handwriting import make_set
from digitnet.imaging import preprocess
from digitnet.modelfile import load, shipped_model_path
from digitnet.pixels import as_unit_interval

COMMANDS = ("train", "evaluate", "predict", "gates")


def assert_one_line_error(code: int, err: str, *needles: str) -> None:
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0]


@pytest.fixture(scope="module")
def trained_model(run, mnist_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("model") / "small.npz"
    code, stdout, _ = run(
        "train", "--epochs", "2", "--training-size", "5000", "--seed", "1",
        "--data-dir", str(mnist_dir), "--out", str(out),
    )  # fmt: skip
    assert code == 0, stdout
    return out


@pytest.fixture(scope="module")
def test_digits(mnist: MnistSplit) -> tuple[np.ndarray, np.ndarray]:
    """The first 20 test digits as float32 in [0, 1], as ``load_mnist`` gives them."""
    return as_unit_interval(mnist.test.images[:20], np.float32), mnist.test.labels[:20]


def test_help_lists_every_command_and_each_has_help(run) -> None:
    code, out, _ = run("--help")
    assert code == 0
    for command in COMMANDS:
        assert command in out
        sub_code, sub_out, _ = run(command, "--help")
        assert sub_code == 0 and "Usage:" in sub_out


def test_gates_prints_every_truth_table_and_the_adder(run) -> None:
    code, out, _ = run("gates")
    assert code == 0
    for gate in ("AND", "OR", "NOT", "NAND"):
        assert f"{gate}: weights" in out
    assert "NAND: weights (-2, -2), bias 3" in out
    assert "carry" in out and "sum" in out
    assert "5 + 9 = 14" in out
    assert "XOR: not linearly separable" in out


@pytest.mark.parametrize("sizes", ["784,abc", "784", "784,0,10", "100,30,10", "784,30,9", ""])
def test_bad_sizes_are_a_usage_error(run, sizes: str) -> None:
    code, _, err = run("train", "--sizes", sizes)
    assert code == 2
    assert "--sizes" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "option", [("--learning-rate", "-1"), ("--epochs", "0"), ("--mini-batch-size", "x")]
)
def test_bad_hyperparameters_are_a_usage_error(run, option: tuple[str, str]) -> None:
    code, _, err = run("train", *option)
    assert code == 2 and option[0] in err


def test_train_prints_epochs_and_saves_a_loadable_model(trained_model: Path) -> None:
    saved = load(trained_model)
    assert saved.network.sizes == (784, 30, 10)
    assert saved.settings is not None and saved.settings.seed == 1
    assert saved.history is not None and saved.history.epochs_run == 2
    assert saved.history.accuracy["validation"][-1] > 0.8


def test_train_reports_each_epoch_like_the_book(run, mnist_dir: Path, tmp_path: Path) -> None:
    code, out, _ = run(
        "train", "--epochs", "2", "--training-size", "500", "--seed", "3",
        "--data-dir", str(mnist_dir), "--out", str(tmp_path / "m.npz"),
    )  # fmt: skip
    assert code == 0
    assert "Epoch 1/2: validation " in out and "/ 10000" in out and "Epoch 2/2" in out
    assert "Saved the model to" in out


@pytest.mark.parametrize("rate", ["100", "0.001"])
def test_extreme_learning_rates_run_quietly(
    run, mnist_dir: Path, tmp_path: Path, rate: str
) -> None:
    code, out, err = run(
        "train", "--epochs", "2", "--training-size", "2000", "--learning-rate", rate,
        "--seed", "1", "--data-dir", str(mnist_dir), "--out", str(tmp_path / "m.npz"),
    )  # fmt: skip
    assert code == 0, err
    assert "Warning" not in out + err and "nan" not in out.lower()
    assert "stalled near chance" in out


def test_missing_data_is_a_one_line_error(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIGITNET_MNIST_URL", "http://127.0.0.1:9/")  # the discard port: closed
    (tmp_path / "empty").mkdir()
    code, _, err = run("train", "--epochs", "1", "--data-dir", str(tmp_path / "empty"))
    assert_one_line_error(code, err, "train-images-idx3-ubyte.gz", "Offline?")


def test_evaluate_prints_accuracy_and_the_confusion_matrix(
    run, trained_model: Path, mnist_dir: Path
) -> None:
    code, out, _ = run("evaluate", str(trained_model), "--data-dir", str(mnist_dir))
    assert code == 0
    assert "/ 10000 test images correct" in out
    assert "Confusion matrix" in out
    # the first row of the matrix sums to the 980 zeros of the test set
    row = next(line for line in out.splitlines() if line.strip("│ ").startswith("0 "))
    counts = [int(cell) for cell in row.strip("│ ").split("│")[1:11]]
    assert sum(counts) == 980


def save_as_user_image(pixels: np.ndarray, path: Path, scale: int = 8) -> Path:
    """A digit as a user would send it: large, dark ink on white paper."""
    grey = (255 - pixels.reshape(28, 28) * 255).astype(np.uint8)
    Image.fromarray(grey).resize((28 * scale, 28 * scale), Image.Resampling.BICUBIC).save(path)
    return path


def test_predict_classifies_user_images(
    run, trained_model: Path, test_digits: tuple[np.ndarray, np.ndarray], tmp_path: Path
) -> None:
    images, labels = test_digits
    paths = [save_as_user_image(images[i], tmp_path / f"digit{i}.png") for i in range(10)]
    code, out, _ = run("predict", str(trained_model), *map(str, paths))
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == 10
    predicted = [int(line.split(": ")[1].split()[0]) for line in lines]
    assert np.mean(np.array(predicted) == labels[:10]) >= 0.7
    assert all("(output activation 0." in line for line in lines)


def test_predict_json_gives_digit_activation_and_outputs(
    run, trained_model: Path, test_digits: tuple[np.ndarray, np.ndarray], tmp_path: Path
) -> None:
    path = save_as_user_image(test_digits[0][0], tmp_path / "one.png")
    code, out, _ = run("predict", str(trained_model), str(path), "--json")
    assert code == 0
    record = json.loads(out)
    assert record["file"] == str(path)
    assert 0 <= record["digit"] <= 9 and "confidence" not in record
    assert len(record["outputs"]) == 10
    assert record["activation"] == pytest.approx(max(record["outputs"]), abs=1e-4)
    assert record["activation_label"] == "output activation"
    assert record["digit"] == int(np.argmax(record["outputs"]))


def test_predict_reports_a_non_image_in_one_line(run, trained_model: Path, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.png"
    bogus.write_text("not an image")
    code, _, err = run("predict", str(trained_model), str(bogus))
    assert_one_line_error(code, err, "notes.png")


def test_predict_refuses_a_model_from_elsewhere(run, tmp_path: Path) -> None:
    other = tmp_path / "other.npz"
    np.savez(other, weights=np.ones(3))
    image = tmp_path / "x.png"
    Image.new("L", (10, 10), 255).save(image)
    code, _, err = run("predict", str(other), str(image))
    assert_one_line_error(code, err, "other.npz")


def test_predict_without_a_model_says_how_to_train_one(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("digitnet.cli.options.shipped_model_path", lambda: tmp_path / "none.npz")
    image = tmp_path / "x.png"
    Image.new("L", (10, 10), 255).save(image)
    code, _, err = run("predict", str(image))
    assert_one_line_error(code, err, "digitnet train")


def test_train_records_the_preset_it_started_from(trained_model: Path) -> None:
    metadata = load(trained_model).metadata
    assert metadata["preset"] == "book" and metadata["training_size"] == 5000


def predicted_outputs(run, *args: str) -> list[list[float]]:
    code, out, err = run("predict", "--json", *args)
    assert code == 0, err
    return [json.loads(line)["outputs"] for line in out.splitlines()]


def test_predict_without_training_uses_the_shipped_model(run, tmp_path: Path) -> None:
    samples = make_set(10, styles=("pen",))
    paths = []
    for k, item in enumerate(samples):
        paths.append(tmp_path / f"{k}.png")
        paths[-1].write_bytes(item.data)
    outputs = predicted_outputs(run, *map(str, paths))
    network = load(shipped_model_path()).network
    expected = network.feedforward(np.stack([preprocess(p) for p in paths]))
    assert np.allclose(outputs, expected, atol=1e-6)  # JSON rounds to 6 decimals
    assert sum(int(np.argmax(o)) == s.digit for o, s in zip(outputs, samples)) >= 8


def test_a_default_model_comes_before_the_shipped_one(
    run, trained_model: Path, tmp_path: Path, models_home: Path
) -> None:
    shutil.copy(trained_model, models_home / "model.npz")  # the default without a pointer
    path = tmp_path / "seven.png"
    path.write_bytes(make_set(8, styles=("pen",))[7].data)
    [outputs] = predicted_outputs(run, str(path))
    mine = load(trained_model).network.feedforward(preprocess(path))
    assert np.allclose(outputs, mine.ravel(), atol=1e-6)


def test_the_shipped_model_stands_in_only_while_no_model_is_kept(
    trained_model: Path, models_home: Path
) -> None:
    from digitnet.cli.options import default_model_path

    assert default_model_path() == shipped_model_path()  # an empty models folder
    (models_home / "models").mkdir()
    shutil.copy(trained_model, models_home / "models" / "kept.npz")
    (models_home / "default-model").write_text("\n")  # an empty pointer: no default
    assert default_model_path() is None  # models kept, none the default: the user chooses
    shutil.copy(trained_model, models_home / "model.npz")
    (models_home / "default-model").unlink()
    assert default_model_path() == models_home / "model.npz"


def test_evaluate_missing_model_file_is_a_one_line_error(run, tmp_path: Path) -> None:
    code, _, err = run("evaluate", str(tmp_path / "absent.npz"))
    assert_one_line_error(code, err, "absent.npz")


def test_predict_steps_saves_what_the_network_saw(
    run, trained_model: Path, test_digits: tuple[np.ndarray, np.ndarray], tmp_path: Path
) -> None:
    path = save_as_user_image(test_digits[0][0], tmp_path / "seven.png")
    code, out, _ = run("predict", str(trained_model), str(path), "--steps", str(tmp_path / "s"))
    assert code == 0
    saved = tmp_path / "s" / "seven.png.steps.png"
    assert f"stages in {saved}" in out
    with Image.open(saved) as strip:
        assert strip.width > 6 * strip.height  # seven panels side by side


def test_predict_marks_a_long_bar_unsure(run, trained_model: Path, tmp_path: Path) -> None:
    bar = Image.new("L", (100_000, 1), 255)
    bar.paste(0, (20_000, 0, 80_000, 1))
    bar.save(tmp_path / "bar.png")
    code, out, _ = run("predict", str(trained_model), str(tmp_path / "bar.png"), "--json")
    assert code == 0
    assert json.loads(out)["unsure"] is True


def test_predict_refuses_a_fifo_in_one_line(run, trained_model: Path, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.png")
    code, _, err = run("predict", str(trained_model), str(tmp_path / "pipe.png"))
    assert_one_line_error(code, err, "not a regular file")


def test_every_command_is_found_by_its_name_and_imported_only_when_asked() -> None:
    import subprocess
    import sys

    import click

    from digitnet import cli

    ctx = click.Context(cli.main)
    for name in cli.COMMANDS:
        command = cli.main.get_command(ctx, name)
        assert command is not None and command.name == name
    # A fresh process importing the group has imported no command's module.
    code = (
        "import sys, digitnet.cli as c; "
        "print(sorted(m for m in sys.modules if m.startswith('digitnet.cli.')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    for name in cli.COMMANDS:
        assert f"'digitnet.cli.{name}'" not in loaded.stdout
