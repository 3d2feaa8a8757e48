"""`digitnet train --layers`, `evaluate` and `predict` with a convolutional network."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from digitnet.conv.network import ConvNetwork
from digitnet.data import MnistSplit
from digitnet.modelfile import load

Run = Callable[..., tuple[int, str, str]]

SPEC = "conv:6x5x5,pool:2,fc:30,softmax:10"


@pytest.fixture(scope="module")
def conv_model(run: Run, mnist_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("conv") / "conv.npz"
    code, stdout, stderr = run(
        "train", "--layers", SPEC, "--cost", "log-likelihood", "--activation", "relu",
        "--init", "he", "--learning-rate", "0.1", "--epochs", "1", "--training-size", "500",
        "--validation-size", "500", "--seed", "1", "--data-dir", str(mnist_dir), "--out", str(out),
    )  # fmt: skip
    assert code == 0, stderr
    assert f"ConvNetwork('{SPEC}', dtype=float32, activation='relu')" in stdout
    return out


def test_train_layers_saves_the_conv_network(conv_model: Path) -> None:
    saved = load(conv_model)
    assert isinstance(saved.network, ConvNetwork) and saved.network.spec == SPEC
    assert saved.settings is not None and saved.settings.cost == "log-likelihood"


def test_evaluate_counts_a_conv_models_right_answers(
    run: Run, conv_model: Path, mnist: MnistSplit, mnist_dir: Path
) -> None:
    code, out, err = run("evaluate", str(conv_model), "--json", "--data-dir", str(mnist_dir))
    assert code == 0, err
    record = json.loads(out)
    network = load(conv_model).network
    assert record["correct"] == network.evaluate(mnist.test.images, mnist.test.labels)
    assert record["correct"] > 5_000  # far above chance's 1,000 after 500 images


def test_predict_reads_an_image_with_a_conv_model(
    run: Run, conv_model: Path, mnist: MnistSplit, tmp_path: Path
) -> None:
    path = tmp_path / "digit.png"
    Image.fromarray(255 - mnist.test.images[0].reshape(28, 28)).resize((112, 112)).save(path)
    code, out, err = run("predict", str(conv_model), str(path), "--json")
    assert code == 0, err
    record = json.loads(out)
    assert len(record["outputs"]) == 10 and sum(record["outputs"]) == pytest.approx(1, abs=1e-4)
    assert record["digit"] == int(np.argmax(record["outputs"]))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--layers", "conv:6x5x5,fc:30"), "must end with the output layer, softmax:N"),
        (("--layers", SPEC), "needs the log-likelihood cost, not quadratic"),
        (("--layers", SPEC, "--sizes", "784,30,10"), "the layer sizes or the conv layers"),
    ],
)
def test_a_bad_layers_option_is_a_one_line_error(run: Run, args: tuple[str, ...], message: str):
    code, _, err = run("train", *args, "--epochs", "1")
    assert code == 1
    assert message in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "command",
    [
        ("explain", "{model}", "{image}"),
        ("saliency", "--model", "{model}", "{image}"),
        ("flip", "--model", "{model}", "{image}"),
        ("robustness", "--model", "{model}", "--digits", "5"),
    ],
)
def test_the_explain_commands_refuse_a_conv_model_in_one_line(
    run: Run, conv_model: Path, mnist: MnistSplit, tmp_path: Path, command: tuple[str, ...]
) -> None:
    image = tmp_path / "digit.png"
    Image.fromarray(mnist.test.images[0].reshape(28, 28)).save(image)
    args = [a.format(model=conv_model, image=image) for a in command]
    code, _, err = run(*args)
    assert code == 1 and "Traceback" not in err
    assert f"`digitnet {command[0]}` opens fully-connected networks" in err
    assert f"digitnet plot {conv_model}" in err


def test_the_conv_best_preset_runs_end_to_end(run: Run, mnist_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "best.npz"
    code, stdout, stderr = run(
        "train", "--preset", "conv-best", "--time-budget", "3", "--training-size", "200",
        "--validation-size", "200", "--seed", "2", "--data-dir", str(mnist_dir), "--out", str(out),
    )  # fmt: skip
    assert code == 0, stderr
    assert "50% of the images left clean" in stdout and "fresh distortions" in stdout
    saved = load(out)
    assert isinstance(saved.network, ConvNetwork)
    assert saved.settings is not None and saved.settings.clean_fraction == 0.5
