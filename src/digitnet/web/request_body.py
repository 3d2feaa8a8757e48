"""Reading a request's body: size limits, an uploaded image's bytes, JSON.

A body is refused (413) by its declared Content-Length before it is read, and again as
it is read, whatever it declared. JSON endpoints accept ``Content-Type: application/json``
only (415 otherwise): a form on another web site can post text/plain without asking, but
browsers send JSON cross-site only after a CORS preflight, which this app never grants.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from digitnet.errors import ConfigError
from digitnet.web.errors import NotJson, TooLarge

#: The largest image a page may send; a canvas PNG is a few kilobytes.
MAX_UPLOAD_BYTES = 10 * 2**20
MAX_JSON_BYTES = 64 * 2**10


def check_length(request: Request, limit: int) -> None:
    """Refuse a body whose declared Content-Length is over ``limit`` before reading it."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"request body of {int(declared):,} bytes is over the limit of {limit:,}")


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, read until it passes ``limit`` bytes (whatever it declared)."""
    check_length(request, limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"request body is over the limit of {limit:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_upload(request: Request) -> bytes:
    """An uploaded image's bytes, at most MAX_UPLOAD_BYTES (any content type)."""
    return await read_body(request, MAX_UPLOAD_BYTES)


async def read_json(request: Request) -> Any:
    """The body as JSON (``{}`` if empty); only with ``Content-Type: application/json``."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise NotJson(f"expected Content-Type application/json, got {content_type or 'none'!r}")
    body = await read_body(request, MAX_JSON_BYTES)
    if not body.strip():
        return {}
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"request body is not valid JSON ({exc})") from None
    except RecursionError:
        raise ConfigError("request body is JSON nested too deeply") from None
