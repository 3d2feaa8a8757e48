"""The page in a real browser: draw, upload, look inside, train, play with perceptrons.

Each test drives Debian's chromium (headless, through Playwright) against the real app
(`create_app`) serving a model trained on MNIST for the session; see conftest.py. They skip
when chromium, Playwright or MNIST is missing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from digitnet.imaging.panels import STAGES
from digitnet.modelfile import load

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
expect = sync_api.expect

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = PROJECT_ROOT / "docs" / "screenshot.png"
#: Set to 1 to rewrite docs/screenshot.png (otherwise the screenshot goes to a temp folder).
UPDATE_SCREENSHOT_ENV = "DIGITNET_UPDATE_SCREENSHOT"
CANVAS_SIDE = 280
UPLOAD_TEST_INDEX = 1  # MNIST test digit 1 is a clear 2

ONE = [[(150, 45), (132, 240)]]  # one stroke, top to bottom, slightly slanted
SEVEN = [[(65, 60), (215, 60), (115, 245)]]  # across the top, then down to the left

SETTLED = """() => {
  const p = document.querySelector('#prediction');
  return p.dataset.settled === 'true' && p.dataset.state !== 'empty';
}"""


def open_page(page: Any, url: str) -> None:
    page.goto(url)
    expect(page.locator("#model-status")).to_have_attribute("data-state", "loaded")


def draw(page: Any, strokes: list[list[tuple[int, int]]]) -> None:
    """Draw polylines given in canvas pixels (0..280) with the mouse, then await the answer."""
    box = page.locator("#canvas").bounding_box()
    scale = box["width"] / CANVAS_SIDE
    for stroke in strokes:
        x, y = stroke[0]
        page.mouse.move(box["x"] + x * scale, box["y"] + y * scale)
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(box["x"] + x * scale, box["y"] + y * scale, steps=12)
        page.mouse.up()
    page.wait_for_function(SETTLED)


def shown_digit(page: Any) -> int:
    return int(page.locator("#prediction").get_attribute("data-digit"))


def bar_values(page: Any) -> list[float]:
    return [
        float(v)
        for v in page.locator("#bars .bar").evaluate_all("bars => bars.map(b => b.dataset.value)")
    ]


def image_size(page: Any, selector: str) -> tuple[int, int]:
    """An <img>'s natural size once it has loaded (0, 0 if it has not)."""
    return tuple(
        page.locator(selector).evaluate(
            "img => img.complete ? [img.naturalWidth, img.naturalHeight] : [0, 0]"
        )
    )


@pytest.mark.parametrize(("strokes", "digit"), [(ONE, 1), (SEVEN, 7)], ids=["one", "seven"])
def test_drawn_digit_is_recognised(page, problems, server_url, strokes, digit):
    open_page(page, server_url)
    draw(page, strokes)

    assert shown_digit(page) == digit
    values = bar_values(page)
    assert len(values) == 10
    assert max(values) == values[digit]
    winner = page.locator("#bars .bar.winner")
    expect(winner).to_have_count(1)
    assert winner.get_attribute("data-digit") == str(digit)
    heights = page.locator("#bars .bar-fill").evaluate_all(
        "fills => fills.map(f => f.getBoundingClientRect().height)"
    )
    assert heights[digit] == max(heights) > 0
    text = page.locator("#prediction-text").inner_text()
    assert "output activation " in text and "confidence" not in text  # sigmoid outputs
    page.wait_for_function("document.querySelector('#preview').complete")
    assert image_size(page, "#preview") == (28, 28)
    assert problems.messages == []


def test_clear_empties_the_answer(page, problems, server_url):
    open_page(page, server_url)
    draw(page, SEVEN)
    page.click("#clear")

    expect(page.locator("#prediction")).to_have_attribute("data-state", "empty")
    assert page.locator("#prediction").get_attribute("data-digit") == ""
    assert max(bar_values(page)) == 0
    assert page.locator("#preview").get_attribute("src") is None
    assert problems.messages == []


