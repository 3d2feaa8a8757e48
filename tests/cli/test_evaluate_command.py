"""`digitnet evaluate`: the split, the per-digit report, --json, tables within 80 columns,
several models and their ensemble."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from digitnet.conv.network import ConvNetwork
from digitnet.data import MnistSplit
from digitnet.ensemble import Ensemble
from digitnet.modelfile import load, save
from digitnet.network import Network
from digitnet.settings import TrainingSettings
from digitnet.training import sgd, train

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture(scope="module")
def model(mnist: MnistSplit, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Network]:
    """A network after one epoch on 2,000 images: good at some digits, poor at others."""
    network = Network([784, 20, 10], seed=2)
    sgd(network, mnist.training.first(2000), epochs=1, learning_rate=3.0, seed=2)
    path = tmp_path_factory.mktemp("evaluate") / "model.npz"
    save(path, network)
    return path, network


@pytest.mark.parametrize("split", ["test", "validation"])
def test_json_record_counts_what_the_network_gets_right(
    run: Run, model: tuple[Path, Network], mnist: MnistSplit, mnist_dir: Path, split: str
) -> None:
    path, network = model
    code, out, err = run(
        "evaluate", str(path), "--split", split, "--json", "--data-dir", str(mnist_dir)
    )
    assert code == 0, err
    record = json.loads(out)
    data = getattr(mnist, split)
    predicted = network.predict(data.images)
    assert record["split"] == split and record["model"] == str(path)
    assert record["correct"] == int(np.count_nonzero(predicted == data.labels))
    assert record["images"] == len(data) == sum(d["support"] for d in record["digits"])
    confusion = np.array(record["confusion"])
    for d, row in enumerate(record["digits"]):
        assert row["digit"] == d and row["support"] == int(np.count_nonzero(data.labels == d))
        assert row["recall"] == pytest.approx(confusion[d, d] / row["support"], abs=1e-6)
        assert row["precision"] == pytest.approx(confusion[d, d] / confusion[:, d].sum(), abs=1e-6)
    assert record["weighted"]["recall"] == pytest.approx(record["accuracy"], abs=1e-6)


def test_the_splits_differ(run: Run, model: tuple[Path, Network], mnist_dir: Path) -> None:
    path, _ = model
    records = [
        json.loads(
            run("evaluate", str(path), "--split", s, "--json", "--data-dir", str(mnist_dir))[1]
        )
        for s in ("test", "validation")
    ]
    assert records[0]["confusion"] != records[1]["confusion"]


def test_tables_show_the_report_within_80_columns(
    run: Run, model: tuple[Path, Network], mnist_dir: Path
) -> None:
    path, _ = model
    code, out, _ = run("evaluate", str(path), "--split", "validation", "--data-dir", str(mnist_dir))
    assert code == 0
    assert f"{path}: " in out and "/ 10000 validation images correct" in out
    for needle in ("Confusion matrix", "precision", "recall", "F1", "support", "macro avg"):
        assert needle in out
    assert "weighted avg" in out
    tables = out.splitlines()[1:]  # below the line naming the model, whose path may be long
    assert max(len(line) for line in tables) <= 80


@pytest.fixture(scope="module")
def second_model(mnist: MnistSplit, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small convolutional network after one epoch on 300 images."""
    network = ConvNetwork("conv:4x5x5,pool:2,fc:20,softmax:10", seed=3)
    settings = TrainingSettings(
        epochs=1, mini_batch_size=10, learning_rate=0.1, seed=3, cost="log-likelihood"
    )
    train(network, mnist.training.first(300), settings)
    path = tmp_path_factory.mktemp("evaluate") / "conv.npz"
    save(path, network)
    return path


def test_several_models_report_each_and_their_ensemble(
    run: Run, model: tuple[Path, Network], second_model: Path, mnist: MnistSplit, mnist_dir: Path
) -> None:
    path, network = model
    args = ("evaluate", str(path), str(second_model), str(path), "--data-dir", str(mnist_dir))
    code, out, err = run(*args, "--json")
    assert code == 0, err
    record = json.loads(out)
    conv = load(second_model).network
    ensemble = Ensemble([network, conv, network])
    images, labels = mnist.test.images, mnist.test.labels
    assert record["model"] == "ensemble of 3" and record["ensemble"] == "mean probability"
    assert record["correct"] == ensemble.evaluate(images, labels)
    assert [m["model"] for m in record["members"]] == [str(path), str(second_model), str(path)]
    assert [m["correct"] for m in record["members"]] == [
        network.evaluate(images, labels),
        conv.evaluate(images, labels),
        network.evaluate(images, labels),
    ]
    code, out, err = run(*args)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"{path}: ") and lines[1].startswith(f"{second_model}: ")
    assert lines[3].startswith("ensemble of 3 (mean probability): ")
    assert f"{record['correct']} / 10000 test images correct" in lines[3]


def test_an_ensemble_of_models_that_are_not_classifiers_is_refused(
    run: Run, model: tuple[Path, Network], tmp_path: Path, mnist_dir: Path
) -> None:
    other = tmp_path / "five.npz"
    save(other, Network([784, 20, 5], seed=1))
    code, out, err = run("evaluate", str(model[0]), str(other), "--data-dir", str(mnist_dir))
    assert code == 1 and out == ""
    assert err.strip() == f"Error: {other}: network [784, 20, 5] is not an MNIST classifier"
