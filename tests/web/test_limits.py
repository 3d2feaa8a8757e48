"""No request can exhaust the server: JSON numbers, training settings, decodes at once,
slow connections (issue 16)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.exceptions import StarletteDeprecationWarning

from digitnet.web import create_app
from digitnet.web.request_body import MAX_INT_DIGITS

with warnings.catch_warnings():  # Starlette would rather it ran on httpx2; httpx works
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

LOCAL = "http://127.0.0.1"
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def fresh_client(tmp_path: Path, mnist_dir: Path) -> Iterator[TestClient]:
    """An app with no model yet, which saves what it trains to tmp_path/trained.npz."""
    with TestClient(create_app(tmp_path / "trained.npz", data_dir=mnist_dir), base_url=LOCAL) as c:
        yield c


def assert_error(response: Any, status: int, *needles: str) -> str:
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str) and "\n" not in detail and detail
    for needle in needles:
        assert needle in detail, detail
    return detail


# --- JSON numbers ------------------------------------------------------------------------


@pytest.mark.parametrize("digits", [MAX_INT_DIGITS + 1, 4_301, 20_000])
def test_a_json_integer_of_too_many_digits_is_422(fresh_client: TestClient, digits: int) -> None:
    """Over 4,300 digits Python's int() raises ValueError: that was a 500 and a traceback."""
    body = b'{"epochs": ' + b"7" * digits + b"}"
    detail = assert_error(fresh_client.post("/api/train", content=body, headers=JSON), 422)
    assert f"{digits:,} digits" in detail and str(MAX_INT_DIGITS) in detail
    assert "set_int_max_str_digits" not in detail


def test_a_negative_json_integer_of_too_many_digits_is_422(fresh_client: TestClient) -> None:
    body = b'{"seed": -' + b"1" * 5_000 + b"}"
    assert_error(fresh_client.post("/api/train", content=body, headers=JSON), 422, "5,000 digits")


def test_integers_up_to_the_digit_limit_are_read(fresh_client: TestClient) -> None:
    body = b'{"seed": ' + b"9" * MAX_INT_DIGITS + b"}"  # read, then refused as a seed
    assert_error(fresh_client.post("/api/train", content=body, headers=JSON), 422, "seed must")
