"""Fuzz the IDX reader (digitnet.data.idx.parse_idx).

The first byte of each input says how the rest is fed to the parser:

    b"z"    gzip-compressed first, so mutations reach the IDX header and payload checks
            through the gzip path (gzip's CRC rejects nearly every mutated .gz file)
    other   as is: a raw IDX file, a .gz file, or anything else

Run with ``python fuzz/run.py idx --minutes 10`` (see fuzz/README.md).
"""

from __future__ import annotations

import gzip

import numpy as np
from harness import check_message, fuzz

from digitnet.data.idx import idx_content, parse_idx
from digitnet.errors import DataError

NAME = "fuzz-idx3-ubyte"


def test_one_input(data: bytes) -> None:
    mode, rest = data[:1], data[1:]
    content = gzip.compress(rest, mtime=0) if mode == b"z" else rest
    try:
        array = parse_idx(content, NAME)
    except DataError as exc:
        check_message(exc, NAME)
        return
    assert isinstance(array, np.ndarray) and array.dtype.isnative
    held = len(idx_content(content, NAME))  # content itself, or what it decompresses to
    assert array.nbytes == held - 4 - 4 * array.ndim, (array.shape, held)


if __name__ == "__main__":
    fuzz(test_one_input)
