"""Where predictions run: large images one at a time in a thread of their own, the rest in
a small pool, so that many large images at once cannot multiply the memory of a decode.

Decoding costs memory in proportion to the pixels (a 40-megapixel RGBA PNG of 190 KB takes
over 300 MB), and the C allocator keeps what a thread freed for that thread's next use:
sixteen clients sending such images through the server's pool of 40 threads took it to
5 GB, even with one decode at a time. So an image of more than LARGE_IMAGE_PIXELS (read
from its header, which costs nothing) waits its turn for the one large-image thread, and
is skipped if its client has left meanwhile; a canvas drawing never waits behind it, it
runs in one of SMALL_THREADS, or, for the lean answer's input, in one of the server's
:class:`~digitnet.web.input_processes.InputProcesses` when it has them.
"""

from __future__ import annotations

import asyncio
import functools
import io
import struct
import warnings
import zlib
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from digitnet.imaging import FORMATS
from digitnet.web.errors import ClientGone
from digitnet.web.input_processes import InputProcesses, network_input

#: Images larger than this are decoded one at a time (a phone photo is 12 megapixels; the
#: page's canvas 0.08).
LARGE_IMAGE_PIXELS = 1_000_000
#: Threads for the other predictions: at most 1 MP each, 10 MB or so of memory. Fewer than
#: 8 starve them of CPU time beside a training run (see the commit that set it).
SMALL_THREADS = 8
#: What a header that cannot be read raises (the decoder then says what is wrong).
_HEADER_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error)
#: A PNG file's first 24 bytes: its signature, then the IHDR chunk's length and type, then
#: width and height (big-endian), which is what Pillow reads for its size.
_PNG_HEAD = struct.Struct(">8sI4sII")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

T = TypeVar("T")


def png_pixels(data: bytes) -> int | None:
    """Width x height of a PNG from its first 24 bytes; None if it does not start as one."""
    if len(data) < _PNG_HEAD.size:
        return None
    signature, length, kind, width, height = _PNG_HEAD.unpack_from(data)
    if signature != _PNG_SIGNATURE or length != 13 or kind != b"IHDR":
        return None
    return max(1, width * height)


def image_pixels(data: bytes) -> int:
    """Width x height from an image file's header, without decoding; 1 if unreadable."""
    pixels = png_pixels(data)
    if pixels is not None:  # a canvas's PNG: no need to open it
        return pixels
    try:
        with warnings.catch_warnings():  # a bomb is refused by the decoder, not here
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=FORMATS) as image:
                width, height = image.size
    except (*_HEADER_ERRORS, Image.DecompressionBombError):
        return 1
    return max(1, width * height)


class DecodeLanes:
    """The large-image thread and the small pool of one app, and its input processes if
    ``processes`` (shut down with it)."""

    def __init__(self, processes: int = 0) -> None:
        self.large = ThreadPoolExecutor(1, thread_name_prefix="digitnet-large-image")
        self._large_turn = asyncio.Lock()
        self.small = ThreadPoolExecutor(SMALL_THREADS, thread_name_prefix="digitnet-image")
        self.processes = InputProcesses(processes) if processes > 0 else None

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
        pixels = png_pixels(image)  # a canvas's PNG: read here, without a thread's turn
        if pixels is None:
            pixels = await loop.run_in_executor(self.small, image_pixels, image)
        if pixels <= LARGE_IMAGE_PIXELS:
            return await loop.run_in_executor(self.small, work, image)
        async with self._large_turn:  # its waiters are woken in the order they came
            if gone is not None and await gone():
                raise ClientGone("the client left while its large image waited its turn")
            return await loop.run_in_executor(self.large, work, image)

    async def network_input(
        self, image: bytes, reader: str, *, gone: Callable[[], Awaitable[bool]] | None = None
    ) -> tuple[NDArray[np.float32], str | None]:
        """:func:`~digitnet.web.input_processes.network_input` of ``image``: in an input
        process if the image is a small PNG (a canvas's) and there are any, else as
        :meth:`run` does."""
        pixels = png_pixels(image)
        if self.processes is not None and pixels is not None and pixels <= LARGE_IMAGE_PIXELS:
            return await self.processes.network_input(reader, image)
        return await self.run(image, functools.partial(network_input, reader), gone=gone)

    def start(self) -> None:
        """Start the input processes (on the event loop that serves the requests)."""
        if self.processes is not None:
            self.processes.start()

    def shut_down(self) -> None:
        """Drop the waiting decodes; the running ones finish in their threads (and
        processes)."""
        for lane in (self.large, self.small):
            lane.shutdown(wait=False, cancel_futures=True)
        if self.processes is not None:
            self.processes.shut_down()
