"""`digitnet train` keeps every model; `digitnet models` lists them and picks the default."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from digitnet.cli import train as train_module
from digitnet.history import RunEnd
from digitnet.modelfile import load, save
from digitnet.models_store import ModelStore
from digitnet.network import Network


def train_args(mnist_dir: Path, *extra: str, size: int = 1000, epochs: int = 1) -> list[str]:
    return [
        "train", "--epochs", str(epochs), "--training-size", str(size), "--seed", "1",
        "--data-dir", str(mnist_dir), *extra,
    ]  # fmt: skip


def bar_image(folder: Path) -> Path:
    """A '1': a dark bar on white."""
    pixels = np.full((28, 28), 255, np.uint8)
    pixels[5:23, 12:16] = 0
    path = folder / "one.png"
    Image.fromarray(pixels).save(path)
    return path


def saved_line(out: str) -> str:
    lines = [line for line in out.splitlines() if line.startswith(("Saved", "Nothing saved"))]
    assert len(lines) == 1, out
    return lines[0]


@pytest.fixture
def store(models_home: Path) -> ModelStore:
    return ModelStore(models_home)


@pytest.fixture
def good_default(run, mnist_dir: Path, store: ModelStore) -> str:
    code, out, err = run(*train_args(mnist_dir, size=5000, epochs=2))
    assert code == 0, err
    assert saved_line(out).endswith("it is now the default model.")
    name = store.default_name()
    assert name is not None and store.find(name).accuracy() > 0.8  # type: ignore[operator]
    return name


def test_a_quick_run_does_not_replace_a_better_default(
    run, mnist_dir: Path, store: ModelStore, good_default: str
) -> None:
    """The issue's case: `train --training-size 1000 --epochs 1` saved over the default."""
    code, out, _ = run(*train_args(mnist_dir, size=300))
    assert code == 0
    line = saved_line(out)
    assert f"the default stays {good_default}, as that one is more accurate" in line
    assert "digitnet models use " in line
    assert store.default_name() == good_default
    assert len(store.models()) == 2
    code, listing, _ = run("models")
    assert code == 0
    marked = [row for row in listing.splitlines() if row.lstrip().startswith("*")]
    assert len(marked) == 1 and good_default in marked[0]


def test_make_default_and_models_use_choose_the_default(
    run, mnist_dir: Path, store: ModelStore, good_default: str
) -> None:
    code, out, _ = run(*train_args(mnist_dir, "--make-default", size=300))
    assert code == 0 and saved_line(out).endswith("it is now the default model.")
    quick = store.default_name()
    assert quick != good_default
    code, out, _ = run("models", "use", good_default)
    assert code == 0 and good_default in out and store.default_name() == good_default
    code, out, _ = run("models", "remove", quick)  # type: ignore[arg-type]
    assert code == 0 and [m.name for m in store.models()] == [good_default]
    code, _, err = run("models", "remove", good_default)
    assert code == 1 and "is the default model" in err and len(err.strip().splitlines()) == 1


def test_a_stalled_run_is_not_the_default(run, mnist_dir: Path, store: ModelStore) -> None:
    code, out, _ = run(*train_args(mnist_dir, "--learning-rate", "100", size=500))
    assert code == 0
    assert "as the run stalled near chance" in saved_line(out)
    assert store.default() is None and len(store.models()) == 1


def test_a_diverged_run_saves_nothing_and_keeps_the_default(
    run, mnist_dir: Path, store: ModelStore, monkeypatch: pytest.MonkeyPatch, good_default: str
) -> None:
    real_train = train_module.train

    def diverging(network: Network, *args: Any, **kwargs: Any) -> Any:
        history = real_train(network, *args, **kwargs)
        network.weights[0][0, 0] = np.inf  # what a too-large rate does, at once
        history.end = RunEnd.DIVERGED
        return history

    monkeypatch.setattr(train_module, "train", diverging)
    code, out, err = run(*train_args(mnist_dir, size=300))
    assert code == 0, err
    assert (
        saved_line(out) == "Nothing saved: its weights are not finite numbers (the run diverged)."
    )
    assert [m.name for m in store.models()] == [good_default]
    assert store.default_name() == good_default


def test_out_says_what_it_replaced(run, mnist_dir: Path, tmp_path: Path, store: ModelStore) -> None:
    out_file = tmp_path / "mine.npz"
    code, out, _ = run(*train_args(mnist_dir, "--out", str(out_file), size=2000, epochs=2))
    assert code == 0 and saved_line(out) == f"Saved the model to {out_file}."
    code, out, _ = run(*train_args(mnist_dir, "--out", str(out_file), size=300))
    before = load(out_file).history.accuracy["validation"][-1]  # type: ignore[union-attr]
    assert code == 0
    assert saved_line(out).startswith(f"Saved the model to {out_file}, replacing a model of")
    assert store.models() == []  # --out writes the file asked for, nothing else
    assert before < 0.9
    code, _, err = run(*train_args(mnist_dir, "--out", str(out_file), "--make-default"))
    assert code == 2 and "--make-default" in err


def test_models_without_any_says_how_to_train_one(run, store: ModelStore) -> None:
    code, out, _ = run("models")
    assert code == 0 and "digitnet train" in out


def test_an_earlier_model_npz_is_still_the_default(run, store: ModelStore, tmp_path: Path) -> None:
    store.home.mkdir(parents=True, exist_ok=True)
    save(store.legacy, Network([784, 5, 10], seed=0))
    code, out, err = run("predict", str(bar_image(tmp_path)))
    assert code == 0, err
    assert out.startswith(str(tmp_path / "one.png"))
    code, listing, _ = run("models")
    assert "model" in listing and "*" in listing


def test_predict_refuses_a_model_that_is_not_a_digit_classifier(run, tmp_path: Path) -> None:
    """The issue's case: predict took a 5-output model that serve refuses."""
    five = save(tmp_path / "five.npz", Network([784, 30, 5], seed=0))
    image = tmp_path / "x.png"
    Image.new("L", (28, 28), 255).save(image)
    code, _, err = run("predict", str(five), str(image))
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "not an MNIST classifier" in lines[0] and "five.npz" in lines[0]


def test_predict_without_a_default_names_the_saved_models(
    run, store: ModelStore, tmp_path: Path, mnist_dir: Path
) -> None:
    code, out, _ = run(*train_args(mnist_dir, "--keep-default", size=300))
    assert code == 0 and "no default model yet, as asked (make it the default" in out
    code, _, err = run("predict", str(bar_image(tmp_path)))
    assert code == 1 and "digitnet models use NAME" in err and len(err.strip().splitlines()) == 1


def test_a_huge_weight_model_is_refused_in_one_line_without_warnings(run, tmp_path: Path) -> None:
    """The issue's case: weights of 3e38 printed NumPy RuntimeWarnings."""
    path = save(tmp_path / "ok.npz", Network([784, 30, 10], seed=0, dtype="float32"))
    huge = shutil.copy(path, tmp_path / "huge.npz")
    with np.load(path) as arrays:
        members = dict(arrays)
    members["weights_0"] = np.full((30, 784), 3e38, np.float32)
    np.savez(huge, **members)
    image = tmp_path / "x.png"
    Image.new("L", (28, 28), 255).save(image)
    code, _, err = run("predict", str(huge), str(image))
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "overflow" in lines[0] and "Warning" not in err


def test_an_empty_models_folder_says_the_shipped_model_serves(run, store: ModelStore) -> None:
    code, out, _ = run("models")
    assert code == 0
    assert "No models in" in out and "shipped with digitnet" in out
    assert "handwriting.npz" in " ".join(out.split())