def test_uploaded_mnist_digit_is_recognised(page, problems, server_url, mnist, tmp_path):
    label = int(mnist.test.labels[UPLOAD_TEST_INDEX])
    ink = 255 - mnist.test.images[UPLOAD_TEST_INDEX].reshape(28, 28)  # black on white
    path = tmp_path / "digit.png"
    Image.fromarray(ink).resize((280, 280), Image.Resampling.BICUBIC).save(path)
    open_page(page, server_url)

    page.set_input_files("#upload", str(path))
    page.wait_for_function(SETTLED)

    assert shown_digit(page) == label
    assert problems.messages == []


def test_dropped_image_is_classified(page, problems, server_url):
    open_page(page, server_url)
    page.evaluate(
        """async () => {
          const c = new OffscreenCanvas(200, 200), g = c.getContext("2d");
          g.fillStyle = "#fff"; g.fillRect(0, 0, 200, 200);
          g.strokeStyle = "#000"; g.lineWidth = 16; g.lineCap = "round";
          g.beginPath(); g.moveTo(105, 25); g.lineTo(95, 175); g.stroke();
          const blob = await c.convertToBlob({ type: "image/png" });
          const files = new DataTransfer();
          files.items.add(new File([blob], "one.png", { type: "image/png" }));
          const zone = document.querySelector("#drop-zone");
          zone.dispatchEvent(new DragEvent("drop", { dataTransfer: files, bubbles: true }));
        }"""
    )
    page.wait_for_function(SETTLED)

    assert shown_digit(page) == 1
    assert problems.messages == []


def test_preprocessing_steps_are_shown(page, problems, server_url):
    open_page(page, server_url)
    draw(page, SEVEN)
    for name, _, _ in STAGES:
        page.wait_for_function(f"document.querySelector('#step-{name}').complete")

    raw_w, raw_h = image_size(page, "#step-ink")
    cropped_w, cropped_h = image_size(page, "#step-cropped")
    assert raw_w > 0 and 0 < cropped_w <= raw_w and 0 < cropped_h <= raw_h
    assert max(image_size(page, "#step-scaled")) == 20
    assert image_size(page, "#step-centred") == (28, 28)
    assert problems.messages == []


STEPS = ("page", "paper", "ink", "digit", "cropped", "scaled", "centred")


def test_a_drawing_is_answered_lean_until_the_panels_are_shown(page, problems, server_url):
    page.set_viewport_size({"width": 1000, "height": 600})  # the panels below the fold
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/predict" in r.url else None)
    open_page(page, server_url)
    draw(page, SEVEN)
    assert asked and all("input=canvas" in url and "view=lean" in url for url in asked)
    assert shown_digit(page) == 7
    page.wait_for_function("document.querySelector('#preview').complete")
    assert image_size(page, "#preview") == (28, 28)
    assert page.locator("#step-centred").get_attribute("src").startswith("/static/")

    page.locator("#steps").scroll_into_view_if_needed()
    page.wait_for_function(
        "document.querySelector('#step-centred').src.startsWith('data:image/png')"
    )
    page.wait_for_function(SETTLED)
    assert "view=lean" not in asked[-1] and "input=canvas" in asked[-1]
    assert shown_digit(page) == 7
    assert problems.messages == []


def test_the_preprocessing_panels_show_a_placeholder_until_a_digit_and_after_clear(
    page, problems, server_url
):
    open_page(page, server_url)
    for name in STEPS:
        page.wait_for_function(f"document.querySelector('#step-{name}').complete")
        assert image_size(page, f"#step-{name}") != (0, 0), name  # not a broken image
    draw(page, SEVEN)
    page.wait_for_function("document.querySelector('#step-centred').complete")
    assert image_size(page, "#step-centred") == (28, 28)
    page.click("#clear")
    for name in STEPS:
        page.wait_for_function(f"document.querySelector('#step-{name}').complete")
        assert image_size(page, f"#step-{name}") != (0, 0), name
    assert problems.messages == []


