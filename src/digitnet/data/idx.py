"""The IDX file format, in which MNIST is distributed.

An IDX file is a header and one big-endian array::

    0x00 0x00 <dtype code> <ndim>        magic: two zero bytes, element type, dimensions
    <size 1> ... <size ndim>             big-endian uint32 each
    <payload>                            prod(sizes) elements, big-endian, C order

Files may be gzip-compressed (recognised by their first two bytes, not their name). Every
size is checked against the header *before* the payload is read or decompressed, so a
corrupt or hostile header cannot make us allocate more than :data:`MAX_IDX_BYTES`.
"""

from __future__ import annotations

import gzip
import io
import math
import os
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from digitnet.errors import DataError

IDX_DTYPES: dict[int, np.dtype[Any]] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
"""Element type of the payload for each IDX dtype code (the magic number's third byte)."""

GZIP_MAGIC = b"\x1f\x8b"
IDX_MAGIC_ZEROS = b"\x00\x00"
PREFIX_BYTES = 4  # two zero bytes, dtype code, ndim
SIZE_BYTES = 4  # each dimension is a big-endian uint32
MAX_IDX_DIMS = 4  # MNIST uses 1 (labels) and 3 (images); more means a corrupt header
MAX_HEADER_BYTES = PREFIX_BYTES + SIZE_BYTES * MAX_IDX_DIMS
MAX_IDX_BYTES = 1 << 30  # 1 GiB: 20 times the largest MNIST file; refuse to allocate more
READ_CHUNK_BYTES = 1 << 20  # gzip payloads are read piecewise (see _read_at_most)


class IdxHeader(NamedTuple):
    """What an IDX header declares: element type, shape, and the header's own bytes."""

    dtype: np.dtype[Any]
    shape: tuple[int, ...]
    raw: bytes
    payload_bytes: int

    def describe(self) -> str:
        """``60000 x 28 x 28 uint8``: the shape and element type, for messages."""
        return " x ".join(map(str, self.shape)) + f" {self.dtype.newbyteorder('=').name}"


def _read_header(read: Callable[[int], bytes], name: str, max_bytes: int) -> IdxHeader:
    """Read and check the header through ``read(n)``, which returns at most ``n`` bytes."""
    prefix = read(PREFIX_BYTES)
    if len(prefix) < PREFIX_BYTES:
        raise DataError(
            f"{name}: truncated: {len(prefix)} bytes, an IDX header needs {PREFIX_BYTES}"
        )
    if prefix[:2] != IDX_MAGIC_ZEROS:
        raise DataError(
            f"{name}: not an IDX file: magic number 0x{prefix.hex()} does not start with 0000"
        )
    code, ndim = prefix[2], prefix[3]
    if code not in IDX_DTYPES:
        known = ", ".join(f"0x{known:02X}" for known in IDX_DTYPES)
        raise DataError(f"{name}: unknown IDX dtype code 0x{code:02X} (known: {known})")
    if not 1 <= ndim <= MAX_IDX_DIMS:
        raise DataError(
            f"{name}: IDX header declares {ndim} dimensions, expected 1 to {MAX_IDX_DIMS}"
        )
    sizes = read(SIZE_BYTES * ndim)
    if len(sizes) < SIZE_BYTES * ndim:
        raise DataError(
            f"{name}: truncated: header of {ndim} dimensions ends after "
            f"{PREFIX_BYTES + len(sizes)} of {PREFIX_BYTES + SIZE_BYTES * ndim} bytes"
        )
    dtype = IDX_DTYPES[code]
    shape = struct.unpack(f">{ndim}I", sizes)
    # Python integers: the product of four uint32 sizes cannot overflow here.
    header = IdxHeader(dtype, shape, prefix + sizes, math.prod(shape) * dtype.itemsize)
    if header.payload_bytes == 0:
        raise DataError(f"{name}: IDX header declares an empty array ({header.describe()})")
    if header.payload_bytes > max_bytes:
        raise DataError(
            f"{name}: IDX header declares {header.payload_bytes} bytes of data "
            f"({header.describe()}), more than the limit of {max_bytes}"
        )
    return header


def _truncated(header: IdxHeader, held: int, name: str) -> DataError:
    return DataError(
        f"{name}: truncated: header declares {header.payload_bytes} bytes of data "
        f"({header.describe()}), file holds {held}"
    )


