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
from starlette.requests import ClientDisconnect

from digitnet.errors import ConfigError
from digitnet.web.errors import ClientGone, NotJson, TooLarge

#: The largest image a page may send; a canvas PNG is a few kilobytes.
MAX_UPLOAD_BYTES = 10 * 2**20
MAX_JSON_BYTES = 64 * 2**10
#: Digits a JSON integer may have: seeds need 10; Python refuses to convert over 4,300.
MAX_INT_DIGITS = 100


def check_length(request: Request, limit: int) -> None:
    """Refuse a body whose declared Content-Length is over ``limit`` before reading it."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"request body of {int(declared):,} bytes is over the limit of {limit:,}")


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, read until it passes ``limit`` bytes (whatever it declared).

    A client that leaves before the end (the server logs it: see
    :mod:`digitnet.web.connections`) raises ClientGone, answered to no one.
    """
    check_length(request, limit)
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"request body is over the limit of {limit:,} bytes")
            chunks.append(chunk)
    except ClientDisconnect:
        raise ClientGone(f"the client left after {size:,} bytes of its request body") from None
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
        return json.loads(body, parse_int=parse_int)
    except RecursionError:
        raise ConfigError("request body is JSON nested too deeply") from None
    except ConfigError:  # from parse_int, already one line
        raise
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise ConfigError(f"request body is not valid JSON ({exc})") from None


def parse_int(digits: str) -> int:
    """A JSON integer, refused past MAX_INT_DIGITS (before Python converts a huge one)."""
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise ConfigError(
            f"request body has an integer of {len(digits.lstrip('-')):,} digits, "
            f"over the limit of {MAX_INT_DIGITS}"
        )
    return int(digits)
