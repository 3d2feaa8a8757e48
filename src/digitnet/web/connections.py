"""The server's connections: a request must arrive in time, and an unfinished one is one
line in the log.

uvicorn closes a keep-alive connection left idle between requests, but it waits forever
for a request's headers or body once the first byte has come (or for the first byte of a
new connection), so slow clients could hold any number of connections open.
:class:`TimedH11Protocol` is uvicorn's h11 protocol with one deadline more: a request,
headers and body, must be received within REQUEST_SECONDS of the connection's opening or
of its first byte after a response; otherwise the server answers 408 (if it has not
answered yet) and closes the connection. A client that goes away before its request has
ended (an abandoned upload) is one line in the log too, not a traceback.
:func:`server_config` is how ``digitnet serve`` (and the tests) configure uvicorn.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

#: Seconds a client has to send a whole request: 10 MB (the upload limit) at 350 KB/s.
REQUEST_SECONDS = 30.0
#: Connections and requests in flight; over it uvicorn answers 503. With the uploads'
#: limit this bounds the bodies held at once.
MAX_CONNECTIONS = 64


def timeout_response(seconds: float) -> bytes:
    """What a client that took too long is told, if the app has not answered yet."""
    body = f'{{"detail": "the request did not arrive within {seconds:g} s"}}'.encode()
    head = (
        "HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
        f"connection: close\r\ncontent-length: {len(body)}\r\n\r\n"
    )
    return head.encode("ascii") + body


class TimedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, with a deadline of ``request_seconds`` on each request."""

    request_seconds = REQUEST_SECONDS

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._deadline: asyncio.TimerHandle | None = None
        self._begun = False  # whether a byte of the current request has come
        self._headers_in = False  # whether its headers have (uvicorn made its cycle)
        super().connection_made(transport)
        self._arm()  # browsers open spare connections: those are closed quietly

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE and not self._begun:
            self._begun = True
            if self._deadline is None:  # the next request on a kept-alive connection
                self._arm()
        cycle = self.cycle
        super().data_received(data)
        self._headers_in = self._headers_in or self.cycle is not cycle
        if self._headers_in and self.conn.their_state is not h11.SEND_BODY:
            self._disarm()  # the whole request is in (DONE, or IDLE again if answered early)
            self._begun = self._headers_in = False

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None and self.conn.their_state is h11.SEND_BODY:
            self.logger.warning("%s: the client left before its request ended", self._what())
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.request_seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self._begun:
            part = "body" if self.conn.their_state is h11.SEND_BODY else "headers"
            self.logger.warning(
                "%s: closed, its request %s did not arrive within %g s",
                self._what(),
                part,
                self.request_seconds,
            )
            if self.conn.their_state is h11.IDLE or not self.cycle.response_started:
                self.transport.write(timeout_response(self.request_seconds))
        self.transport.close()

    def _what(self) -> str:
        """``127.0.0.1:53211 POST /api/predict``: the client, and the request if known."""
        client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
        if self.conn.their_state is h11.SEND_BODY and self.scope is not None:
            return f"{client} {self.scope['method']} {self.scope['path']}"
        return client


def server_config(app: Any, **options: Any) -> uvicorn.Config:
    """uvicorn's configuration for the app: the timed protocol, the connection limit,
    warnings and above in uvicorn's log format, no access log."""
    options = {"log_level": "warning", "access_log": False, **options}
    return uvicorn.Config(app, http=TimedH11Protocol, limit_concurrency=MAX_CONNECTIONS, **options)
