"""`digitnet saliency`, `digitnet flip` and `digitnet robustness`: the core's numbers, a
figure when asked, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from explain_fixtures import small_trained
from PIL import Image

from digitnet.explain.flip import flip
from digitnet.explain.saliency import saliency
from digitnet.imaging import preprocess_steps
from digitnet.modelfile import save


@pytest.fixture(scope="module")
def model(mnist: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    net, history = small_trained(mnist)
    return save(tmp_path_factory.mktemp("model") / "small.npz", net, history=history)


@pytest.fixture(scope="module")
def seven(mnist: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """MNIST test digit 0 (a 7) drawn black on white at 280 x 280."""
    path = tmp_path_factory.mktemp("images") / "seven.png"
    grey = 255 - mnist.test.images[0].reshape(28, 28)
    Image.fromarray(grey).resize((280, 280)).save(path)
    return path


def test_saliency_prints_the_answer_and_its_gradients_as_the_core(run, model, seven):
    from digitnet.modelfile import load

    network = load(model).network
    pixels = preprocess_steps(str(seven)).vector
    expected = saliency(network, pixels)
    code, out, _ = run("saliency", str(seven), "--model", str(model), "--json")
    assert code == 0
    record = json.loads(out)
    assert (record["digit"], record["runner_up"]) == expected.digits
    np.testing.assert_allclose(record["gradient"], expected.gradient, rtol=1e-12)
    code, out, _ = run("saliency", str(seven), "--model", str(model))
    assert code == 0 and f"{expected.digits[0]} (output" in out and "more ink raises" in out


def test_flip_prints_the_new_answer_and_draws_it(run, model, seven, tmp_path):
    pytest.importorskip("matplotlib", reason="the figure needs the plots extra")
    from digitnet.modelfile import load

    expected = flip(load(model).network, preprocess_steps(str(seven)).vector)
    figure = tmp_path / "flip.svg"
    code, out, _ = run("flip", str(seven), "--model", str(model), "--out", str(figure))
    assert code == 0, out
    assert f"{expected.digit} becomes {expected.new_digit}" in out
    assert f"L2 size {expected.l2:.3f}" in out
    assert figure.read_text().startswith("<?xml")


def test_robustness_prints_the_accuracy_at_each_size(run, model, mnist, mnist_dir):
    code, out, _ = run(
        "robustness", "--model", str(model), "--digits", "50", "--data-dir", str(mnist_dir)
    )
    assert code == 0, out
    rows = [line.split() for line in out.splitlines() if line.startswith("  ")]
    assert [float(r[0]) for r in rows][:2] == [0.0, 0.25]
    from digitnet.modelfile import load

    test = mnist.test.first(50)
    accuracy = 100 * load(model).network.evaluate(test.images / 255, test.labels) / 50
    assert float(rows[0][1].rstrip("%")) == pytest.approx(accuracy, abs=0.005)


def test_a_figure_of_another_format_is_refused_before_any_work(run, model, seven):
    code, _, err = run("flip", str(seven), "--model", str(model), "--out", "x.gif")
    assert code == 2 and "must end in .png, .svg, .pdf" in err


def test_a_missing_image_is_one_line(run, model):
    code, _, err = run("saliency", "missing.png", "--model", str(model))
    assert code == 1 and err.startswith("Error: missing.png") and err.count("\n") == 1


def test_saliency_and_robustness_draw_their_figures(run, model, seven, mnist_dir, tmp_path):
    pytest.importorskip("matplotlib", reason="the figures need the plots extra")
    code, out, _ = run(
        "saliency", str(seven), "--model", str(model), "--out", str(tmp_path / "s.png")
    )
    assert code == 0 and "Wrote" in out
    with Image.open(tmp_path / "s.png") as picture:
        assert picture.width > picture.height > 100
    args = ["--digits", "20", "--data-dir", str(mnist_dir), "--out", str(tmp_path / "r.pdf")]
    code, out, _ = run("robustness", "--model", str(model), *args)
    assert code == 0 and (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
