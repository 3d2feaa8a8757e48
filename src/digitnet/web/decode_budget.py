"""How many pixels the server decodes at once: a budget the predictions in flight share.

Decoding an image costs memory in proportion to its pixels (a 40-megapixel PNG took
over 300 MB), so sixteen clients sending large images at once would multiply the peak.
Each prediction holds its image's pixels (read from the file's header, which costs nothing)
out of :data:`DECODE_PIXELS` while it decodes: many canvas drawings run together, but
large images wait their turn, first come first served, and the decodes in flight never
hold more than one maximal image's worth.
"""

from __future__ import annotations

import asyncio
import io
import struct
import warnings
import zlib
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from PIL import Image

from digitnet.imaging import FORMATS, MAX_IMAGE_PIXELS

#: Pixels decoded at once, over all predictions: one image at the size limit.
DECODE_PIXELS = MAX_IMAGE_PIXELS
#: What a header that cannot be read raises (the decoder then says what is wrong).
_HEADER_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error)


def image_pixels(data: bytes) -> int:
    """Width x height from an image file's header, without decoding; 1 if unreadable."""
    try:
        with warnings.catch_warnings():  # a bomb is refused by the decoder, not here
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=FORMATS) as image:
                width, height = image.size
    except (*_HEADER_ERRORS, Image.DecompressionBombError):
        return 1
    return max(1, width * height)


class DecodeBudget:
    """A first-come-first-served budget of pixels for :meth:`hold` (one event loop's)."""

    def __init__(self, pixels: int = DECODE_PIXELS) -> None:
        self.capacity = pixels
        self.in_use = 0
        self._queue: deque[object] = deque()
        self._changed = asyncio.Condition()

    @asynccontextmanager
    async def hold(self, pixels: int) -> AsyncIterator[None]:
        """Wait until ``pixels`` (at most the whole budget) are free and it is our turn."""
        need = min(max(pixels, 1), self.capacity)
        ticket = object()
        async with self._changed:
            self._queue.append(ticket)
            try:
                await self._changed.wait_for(
                    lambda: self._queue[0] is ticket and self.in_use + need <= self.capacity
                )
            finally:  # granted, or cancelled while waiting: out of the queue either way
                self._queue.remove(ticket)
                self._changed.notify_all()
            self.in_use += need
        try:
            yield
        finally:
            async with self._changed:
                self.in_use -= need
                self._changed.notify_all()
