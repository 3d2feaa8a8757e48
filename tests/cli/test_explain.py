"""``digitnet explain IMAGE``: one step of learning on the digit, written as one figure."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from digitnet import Network, save, sgd
from digitnet.data import MnistSplit

pytest.importorskip("matplotlib", reason="the plots extra is not installed")

INDEX = 44  # MNIST test digit 44 is a 3
SVG_ROOT = "{http://www.w3.org/2000/svg}svg"


@pytest.fixture(scope="module")
def model(mnist: MnistSplit, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A [784, 16, 10] network trained briefly on a slice of MNIST, with its history."""
    network = Network([784, 16, 10], seed=1, dtype="float32")
    history = sgd(
        network, (mnist.training.images[:3000], mnist.training.labels[:3000]), epochs=3, seed=1
    )
    return save(tmp_path_factory.mktemp("explain") / "small.npz", network, history=history)


@pytest.fixture(scope="module")
def digit(mnist: MnistSplit, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """MNIST test digit INDEX as a photo would have it: dark ink on white, 280 x 280."""
    ink = 255 - mnist.test.images[INDEX].reshape(28, 28)
    path = tmp_path_factory.mktemp("explain") / "three.png"
    Image.fromarray(ink).resize((280, 280), Image.Resampling.BICUBIC).save(path)
    return path


def test_writes_the_step_as_one_png(run, model, digit, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = model.read_bytes()
    code, out, err = run("explain", str(model), str(digit), "--label", "3")
    assert code == 0, err
    written = tmp_path / "three.step.png"
    assert f"Wrote {written.name}: 1 step of gradient descent on a 3" in out
    assert "the right output went from" in out and "reads a" not in out
    with Image.open(written) as picture:
        assert picture.format == "PNG" and picture.width > 1000
    assert model.read_bytes() == before  # the step is taken on a copy


def test_without_a_label_it_learns_the_network_s_answer(run, model, digit, tmp_path):
    out_file = tmp_path / "step.svg"
    code, out, err = run("explain", str(model), str(digit), "--out", str(out_file), "--steps", "3")
    assert code == 0, err
    assert "three.png: the network reads a 3; learning that (give --label N)" in out
    assert "3 steps of gradient descent on a 3" in out
    assert ET.parse(out_file).getroot().tag == SVG_ROOT  # the name's extension is kept


def test_the_numbers_said_are_the_steps(run, model, digit, tmp_path):
    code, out, _ = run(
        "explain",
        str(model),
        str(digit),
        "--label",
        "8",
        "--learning-rate",
        "0.5",
        "--out",
        str(tmp_path / "s.png"),
    )
    assert code == 0
    from digitnet.explain.step import learning_step
    from digitnet.imaging import preprocess_steps
    from digitnet.modelfile import load

    step = learning_step(load(model).network, preprocess_steps(digit).vector, 8, learning_rate=0.5)
    said = out.split("went from ")[1].split(" to ")[:2]
    assert float(said[0]) == pytest.approx(step.right_outputs[0], rel=1e-3)
    assert float(said[1].split(",")[0]) == pytest.approx(step.right_outputs[-1], rel=1e-3)
    assert "(eta 0.5, quadratic cost)" in out


@pytest.mark.parametrize(
    ("arguments", "status", "needle"),
    [
        (["--label", "10"], 2, "'--label'"),
        (["--steps", "0"], 2, "'--steps'"),
        (["--learning-rate", "0"], 2, "'--learning-rate'"),
        (["--view", "nope"], 2, "'--view'"),
        (["--format", "gif"], 2, "'--format'"),
    ],
)
def test_bad_options_are_usage_errors(run, model, digit, arguments, status, needle):
    code, _, err = run("explain", str(model), str(digit), *arguments)
    assert code == status and needle in err


def test_one_image_only(run, model, digit):
    code, _, err = run("explain", str(model), str(digit), str(digit))
    assert code == 2 and "give one IMAGE to explain, got 2" in err


def test_a_missing_image_is_one_line(run, model, tmp_path):
    code, _, err = run("explain", str(model), str(tmp_path / "none.png"))
    assert code == 1
    assert err.startswith("Error: ") and "none.png" in err and len(err.strip().splitlines()) == 1


def test_an_unwritable_figure_is_one_line(run, model, digit, tmp_path):
    code, _, err = run("explain", str(model), str(digit), "--out", str(tmp_path / "no" / "x.png"))
    assert code == 1 and "cannot write" in err and len(err.strip().splitlines()) == 1


def test_help_names_the_views(run):
    code, out, _ = run("explain", "--help")
    assert code == 0 and "--view [step]" in out and "--label" in out
    assert np.all([word in out for word in ("BP1", "BP4", "not changed")])
