"""No request can exhaust the server: JSON numbers, training settings, decodes at once,
slow connections (issue 16)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.exceptions import StarletteDeprecationWarning

from digitnet.data.mnist import N_TRAINING, N_VALIDATION
from digitnet.footprint import training_bytes
from digitnet.network import n_parameters
from digitnet.recipes import recipe
from digitnet.training import step_work
from digitnet.web import create_app, limits, params
from digitnet.web.params import parse_train_request
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


# --- training requests -------------------------------------------------------------------


def refused_run(client: TestClient, body: dict[str, Any], *needles: str) -> str:
    detail = assert_error(client.post("/api/train", json=body), 422, *needles)
    assert client.get("/api/model").json()["training"] is False
    return detail


def test_the_issue_s_request_is_refused_before_anything_is_allocated(
    fresh_client: TestClient,
) -> None:
    """It took the server to 8.0 GB: one step of 50,000 examples through 9.5 M weights."""
    body = {"sizes": [784, 12000, 10], "mini_batch_size": 50_000}
    refused_run(fresh_client, body, "multiply-adds", f"{limits.MAX_STEP_WORK:.2g}")


def test_epochs_are_bounded(fresh_client: TestClient) -> None:
    refused_run(fresh_client, {"epochs": 10**12}, "epochs", f"{limits.MAX_EPOCHS:,}")


def test_a_mini_batch_larger_than_the_training_images_is_refused(
    fresh_client: TestClient,
) -> None:
    body = {"mini_batch_size": 101, "training_size": 100}
    refused_run(fresh_client, body, "mini_batch_size 101", "100 training images")
    refused_run(fresh_client, {"mini_batch_size": 50_001}, "50,000 training images")


def test_a_run_that_needs_too_much_memory_is_refused_naming_the_cap(
    fresh_client: TestClient,
) -> None:
    """Few weights but 100,000 neurons: each example of a mini-batch holds 300,000 floats."""
    body = {"sizes": [784, 1, 100_000, 10], "mini_batch_size": 500}
    chosen = recipe("book", sizes=tuple(body["sizes"]), mini_batch_size=500)
    assert step_work(n_parameters(chosen.sizes), 500) <= limits.MAX_STEP_WORK
    needed = training_bytes(chosen, N_TRAINING, N_VALIDATION) / 2**20
    cap = f"{limits.MAX_TRAINING_BYTES / 2**20:,.0f} MB"
    refused_run(fresh_client, body, f"about {needed:,.0f} MB", cap)


def test_every_run_the_page_may_start_has_the_server_s_time_limit() -> None:
    request = parse_train_request({"epochs": 2})
    assert request.recipe.settings.time_budget == limits.MAX_RUN_SECONDS


def test_a_run_at_the_time_limit_says_so(
    fresh_client: TestClient, warm_training: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(params, "MAX_RUN_SECONDS", 1e-9)  # over after the first slice
    body = {"epochs": 1000, "training_size": 1000, "seed": 1}
    assert fresh_client.post("/api/train", json=body).status_code == 202
    fresh_client.app.state.session.run.join(60)  # type: ignore[attr-defined]
    done = fresh_client.app.state.session.run.events.since(0)[0][-1]  # type: ignore[attr-defined]
    assert done.name == "done" and done.data["timed_out"] is True
    assert done.data["epochs_run"] == 1 and done.data["stopped"] is False


def test_the_largest_allowed_runs_fit_the_memory_cap() -> None:
    """The bounds work together: the widest network of MAX_WEIGHTS at the largest mini-batch
    its step allows still fits the memory cap, so that refusal is about neurons."""
    sizes = (784, limits.MAX_WEIGHTS // 800, 10)
    m = limits.MAX_STEP_WORK // (3 * n_parameters(sizes))
    chosen = recipe("book", sizes=sizes, mini_batch_size=m, dtype="float32")
    assert training_bytes(chosen, N_TRAINING, N_VALIDATION) <= limits.MAX_TRAINING_BYTES


def test_limits_are_stated_and_the_page_s_form_has_them(fresh_client: TestClient) -> None:
    stated = fresh_client.get("/api/limits").json()
    train = stated["train"]
    assert train["epochs"] == limits.MAX_EPOCHS and train["weights"] == limits.MAX_WEIGHTS
    assert train["memory_bytes"] == limits.MAX_TRAINING_BYTES
    assert train["run_seconds"] == limits.MAX_RUN_SECONDS
    assert stated["json_integer_digits"] == MAX_INT_DIGITS
    page = fresh_client.get("/").text
    for name, key in [
        ("epochs", "epochs"),
        ("mini_batch_size", "mini_batch_size"),
        ("training_size", "training_size"),
        ("learning_rate", "learning_rate_max"),
        ("seed", "seed_max"),
    ]:
        found = re.search(rf'<input [^>]*name="{name}"[^>]*\smax="([^"]+)"', page)
        assert found, name
        assert float(found.group(1)) == train[key], name
