"""Fuzz the image preprocessing (digitnet.imaging: load_image -> preprocess_array).

The first byte of each input says what the rest is:

    b"p"    a PNG file whose chunk CRCs are recomputed first, so mutations reach Pillow's
            chunk parsers and the decoder (a wrong CRC stops the rest at the first check)
    b"a"    an ink array for preprocess_array: byte 0 is the width, the others are
            grey levels (value / 255), row by row
    other   an image file as is (PNG, JPEG, GIF, BMP, TIFF, WebP, or anything else)

Run with ``python fuzz/run.py imaging --minutes 10`` (see fuzz/README.md).
"""

from __future__ import annotations

import struct
import zlib

import numpy as np
from harness import check_message, fuzz

# Pillow loads its plugins on first use, after instrument_all(): load them now to cover them.
from PIL import (  # noqa: F401
    BmpImagePlugin,
    GifImagePlugin,
    JpegImagePlugin,
    PngImagePlugin,
    TiffImagePlugin,
    WebPImagePlugin,
)

from digitnet.errors import ImageError
from digitnet.imaging import DIGIT_BOX, preprocess_array, preprocess_steps
from digitnet.mnist_shape import MNIST_SIDE

NAME = "fuzz upload"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def with_png_crcs(data: bytes) -> bytes:
    """``data`` with the CRC-32 of every complete PNG chunk set to match its contents."""
    fixed, at = bytearray(data), len(PNG_SIGNATURE)
    while at + 12 <= len(fixed):
        length = struct.unpack_from(">I", fixed, at)[0]
        end = at + 8 + length
        if end + 4 > len(fixed):
            break
        struct.pack_into(">I", fixed, end, zlib.crc32(fixed[at + 4 : end]))
        at = end + 4
    return bytes(fixed)


def ink_array(rest: bytes) -> np.ndarray:
    width = max(rest[0], 1) if rest else 1
    levels = np.frombuffer(rest[1:], dtype=np.uint8)
    levels = levels[: len(levels) // width * width]
    return (levels / 255).reshape(-1, width)


def test_one_input(data: bytes) -> None:
    mode, rest = data[:1], data[1:]
    try:
        if mode == b"a":
            steps = preprocess_array(ink_array(rest), name=NAME)
        else:
            steps = preprocess_steps(with_png_crcs(rest) if mode == b"p" else rest, name=NAME)
    except ImageError as exc:
        check_message(exc, NAME)
        return
    assert steps.centred.shape == (MNIST_SIDE, MNIST_SIDE), steps.centred.shape
    assert steps.centred.dtype == np.float32
    assert 0.0 <= steps.centred.min() and steps.centred.max() <= 1.0, steps.centred.max()
    assert max(steps.scaled.shape) == DIGIT_BOX, steps.scaled.shape


if __name__ == "__main__":
    fuzz(test_one_input)
