"""Server-sent events: a training run's :class:`EventLog` as a ``text/event-stream``.

Each event is ``event: <name>`` and ``data: <one line of JSON>``, then a blank line (the
WHATWG format). A client that connects mid-run first receives the run's events so far
(without stale ``progress`` events), then the new ones as they happen; a comment line
every KEEPALIVE_SECONDS keeps proxies from dropping a quiet connection. The stream ends
after the ``done`` or ``error`` event.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from digitnet.web.training_run import Event, EventLog

#: How often a stream looks for new events: well under the page's sense of "at once".
POLL_SECONDS = 0.05
KEEPALIVE_SECONDS = 15.0
MEDIA_TYPE = "text/event-stream"
#: Stop proxies (and nginx) from buffering the stream, and browsers from caching it.
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def format_event(event: Event) -> str:
    """``event: epoch\\ndata: {...}\\n\\n``; the JSON has no NaN and fits on one line."""
    data = json.dumps(event.data, allow_nan=False, separators=(",", ":"))
    return f"event: {event.name}\ndata: {data}\n\n"


async def event_stream(
    log: EventLog,
    *,
    poll_seconds: float = POLL_SECONDS,
    keepalive_seconds: float = KEEPALIVE_SECONDS,
) -> AsyncIterator[str]:
    """Yield ``log``'s events as SSE text until the log is closed."""
    stale_before = len(log)  # progress events before this index are out of date
    index, quiet = 0, 0.0
    yield ": digitnet training events\n\n"  # sends the headers now: the page sees "open"
    while True:
        events, closed = log.since(index)
        for offset, event in enumerate(events):
            if event.name != "progress" or index + offset >= stale_before:
                yield format_event(event)
        index += len(events)
        if closed:
            return
        quiet = 0.0 if events else quiet + poll_seconds
        if quiet >= keepalive_seconds:
            quiet = 0.0
            yield ": keep-alive\n\n"
        await asyncio.sleep(poll_seconds)