def _decode_raw(data: bytes, name: str, max_bytes: int) -> tuple[IdxHeader, memoryview]:
    """Check an uncompressed IDX file; its payload is returned as a view, not a copy."""
    header = _read_header(io.BytesIO(data[:MAX_HEADER_BYTES]).read, name, max_bytes)
    held = len(data) - len(header.raw)
    if held < header.payload_bytes:
        raise _truncated(header, held, name)
    if held > header.payload_bytes:
        raise DataError(
            f"{name}: {held - header.payload_bytes} bytes of trailing data after the "
            f"{header.payload_bytes} bytes the header declares ({header.describe()})"
        )
    return header, memoryview(data)[len(header.raw) :]


def _read_at_most(read: Callable[[int], bytes], n_bytes: int) -> bytearray:
    """Up to ``n_bytes`` from ``read``, in chunks, so memory grows with the bytes there are.

    ``read(n)`` on a buffered stream allocates ``n`` bytes before it reads: one call with
    what a header declares would allocate it all even for a file of a few bytes.
    """
    data = bytearray()
    while len(data) < n_bytes:
        chunk = read(min(n_bytes - len(data), READ_CHUNK_BYTES))
        if not chunk:
            break
        data += chunk
    return data


def _decode_gzip(data: bytes, name: str, max_bytes: int) -> tuple[IdxHeader, bytearray]:
    """Decompress only as much as the (checked) header declares, plus one byte to see more."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            header = _read_header(stream.read, name, max_bytes)
            payload = _read_at_most(stream.read, header.payload_bytes)
            # Reading on to the end also makes gzip check the stream's CRC and length.
            trailing = stream.read(1)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise DataError(f"{name}: corrupt or truncated gzip stream ({exc})") from exc
    if len(payload) < header.payload_bytes:
        raise _truncated(header, len(payload), name)
    if trailing:
        raise DataError(
            f"{name}: trailing data after the {header.payload_bytes} bytes the header "
            f"declares ({header.describe()})"
        )
    return header, payload


def idx_content(data: bytes, name: str, *, max_bytes: int = MAX_IDX_BYTES) -> bytes:
    """The uncompressed IDX bytes held by ``data``, after checking header and length.

    Parameters
    ----------
    data : bytes
        An IDX file's bytes, gzip-compressed or not.
    name : str
        Names the file in error messages.
    max_bytes : int
        Largest payload accepted; checked before anything is decompressed.

    Returns
    -------
    bytes
        ``data`` itself if it was not compressed, else its decompressed content. This is
        what the published SHA-256 checksums of MNIST are computed on.

    Raises
    ------
    DataError
        If the header is malformed, the payload is shorter or longer than it declares, or
        the gzip stream is corrupt.
    """
    if not data.startswith(GZIP_MAGIC):
        _decode_raw(data, name, max_bytes)
        return data
    header, payload = _decode_gzip(data, name, max_bytes)
    return header.raw + payload


def parse_idx(data: bytes, name: str, *, max_bytes: int = MAX_IDX_BYTES) -> NDArray[Any]:
    """Decode an IDX file held in memory into a native-endian array.

    Parameters
    ----------
    data : bytes
        An IDX file's bytes, gzip-compressed or not (told apart by the gzip magic bytes).
    name : str
        Names the file in error messages.
    max_bytes : int
        Largest payload accepted; checked before anything is allocated or decompressed.

    Returns
    -------
    ndarray
        Shape as the header declares (e.g. ``(60000, 28, 28)``), element type as its dtype
        code declares, in native byte order. Single-byte arrays may be read-only views of
        ``data`` (or of its decompressed content).

    Raises
    ------
    DataError
        If the header is malformed, the payload is shorter or longer than it declares, or
        the gzip stream is corrupt. The message names the file and the fault.
    """
    payload: bytearray | memoryview
    if data.startswith(GZIP_MAGIC):
        header, payload = _decode_gzip(data, name, max_bytes)
    else:
        header, payload = _decode_raw(data, name, max_bytes)
    array = np.frombuffer(payload, dtype=header.dtype).reshape(header.shape)
    return array.astype(header.dtype.newbyteorder("="), copy=False)


def read_idx(path: str | os.PathLike[str], *, max_bytes: int = MAX_IDX_BYTES) -> NDArray[Any]:
    """Read an IDX file (``.gz`` or uncompressed) into a native-endian array.

    See :func:`parse_idx` for what is checked and returned.

    Raises
    ------
    DataError
        If the file cannot be read or is not a valid IDX file; the message names ``path``.
    """
    path = Path(path)
    try:
        with path.open("rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            if size > max_bytes + MAX_HEADER_BYTES:
                raise DataError(
                    f"{path}: file of {size} bytes is larger than the limit of {max_bytes} "
                    "bytes of IDX data"
                )
            data = stream.read()
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    return parse_idx(data, str(path), max_bytes=max_bytes)
