"""Fuzz the model loader (digitnet.modelfile.load).

The first byte of each input says how the rest becomes a model file:

    b"z"    split at every b"\\n--\\n" into the members metadata.npy, weights_0.npy,
            biases_0.npy, weights_1.npy, ... and zipped with correct CRCs, so mutations
            reach the .npy headers, the JSON metadata and the numbers
    other   written as is: a whole .npz file, or anything else

Run with ``python fuzz/run.py modelfile --minutes 10`` (see fuzz/README.md).
"""

from __future__ import annotations

import atexit
import io
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

import numpy as np
from harness import check_message, fuzz

from digitnet.errors import ModelFileError
from digitnet.modelfile import load

SHM = "/dev/shm"
MEMBER_SEPARATOR = b"\n--\n"
# load() reads a path: each input is written to this file (in memory where there is /dev/shm).
SCRATCH = Path(tempfile.mkdtemp(prefix="fuzz-modelfile-", dir=SHM if os.path.isdir(SHM) else None))
PATH = SCRATCH / "fuzz-model.npz"
atexit.register(shutil.rmtree, SCRATCH, ignore_errors=True)


def member_names() -> list[str]:
    """metadata, then the arrays in the order save() writes them."""
    names = ["metadata.npy"]
    for l in range(64):
        names += [f"weights_{l}.npy", f"biases_{l}.npy"]
    return names


def zipped(rest: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in zip(member_names(), rest.split(MEMBER_SEPARATOR)):
            archive.writestr(name, content)
    return buffer.getvalue()


def test_one_input(data: bytes) -> None:
    mode, rest = data[:1], data[1:]
    PATH.write_bytes(zipped(rest) if mode == b"z" else rest)
    try:
        saved = load(PATH)
    except ModelFileError as exc:
        check_message(exc, str(PATH))
        return
    network = saved.network
    assert network.sizes == tuple(saved.metadata["sizes"]), network.sizes
    for w, b in zip(network.weights, network.biases):
        assert w.shape == (b.shape[0], w.shape[1]) and np.isfinite(w).all()


if __name__ == "__main__":
    fuzz(test_one_input)
