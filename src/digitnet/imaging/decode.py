"""Reading an image file safely, decoded no larger than the digit needs.

Decode work is bounded before any pixel is decoded: the file's bytes (MAX_IMAGE_BYTES), its
declared pixels (MAX_IMAGE_PIXELS, or MAX_JPEG_PIXELS for a JPEG, which is decoded reduced
by libjpeg's DCT scaling), and only regular files are read (a FIFO or a device would block
or never end). A JPEG of 48 megapixels is decoded at 1/4 or 1/8 of its side, straight to
grey when it is colour, so it costs about what a 3-megapixel one does.
"""

from __future__ import annotations

import io
import os
import stat
import struct
import warnings
import zlib
from typing import BinaryIO, TypeAlias

from PIL import ExifTags, Image, UnidentifiedImageError

from digitnet.errors import ImageError

MAX_IMAGE_BYTES = 50 * 2**20
#: Images decoded at full size (all but JPEG) may have at most this many pixels: 40 MP is
#: 160 MB as RGBA, the most a digit's picture may cost to decode.
MAX_IMAGE_PIXELS = 40_000_000
#: A JPEG is decoded at down to 1/8 of its side, so its cap is what cameras make (64 MP
#: sensors), under Pillow's own decompression-bomb warning (89 MP).
MAX_JPEG_PIXELS = 64_000_000
FORMATS = ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP")  # JPEG includes phones' MPO files

Source: TypeAlias = "str | os.PathLike[str] | bytes | BinaryIO"
_READ_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error)
#: EXIF orientation -> the transposition that turns the stored pixels upright.
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def load_image(source: Source, *, name: str | None = None) -> Image.Image:
    """Open an image file safely and return its first frame, turned upright by its EXIF tag.

    Parameters
    ----------
    source : str, os.PathLike, bytes or binary file object
        The image file (a regular file) or its contents.
    name : str, optional
        What error messages call the file; defaults to the path or ``<bytes>``.

    Returns
    -------
    PIL.Image.Image
        Decoded at full size, detached from the file, in the file's own mode ('L', 'RGBA',
        'P', ...).

    Raises
    ------
    ImageError
        If the file is missing, not a regular file, over MAX_IMAGE_BYTES or the pixel
        limits, empty, truncated, corrupt or not an image in one of FORMATS.
    """
    name = name or name_of(source)
    img, turn = decode(source, name=name)
    return img.transpose(turn) if turn is not None else img


def decode(
    source: Source, *, name: str, min_side: int | None = None
) -> tuple[Image.Image, Image.Transpose | None]:
    """Decode the first frame, a JPEG reduced so that its longer side stays >= `min_side`.

    Returns the image as stored (not yet upright) and the transposition that turns it
    upright (None when it is), so that a caller can turn a smaller copy instead. With
    `min_side`, a colour JPEG is decoded straight to grey ('L'). Raises ImageError.
    """
    data = _read_bytes(source, name)
    try:
        with warnings.catch_warnings():
            # Between its own limit and twice it Pillow only warns: refuse such a bomb too.
            # Its other warnings are about damaged metadata (common in phone photos) after
            # which it carries on; so do we, and the pixels decide.
            # (Filters are process-wide before Python 3.14; these two are harmless if seen.)
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            warnings.filterwarnings("ignore", category=UserWarning, module="PIL")
            img = Image.open(io.BytesIO(data), formats=FORMATS)
            _check_pixels(img, name)
            if min_side is not None and img.format == "JPEG":
                _draft(img, min_side)
            img.load()  # decode now, so a truncated file fails here
            turn = _UPRIGHT.get(img.getexif().get(ExifTags.Base.Orientation, 1))
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        limit = f"{MAX_IMAGE_PIXELS:,} pixels"
        raise ImageError(
            f"{name}: image is over the limit of {limit} (a decompression bomb?)"
        ) from None
    except UnidentifiedImageError:
        raise ImageError(f"{name}: not an image Pillow can read ({', '.join(FORMATS)})") from None
    except _READ_ERRORS as exc:
        if "truncated" in str(exc).lower():
            raise ImageError(f"{name}: truncated image file") from None
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise ImageError(f"{name}: damaged image file ({detail})") from None
    return img, turn


def name_of(source: Source) -> str:
    """What messages call `source`: its path, ``<bytes>``, or the stream's name."""
    if isinstance(source, (str, os.PathLike)):
        return str(os.fspath(source))
    if isinstance(source, (bytes, bytearray)):
        return "<bytes>"
    stream_name = getattr(source, "name", None)
    return stream_name if isinstance(stream_name, str) else "<stream>"


def _check_pixels(img: Image.Image, name: str) -> None:
    width, height = img.size
    limit = MAX_JPEG_PIXELS if img.format == "JPEG" else MAX_IMAGE_PIXELS
    if width * height > limit:
        raise ImageError(f"{name}: image is {width}x{height} pixels, over the limit of {limit:,}")


def _draft(img: Image.Image, min_side: int) -> None:
    """Let libjpeg decode at 1/2, 1/4 or 1/8 scale, keeping the longer side >= min_side."""
    width, height = img.size
    scale = max(width, height) / min_side
    if scale >= 2:
        mode = "L" if img.mode in ("RGB", "YCbCr") else img.mode
        img.draft(mode, (max(1, int(width / scale)), max(1, int(height / scale))))


def _read_bytes(source: Source, name: str) -> bytes:
    """Read at most MAX_IMAGE_BYTES + 1 bytes, so an over-size file is refused unread."""
    limit = MAX_IMAGE_BYTES
    too_big = ImageError(f"{name}: file is over the limit of {limit:,} bytes")
    try:
        if isinstance(source, (bytes, bytearray)):
            data = bytes(source)
        elif isinstance(source, (str, os.PathLike)):
            data = _read_regular_file(source, name, limit)
        else:
            data = source.read(limit + 1)
    except OSError as exc:
        raise ImageError(f"{name}: cannot read the file ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise too_big
    if not data:
        raise ImageError(f"{name}: the file is empty")
    return data


def _read_regular_file(path: str | os.PathLike[str], name: str, limit: int) -> bytes:
    """The file's bytes, refusing anything but a regular file before reading a byte.

    Opened without blocking (a FIFO would wait for a writer forever), then checked with
    fstat on the open descriptor, so the file checked is the file read.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ImageError(
                f"{name}: cannot read it: not a regular file (a folder, FIFO or device)"
            )
        if info.st_size > limit:
            raise ImageError(f"{name}: file is over the limit of {limit:,} bytes")
        return file.read(limit + 1)