def test_the_lede_names_the_loaded_networks_sizes_and_activations(page, problems, server_url):
    open_page(page, server_url)
    expect(page.locator("#lede-network")).to_have_text("A [784, 30, 10] network of sigmoid neurons")
    assert "built from scratch" in page.locator(".lede").inner_text()


def test_the_lede_says_relu_and_softmax_for_such_a_model(page, problems, server_url):
    model = {
        "loaded": True, "sizes": [784, 512, 512, 10], "activation": "relu", "output": "softmax",
        "source": None, "history": None, "training": False,
    }  # fmt: skip
    page.route("**/api/model", lambda route: route.fulfill(json=model))
    page.goto(server_url)
    expect(page.locator("#lede-network")).to_have_text(
        "A [784, 512, 512, 10] network of ReLU neurons and a softmax output layer"
    )


def test_without_a_model_the_lede_names_no_activation(page, problems, fresh_server):
    page.goto(fresh_server(model=False))
    expect(page.locator("#model-status")).to_have_attribute("data-state", "none")
    expect(page.locator("#lede-network")).to_have_text("A neural network")
    assert problems.messages == []


def test_weights_show_one_picture_per_hidden_neuron(page, problems, server_url):
    open_page(page, server_url)
    tiles = page.locator("#weights .weight")
    expect(tiles).to_have_count(30)
    sizes = page.locator("#weights .weight canvas").evaluate_all(
        "cs => cs.map(c => [c.width, c.height])"
    )
    assert sizes == [[28, 28]] * 30

    draw(page, ONE)
    activations = page.locator("#hidden .neuron").evaluate_all(
        "ns => ns.map(n => n.dataset.activation)"
    )
    assert len(activations) == 30 and all(0 <= float(a) <= 1 for a in activations)
    tiles.nth(3).hover()
    expect(page.locator('#hidden .neuron[data-neuron="3"]')).to_have_class("neuron selected")
    expect(page.locator("#neuron-info")).to_contain_text("Hidden neuron 3: activation")
    assert problems.messages == []


def test_training_from_the_page_draws_its_curves_and_keeps_the_model_until_use(
    page, problems, fresh_server, warm_training, tmp_path
):
    open_page(page, fresh_server())
    expect(page.locator("#accuracy-chart")).to_have_attribute("data-points", "10")  # loaded
    page.evaluate(
        """() => {
          window.pointCounts = [];
          new MutationObserver(() => window.pointCounts.push(
            Number(document.querySelector('#accuracy-chart').dataset.points)
          )).observe(document.querySelector('#accuracy-chart'), { attributes: true });
        }"""
    )
    page.fill("#train-size", "3000")
    page.fill("#train-epochs", "3")
    page.fill("#train-seed", "1")
    page.click("#train-start")

    status = page.locator("#train-status")
    expect(status).to_have_attribute("data-state", "done", timeout=60_000)
    expect(status).to_contain_text("Done: 3 epochs")
    counts = page.evaluate("window.pointCounts")
    grew = [n for i, n in enumerate(counts) if i == 0 or n != counts[i - 1]]
    assert grew[:4] == [0, 1, 2, 3], counts
    expect(page.locator("#accuracy-chart")).to_have_attribute("data-points", "3")
    expect(page.locator("#train-start")).to_be_enabled()
    # the run is saved as a new model, but the page goes on serving the 10-epoch one
    expect(page.locator("#train-saved-name")).to_contain_text("Saved as ")
    expect(page.locator("#model-status")).to_contain_text("trained for 10 epochs")
    name = page.locator("#train-saved-name").inner_text().removeprefix("Saved as ").rstrip(".")
    with page.expect_download() as info:
        page.click("#train-download")
    downloaded = tmp_path / "downloaded.npz"
    info.value.save_as(downloaded)
    assert info.value.suggested_filename == f"{name}.npz"
    assert load(downloaded).history.epochs_run == 3
    page.click("#train-use")
    expect(page.locator("#model-status")).to_contain_text("trained for 3 epochs")
    expect(page.locator("#model-status")).to_contain_text(f"{name}.npz")
    expect(page.locator("#train-use")).to_be_disabled()
    expect(page.locator("#train-use")).to_have_text("In use")
    expect(page.locator("#weights .weight")).to_have_count(30)
    assert problems.messages == []


