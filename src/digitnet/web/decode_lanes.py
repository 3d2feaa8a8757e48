"""Where predictions run: large images one at a time in a thread of their own, the rest in
a small pool, so that many large images at once cannot multiply the memory of a decode.

Decoding costs memory in proportion to the pixels (a 40-megapixel RGBA PNG of 190 KB takes
over 300 MB), and the C allocator keeps what a thread freed for that thread's next use:
sixteen clients sending such images through the server's pool of 40 threads took it to
5 GB, even with one decode at a time. So an image of more than LARGE_IMAGE_PIXELS (read
from its header, which costs nothing) waits its turn for the one large-image thread, and
is skipped if its client has left meanwhile; a canvas drawing never waits behind it, it
runs in one of SMALL_THREADS.
"""

from __future__ import annotations

import asyncio
import io
import struct
import warnings
import zlib
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from PIL import Image

from digitnet.imaging import FORMATS
from digitnet.web.errors import ClientGone

#: Images larger than this are decoded one at a time (a phone photo is 12 megapixels; the
#: page's canvas 0.08).
LARGE_IMAGE_PIXELS = 1_000_000
#: Threads for the other predictions: at most 1 MP each, 10 MB or so of memory. Fewer than
#: 8 starve them of CPU time beside a training run (see the commit that set it).
SMALL_THREADS = 8
#: What a header that cannot be read raises (the decoder then says what is wrong).
_HEADER_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error)

T = TypeVar("T")


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


class DecodeLanes:
    """The large-image thread and the small pool of one app (shut down with it)."""

    def __init__(self) -> None:
        self.large = ThreadPoolExecutor(1, thread_name_prefix="digitnet-large-image")
        self._large_turn = asyncio.Lock()
        self.small = ThreadPoolExecutor(SMALL_THREADS, thread_name_prefix="digitnet-image")

    async def run(
        self,
        image: bytes,
        work: Callable[[bytes], T],
        *,
        gone: Callable[[], Awaitable[bool]] | None = None,
    ) -> T:
        """``work(image)`` in the lane of the image's size, first come first served.

        A large image whose client is ``gone()`` when its turn comes is not decoded: it
        raises ClientGone.
        """
        loop = asyncio.get_running_loop()
        pixels = await loop.run_in_executor(self.small, image_pixels, image)
        if pixels <= LARGE_IMAGE_PIXELS:
            return await loop.run_in_executor(self.small, work, image)
        async with self._large_turn:  # its waiters are woken in the order they came
            if gone is not None and await gone():
                raise ClientGone("the client left while its large image waited its turn")
            return await loop.run_in_executor(self.large, work, image)

    def shut_down(self) -> None:
        """Drop the waiting decodes; the running ones finish in their threads."""
        for lane in (self.large, self.small):
            lane.shutdown(wait=False, cancel_futures=True)
