"""What the web tests check of an answer."""

from __future__ import annotations

from typing import Any


def assert_error(response: Any, status: int, *needles: str) -> str:
    """A user's mistake: ``status`` and a one-line ``detail`` holding every needle."""
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str) and "\n" not in detail and detail
    for needle in needles:
        assert needle in detail, detail
    return detail


def refused_run(client: Any, body: dict[str, Any], *needles: str) -> str:
    """``POST /api/train`` with ``body`` is a one-line 422 holding every needle, and no run
    starts."""
    detail = assert_error(client.post("/api/train", json=body), 422, *needles)
    assert client.get("/api/model").json()["training"] is False
    return detail
