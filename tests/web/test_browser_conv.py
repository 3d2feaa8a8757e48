"""The page serving a convolutional network, in a real browser: it draws, predicts and
uploads; the panels of a fully-connected network say in one line that they are for those.

Chromium through Playwright against the real app, as tests/web/test_browser.py; slow.
``DIGITNET_UPDATE_SCREENSHOT=1`` rewrites the README's picture of the conv panel in docs/.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import CONV_LAYERS
from PIL import Image
from test_browser import SETTLED, SEVEN, draw, open_page, shown_digit
from test_browser_explain import shoot

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
expect = sync_api.expect
pytestmark = pytest.mark.slow

#: Each <img>'s natural size, once decoded.
NATURAL_SIZES = (
    "imgs => Promise.all(imgs.map(i => i.decode().then(() => [i.naturalWidth, i.naturalHeight])))"
)
#: The sections of a fully-connected network: each shows only its one-line note.
DENSE_ONLY_SECTIONS = ("inside", "learn", "why", "flip")


def test_a_drawn_digit_is_read_and_the_dense_panels_say_what_they_are_for(
    page: Any, problems: Any, conv_server_url: str
) -> None:
    open_page(page, conv_server_url)
    expect(page.locator("#model-status")).to_contain_text(CONV_LAYERS)
    expect(page.locator("#lede-network")).to_contain_text("convolutional")
    draw(page, SEVEN)
    assert page.locator("#prediction").get_attribute("data-state") in ("done", "unsure")
    assert 0 <= shown_digit(page) <= 9
    expect(page.locator("#predict-error")).to_be_hidden()
    for section in DENSE_ONLY_SECTIONS:
        note = page.get_by_test_id(f"{section}-dense-only")
        expect(note).to_be_visible()
        expect(note).to_contain_text("for fully-connected networks")
    expect(page.locator("#weights")).to_be_hidden()
    expect(page.locator("#learn-step")).to_be_hidden()
    expect(page.locator("#teach-add")).to_be_visible()  # teaching works for any network
    page.locator("#steps").scroll_into_view_if_needed()  # the full answer: every stage
    page.wait_for_function(SETTLED)
    expect(page.locator("#step-centred")).not_to_have_attribute(
        "src", "/static/step-placeholder.svg"
    )
    assert problems.messages == []


def test_an_uploaded_digit_is_read(
    page: Any, problems: Any, conv_server_url: str, mnist: Any, tmp_path: Any
) -> None:
    ink = 255 - mnist.test.images[0].reshape(28, 28)  # a 7, black on white
    path = tmp_path / "digit.png"
    Image.fromarray(ink).resize((280, 280), Image.Resampling.BICUBIC).save(path)
    open_page(page, conv_server_url)
    page.set_input_files("#upload", str(path))
    page.wait_for_function(SETTLED)
    assert shown_digit(page) == int(mnist.test.labels[0])
    assert problems.messages == []


def test_the_conv_panel_shows_the_drawn_digits_maps_and_the_filters(
    page: Any, problems: Any, conv_server_url: str, tmp_path: Any
) -> None:
    open_page(page, conv_server_url)
    panel = page.locator("#conv")
    expect(panel).to_be_visible()
    draw(page, SEVEN)
    panel.scroll_into_view_if_needed()
    expect(panel).to_have_attribute("data-state", "done")
    expect(panel).to_have_attribute("data-maps", str(6 + 8))  # CONV_LAYERS' maps
    maps = page.locator("#conv-maps img.conv-map")
    expect(maps).to_have_count(14)
    sizes = maps.evaluate_all(NATURAL_SIZES)
    assert sizes == [[12, 12]] * 6 + [[5, 5]] * 8
    expect(page.locator("#conv-filters")).to_have_attribute("data-filters", "14")
    filters = page.locator("#conv-filters canvas.conv-filter")
    assert filters.evaluate_all("cs => cs.map(c => c.width)") == [5] * 6 + [3] * 8
    expect(page.locator("#conv-filters")).to_contain_text("mean over its 6 input maps")
    shoot(page, "#conv", "conv-panel.png", tmp_path)
    page.click("#clear")
    expect(panel).to_have_attribute("data-state", "empty")
    expect(maps).to_have_count(0)
    assert problems.messages == []


def test_a_fully_connected_model_has_no_conv_panel(
    page: Any, problems: Any, server_url: str
) -> None:
    open_page(page, server_url)
    draw(page, SEVEN)
    expect(page.locator("#conv")).to_be_hidden()
    expect(page.get_by_test_id("inside-dense-only")).to_be_hidden()
    expect(page.locator("#weights .weight")).not_to_have_count(0)
    assert problems.messages == []
