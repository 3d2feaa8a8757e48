"""The explain views in a real browser: why this answer, the flip, robustness, teaching and
the map of the hidden layer, for a drawn digit and for MNIST test digits.

Chromium through Playwright against the real app, as tests/web/test_browser.py; slow.
``DIGITNET_UPDATE_SCREENSHOT=1`` rewrites the README's pictures of each view in docs/.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_browser import SEVEN, draw, open_page

from digitnet.modelfile import load

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
expect = sync_api.expect
pytestmark = pytest.mark.slow

DOCS = Path(__file__).resolve().parents[2] / "docs"
UPDATE_SCREENSHOT_ENV = "DIGITNET_UPDATE_SCREENSHOT"

#: The painted pixels of a canvas that are not the blank background.
PAINTED = """canvas => {
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let n = 0;
  for (let i = 0; i < data.length; i += 4)
    if (!(data[i] === 246 && data[i + 1] === 245 && data[i + 2] === 241)) n++;
  return n;
}"""


def shoot(page: Any, selector: str, name: str, tmp_path: Path) -> None:
    """A picture of one section: into docs/ when asked, else a temporary folder."""
    update = os.environ.get(UPDATE_SCREENSHOT_ENV) == "1"
    page.locator(selector).screenshot(path=str((DOCS if update else tmp_path) / name))


def pick_test_digit(page: Any, index: int) -> None:
    page.fill("#explain-index", str(index))
    page.click("#explain-pick button[type=submit]")
    expect(page.locator("#explain-source")).to_contain_text(f"MNIST test digit #{index}")


def test_a_drawn_digit_gets_its_saliency_and_the_change_that_flips_it(
    page, problems, server_url, tmp_path
):
    open_page(page, server_url)
    draw(page, SEVEN)
    why = page.locator("#saliency")
    expect(why).to_have_attribute("data-state", "done")
    assert why.get_attribute("data-digit") == "7"
    for canvas in why.locator("canvas").all():
        assert canvas.evaluate(PAINTED) == 28 * 28
    expect(page.locator("#saliency-text")).to_contain_text("The answer is 7")
    flipped = page.locator("#flip-pictures")
    expect(flipped).to_have_attribute("data-state", "done")
    assert flipped.get_attribute("data-digit") == "7"
    assert flipped.get_attribute("data-new-digit") not in ("7", None)
    expect(page.locator("#flip-text")).to_contain_text("turns the 7 into a")
    page.click("#robustness-run")
    expect(page.locator("#robustness-chart")).to_have_attribute("data-points", "17", timeout=60_000)
    shoot(page, "#why", "explain-why.png", tmp_path)
    shoot(page, "#flip", "explain-flip.png", tmp_path)
    page.click("#clear")
    expect(why).to_have_attribute("data-state", "empty")
    assert problems.messages == []


def test_a_digit_drawn_with_the_views_below_the_fold_reaches_them_when_shown(
    page, problems, server_url
):
    page.set_viewport_size({"width": 1000, "height": 600})  # only the drawing on screen
    open_page(page, server_url)
    draw(page, SEVEN)  # answered lean: no pixels for the views below
    page.locator("#why").scroll_into_view_if_needed()
    why = page.locator("#saliency")
    expect(why).to_have_attribute("data-state", "done")
    assert why.get_attribute("data-digit") == "7"
    for canvas in why.locator("canvas").all():
        assert canvas.evaluate(PAINTED) == 28 * 28
    assert problems.messages == []


def test_an_mnist_digit_by_index_and_the_robustness_curve(page, problems, server_url, mnist):
    open_page(page, server_url)
    pick_test_digit(page, 3)
    expect(page.locator("#saliency")).to_have_attribute("data-state", "done")
    assert page.locator("#saliency").get_attribute("data-digit") == str(mnist.test.labels[3])
    page.click("#robustness-run")
    expect(page.locator("#robustness-text")).to_contain_text("read right unchanged", timeout=60_000)
    expect(page.locator("#robustness-chart")).to_have_attribute("data-points", "17")
    assert problems.messages == []


def test_teaching_a_misread_digit_raises_its_output_and_keeps_the_model_when_asked(
    page, problems, fresh_server, trained_model, mnist, tmp_path
):
    network = load(trained_model).network
    test = mnist.test.first(500)
    outputs = network.feedforward(test.images / 255)
    right = outputs[np.arange(len(test)), test.labels]
    # misread, but not with a saturated right output, which the quadratic cost barely moves
    misread = np.flatnonzero((outputs.argmax(axis=1) != test.labels) & (right > 0.05))
    index, label = int(misread[0]), int(test.labels[misread[0]])
    open_page(page, fresh_server())
    pick_test_digit(page, index)
    page.select_option("#teach-label", str(label))
    page.click("#teach-add-button")
    expect(page.locator("#teach-examples figure")).to_have_count(1)
    page.click("#teach-run")
    text = page.locator("#teach-text")
    expect(text).to_have_attribute("data-state", "done", timeout=60_000)
    expect(text).to_contain_text("Validation accuracy")
    expect(page.locator("#teach-use")).to_be_hidden()  # until the lesson is kept
    before = float(text.get_attribute("data-right-before"))
    after = float(text.get_attribute("data-right-after"))
    assert after > before
    shoot(page, "#teach", "explain-teach.png", tmp_path)
    expect(page.locator("#model-status")).to_contain_text("model-0.npz")  # not replaced yet
    page.click("#teach-keep")
    expect(page.locator("#teach-saved-name")).to_contain_text("Saved as ")
    name = page.locator("#teach-saved-name").inner_text().removeprefix("Saved as ").rstrip(".")
    page.click("#teach-use")
    expect(page.locator("#model-status")).to_contain_text(f"{name}.npz")
    assert problems.messages == []


def test_the_map_places_2000_digits_the_drawn_one_and_shows_a_clicked_one(
    page, problems, server_url, tmp_path
):
    open_page(page, server_url)
    draw(page, SEVEN)
    expect(page.locator("#map-pick")).to_be_hidden()
    page.click("#map-run")
    canvas = page.locator("#map-canvas")
    expect(canvas).to_have_attribute("data-points", "2000")
    expect(canvas).to_have_attribute("data-drawn", "true")
    expect(page.locator("#map-text")).to_contain_text("variance")
    # click the densest spot: some test digit is there
    box = canvas.bounding_box()
    for dx, dy in [(0, 0), (20, 0), (0, 20), (-20, 0), (0, -20), (40, 40), (-40, -40)]:
        canvas.click(position={"x": box["width"] / 2 + dx, "y": box["height"] / 2 + dy})
        if page.locator("#map-pick").is_visible():
            break
    expect(page.locator("#map-pick")).to_be_visible()
    expect(page.locator("#map-pick-text")).to_contain_text("Test digit #")
    shoot(page, "#map", "explain-map.png", tmp_path)
    index = page.locator("#map-pick").get_attribute("data-index")
    page.click("#map-pick-use")
    expect(page.locator("#explain-source")).to_contain_text(f"MNIST test digit #{index}")
    expect(page.locator("#saliency")).to_have_attribute("data-state", "done")
    assert problems.messages == []