def test_without_a_model_the_page_offers_training(page, problems, fresh_server):
    page.goto(fresh_server(model=False))

    expect(page.locator("#model-status")).to_have_attribute("data-state", "none")
    expect(page.locator("#no-model")).to_be_visible()
    expect(page.locator("#train-sizes")).to_have_value("784,30,10")
    expect(page.locator("#train-rate")).to_have_value("3.0")
    expect(page.locator("#train-batch")).to_have_value("10")
    expect(page.locator("#train-epochs")).to_have_value("5")
    expect(page.locator("#weights .weight")).to_have_count(0)
    assert problems.messages == []


def test_perceptron_toggles_change_the_gates(page, problems, server_url):
    open_page(page, server_url)
    nand = page.locator("#gate-NAND-output")
    expect(nand).to_have_attribute("data-value", "1")
    page.click("#gate-NAND-x1")
    expect(page.locator("#gate-NAND-x1")).to_have_attribute("aria-pressed", "true")
    expect(nand).to_have_attribute("data-value", "1")
    page.click("#gate-NAND-x2")
    expect(nand).to_have_attribute("data-value", "0")
    expect(page.locator("#gate-NAND-maths")).to_contain_text(
        "= \u22121 \u2264 0"
    )  # minus one, at most 0

    page.click("#adder-x1")
    page.click("#adder-x2")
    result = page.locator("#adder-result")
    expect(result).to_have_attribute("data-carry", "1")
    expect(result).to_have_attribute("data-sum", "0")
    expect(page.locator('#half-adder [data-name="n1"]')).to_have_attribute("data-value", "0")

    page.locator("#weight-slider").fill("2.5")
    expect(page.locator("#perceptron-out")).to_have_text("1")
    expect(page.locator("#sigmoid-out")).to_have_text("0.622")
    assert problems.messages == []


def test_gradient_descent_diverges_when_the_rate_is_too_large(page, problems, server_url):
    open_page(page, server_url)
    page.locator("#gd-rate").fill("1")  # the largest learning rate, 0.15
    expect(page.locator("#gd-status")).to_contain_text("Too large")
    page.click("#gd-start")
    expect(page.locator("#gd-status")).to_contain_text("Diverged after")
    page.click("#gd-reset")
    page.locator("#gd-rate").fill("0")
    expect(page.locator("#gd-status")).to_contain_text("Too small")
    assert problems.messages == []


def test_page_loads_without_errors_and_takes_a_screenshot(page, problems, server_url, tmp_path):
    open_page(page, server_url)
    expect(page.locator("#gates .gate")).to_have_count(4)
    draw(page, SEVEN)
    page.locator("#weights .weight").nth(4).hover()
    page.wait_for_function("document.querySelector('#step-centred').complete")

    update = os.environ.get(UPDATE_SCREENSHOT_ENV) == "1"
    path = SCREENSHOT if update else tmp_path / "screenshot.png"
    page.screenshot(path=str(path), full_page=True)
    with Image.open(path) as shot:
        assert shot.width == 1280 and shot.height > 800
    assert problems.messages == []


