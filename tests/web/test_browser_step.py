"""The step-through in a real browser: draw, name the digit, take a step, walk through it.

Debian's chromium through Playwright against the real app, as in test_browser.py (whose
helpers draw and wait); skipped when chromium, Playwright or MNIST is missing.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from digitnet.modelfile import load

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
expect = sync_api.expect

from test_browser import SEVEN, UPDATE_SCREENSHOT_ENV, draw, open_page  # noqa: E402

pytestmark = pytest.mark.slow  # a browser drives the page

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "step.png"
#: The stages of a [784, 30, 10] network's step, in order.
STAGES = ["forward-1", "forward-output", "cost", "bp1", "bp2-1", "bp3", "bp4", "update"]
DONE = "document.querySelector('#learn').dataset.state === 'done'"


@pytest.fixture(scope="module")
def unsure(trained_model: Path, mnist) -> int:
    """An MNIST test digit on which the served model's right output is between 0.2 and 0.8:
    far from saturated, so that a step visibly raises it."""
    network = load(trained_model).network
    outputs = network.feedforward(mnist.test.images[:2000])
    right = outputs[np.arange(2000), mnist.test.labels[:2000]]
    return int(np.flatnonzero((right > 0.2) & (right < 0.8))[0])


def pick(page, index: int) -> None:
    page.fill("#learn-index", str(index))
    page.click("#learn-use-index")
    page.wait_for_function(DONE)


def stage(page) -> str:
    return page.locator("#learn-stage").get_attribute("data-stage")


def take(page, button: str, steps: int) -> None:
    page.click(button)
    expect(page.locator("#learn")).to_have_attribute("data-steps", str(steps))
    page.wait_for_function(DONE)


def risen(page) -> tuple[float, float]:
    summary = page.locator("#learn-summary")
    return float(summary.get_attribute("data-before")), float(summary.get_attribute("data-after"))


def test_a_step_on_a_drawn_digit_is_walked_through(page, problems, server_url):
    open_page(page, server_url)
    draw(page, SEVEN)
    expect(page.locator('#learn-labels [aria-pressed="true"]')).to_have_text("7")
    take(page, "#learn-step", 1)

    expect(page.locator("#learn-summary")).to_contain_text("the right output (7)")
    seen = [stage(page)]
    for _ in STAGES[1:3]:
        page.click("#learn-next")
        seen.append(stage(page))
    page.focus("#learn-stage")
    for _ in STAGES[3:]:
        page.keyboard.press("ArrowRight")
        seen.append(stage(page))
    assert seen == STAGES
    expect(page.locator("#learn-next")).to_be_disabled()
    expect(page.locator("#learn-count")).to_have_text(f"Stage {len(STAGES)} of {len(STAGES)}")
    page.keyboard.press("ArrowLeft")
    assert stage(page) == "bp4"
    page.click("#learn-back")
    assert stage(page) == "bp3"
    page.keyboard.press("Home")
    assert stage(page) == "forward-1"
    expect(page.locator("#learn-back")).to_be_disabled()
    assert problems.messages == []


def test_each_stage_shows_its_equation_and_this_digit_s_numbers(page, problems, server_url):
    open_page(page, server_url)
    draw(page, SEVEN)
    page.click('#learn-labels [data-digit="1"]')  # a 7 the network must learn is a 1
    take(page, "#learn-step", 1)
    before, after = risen(page)
    assert after > before  # the drawn digit's right output rises
    expect(page.locator("#learn-summary")).to_contain_text("the right output (1) rose from")
    figure = page.locator("#learn-figure")
    for key in STAGES:
        assert stage(page) == key
        assert page.locator("#learn-equation").inner_text().strip()
        assert page.locator("#learn-words").inner_text().strip()
        if key == "forward-1":
            expect(figure.locator(".learn-neuron")).to_have_count(30)
            assert figure.locator(".learn-neuron.saturated").count() >= 1  # N(0, 1) weights
        if key == "bp1":
            expect(figure.locator("tbody tr, tr[data-digit]")).to_have_count(10)
            expect(page.locator("#learn-equation")).to_contain_text("\u03c3\u2032(z")  # sigma'(z
        if key == "bp4":
            expect(figure.locator(".learn-gradient canvas")).to_have_count(30)
        if key == "update":
            expect(page.locator("#learn-words")).to_contain_text("The right output ")
        if key != STAGES[-1]:
            page.click("#learn-next")
    assert problems.messages == []


def test_a_step_raises_the_right_output_as_the_server_says(
    page, problems, server_url, mnist, unsure
):
    open_page(page, server_url)
    pick(page, unsure)
    label = int(mnist.test.labels[unsure])
    expect(page.locator('#learn-labels [aria-pressed="true"]')).to_have_text(str(label))
    expect(page.locator("#learn-summary")).to_contain_text(f"the right output ({label}) rose")
    answer = page.request.post(f"{server_url}api/step", data={"index": unsure}).json()
    page.focus("#learn-stage")
    page.keyboard.press("End")
    assert stage(page) == "update"
    shown = page.locator("#learn-figure .learn-bar").evaluate_all(
        "bars => bars.map(b => Number(b.dataset.value))"
    )
    assert shown == answer["outputs_after"]  # the same float64 numbers, not recomputed
    before, after = risen(page)
    assert (before, after) == (answer["right_outputs"][0], answer["right_outputs"][-1])
    assert after > before
    assert problems.messages == []


def test_ten_steps_raise_the_right_output_further(page, problems, server_url, unsure):
    open_page(page, server_url)
    pick(page, unsure)
    page.fill("#learn-rate", "1")
    page.locator("#learn-rate").dispatch_event("change")
    expect(page.locator("#learn")).to_have_attribute("data-steps", "0")
    take(page, "#learn-step", 1)
    _, after_one = risen(page)
    take(page, "#learn-ten", 11)
    first, after_eleven = risen(page)
    assert after_eleven > after_one > first
    assert stage(page) == "update"
    expect(page.locator("#learn-summary")).to_contain_text("After 11 steps with η = 1")
    expect(page.locator(".learn-trajectory")).to_contain_text("→")
    page.click("#learn-reset")
    expect(page.locator("#learn")).to_have_attribute("data-steps", "0")
    expect(page.locator("#learn-stage")).to_be_hidden()
    assert problems.messages == []


def test_screenshot_of_the_step_through(page, problems, server_url, unsure, tmp_path):
    """docs/step.png (with DIGITNET_UPDATE_SCREENSHOT=1): BP4's pictures for an unsure
    MNIST digit."""
    open_page(page, server_url)
    pick(page, unsure)
    page.focus("#learn-stage")
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")
    assert stage(page) == "bp4"
    update = os.environ.get(UPDATE_SCREENSHOT_ENV) == "1"
    path = SCREENSHOT if update else tmp_path / "step.png"
    page.locator("#learn").screenshot(path=str(path))
    with Image.open(path) as shot:
        assert shot.width > 800
    assert problems.messages == []
