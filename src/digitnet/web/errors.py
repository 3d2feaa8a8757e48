"""The web app's errors and the HTTP status each becomes.

Every error a request can cause is a :class:`~digitnet.errors.DigitnetError`; one handler,
:func:`error_response`, answers it as ``{"detail": "<one line>"}`` with the status of the
first matching kind in STATUS_OF_ERROR.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

from digitnet.errors import DataError, DigitnetError


class Conflict(DigitnetError):
    """The request does not fit the server's state: no model yet, a run already going, or a
    view of one kind of network (a fully-connected one's weights) asked of the other."""


class NotFound(DigitnetError):
    """The request names a thing the server does not have (a model not trained here)."""


class TooLarge(DigitnetError):
    """A request body is over its size limit."""


class ClientGone(DigitnetError):
    """The client closed the connection before its request ended: the answer goes nowhere."""


class NotJson(DigitnetError):
    """A JSON endpoint was sent another content type (as a cross-site form would)."""


#: Status codes of the errors a request can cause, most specific first.
STATUS_OF_ERROR: tuple[tuple[type[DigitnetError], int], ...] = (
    (Conflict, 409),
    (NotFound, 404),
    (TooLarge, 413),
    (NotJson, 415),
    (ClientGone, 400),
    (DataError, 503),
    (DigitnetError, 422),
)


async def error_response(request: Request, exc: DigitnetError) -> JSONResponse:
    """A user's mistake -> ``{"detail": "<one line>"}`` with its status code."""
    status = next(code for kind, code in STATUS_OF_ERROR if isinstance(exc, kind))
    return JSONResponse({"detail": " ".join(str(exc).split())}, status_code=status)