def test_a_preset_fills_the_trainer_s_options(page, problems, server_url):
    open_page(page, server_url)
    expect(page.locator("#train-more")).not_to_have_attribute("open", "")
    page.click("#train-more summary")
    page.select_option("#train-preset", "best")
    expect(page.locator("#train-sizes")).to_have_value("784,1024,1024,10")
    expect(page.locator("#train-batch")).to_have_value("128")
    expect(page.locator("#train-cost")).to_have_value("log-likelihood")
    expect(page.locator("#train-activation")).to_have_value("relu")
    expect(page.locator("#train-init")).to_have_value("he")
    expect(page.locator("#train-momentum")).to_have_value("0.9")
    expect(page.locator("#train-nesterov")).to_be_checked()
    expect(page.locator("#train-schedule")).to_have_value("cosine")
    expect(page.locator("#train-augment")).to_be_checked()
    page.select_option("#train-preset", "book")
    expect(page.locator("#train-sizes")).to_have_value("784,30,10")
    expect(page.locator("#train-cost")).to_have_value("quadratic")
    expect(page.locator("#train-nesterov")).not_to_be_checked()
    expect(page.locator("#train-momentum")).to_have_value("0")
    assert problems.messages == []


def test_a_preset_over_the_server_s_limits_shows_its_refusal(page, problems, server_url):
    open_page(page, server_url)
    page.select_option("#train-preset", "best")
    expect(page.locator("#train-batch")).to_have_value("128")
    page.fill("#train-batch", "1024")
    page.click("#train-start")
    expect(page.locator("#train-error")).to_contain_text("multiply-adds a step, over the limit")
    expect(page.locator("#train-start")).to_be_enabled()
    expect(page.locator("#train-status")).to_have_text("Not training.")
    problems.messages = [m for m in problems.messages if "422" not in m]  # the refusal itself
    assert problems.messages == []


def test_training_shows_the_first_layer_and_ten_test_digits_learning(
    page, problems, fresh_server, warm_training, mnist, tmp_path
):
    open_page(page, fresh_server())
    page.evaluate(
        """() => {
          window.epochsShown = [];
          new MutationObserver(() => window.epochsShown.push(
            document.querySelector('#learning-samples').dataset.epoch
          )).observe(document.querySelector('#learning-samples'), { attributes: true });
        }"""
    )
    page.click("#train-more summary")
    page.select_option("#train-cost", "cross-entropy")
    page.fill("#train-rate", "0.5")
    page.fill("#train-momentum", "0.5")
    page.check("#train-augment")
    page.fill("#train-size", "3000")
    page.fill("#train-epochs", "3")
    page.fill("#train-seed", "1")
    page.click("#train-start")

    status = page.locator("#train-status")
    expect(status).to_have_attribute("data-state", "done", timeout=90_000)
    expect(status).to_contain_text("Done: 3 epochs")
    assert page.evaluate("window.epochsShown") == ["1", "2", "3"]
    expect(page.locator("#learning")).to_be_visible()
    expect(page.locator("#learning-weights canvas")).to_have_count(8)
    samples = page.locator("#learning-samples .sample")
    expect(samples).to_have_count(10)
    labels = samples.evaluate_all("ss => ss.map(s => s.dataset.label)")
    guesses = samples.evaluate_all("ss => ss.map(s => s.dataset.guess)")
    assert labels == [str(d) for d in range(10)]
    # the guesses shown last are those of the network the run saved
    with page.expect_download() as info:
        page.click("#train-download")
    info.value.save_as(tmp_path / "run.npz")
    trained = load(tmp_path / "run.npz")
    assert trained.settings.cost == "cross-entropy" and trained.settings.augment is True
    firsts = [int(np.flatnonzero(mnist.test.labels == d)[0]) for d in range(10)]
    expected = trained.network.predict(mnist.test.images[firsts] / np.float32(255))
    assert guesses == [str(d) for d in expected]
    wrong = samples.evaluate_all("ss => ss.filter(s => s.classList.contains('wrong')).length")
    assert wrong == sum(g != label for g, label in zip(guesses, labels))
    assert problems.messages == []
