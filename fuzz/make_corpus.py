"""Write the seed corpus: small valid files of each kind, in fuzz/corpus/<target>/.

Each seed starts with the mode byte its harness reads (see the harness's docstring).
Run ``python fuzz/make_corpus.py``; fuzz/run.py does it when a corpus is missing.
"""

from __future__ import annotations

import gzip
import io
import json
import struct
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from digitnet.history import History
from digitnet.modelfile import save
from digitnet.network import Network
from digitnet.settings import TrainingSettings

CORPUS = Path(__file__).resolve().parent / "corpus"
IDX_CODES = {
    "uint8": 0x08,
    "int8": 0x09,
    "int16": 0x0B,
    "int32": 0x0C,
    "float32": 0x0D,
    "float64": 0x0E,
}
MEMBER_SEPARATOR = b"\n--\n"  # as in fuzz_modelfile.py


def idx_file(array: np.ndarray) -> bytes:
    header = bytes([0, 0, IDX_CODES[array.dtype.name], array.ndim])
    sizes = struct.pack(f">{array.ndim}I", *array.shape)
    return header + sizes + array.astype(array.dtype.newbyteorder(">")).tobytes()


def idx_seeds() -> Iterator[tuple[str, bytes]]:
    rng = np.random.default_rng(0)
    arrays = {
        "images": rng.integers(0, 256, (2, 28, 28), dtype=np.uint8),
        "labels": np.array([7, 2, 1, 0, 4, 1, 4, 9], dtype=np.uint8),
        "int8": np.arange(-4, 4, dtype=np.int8).reshape(2, 4),
        "int16": np.arange(-6, 6, dtype=np.int16).reshape(3, 2, 2),
        "int32": np.arange(-6, 6, dtype=np.int32).reshape(1, 2, 3, 2),
        "float32": np.linspace(-1, 1, 6, dtype=np.float32),
        "float64": np.linspace(-2.5, 3.0, 5),
    }
    for name, array in arrays.items():
        data = idx_file(array)
        yield f"{name}.raw", b"r" + data
        yield f"{name}.gz", b"r" + gzip.compress(data, mtime=0)
        yield f"{name}.content-to-gzip", b"z" + data


def saved_model(network: Network, **kwargs: object) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.npz"
        save(path, network, **kwargs)  # type: ignore[arg-type]
        return path.read_bytes()


def zip_members(data: bytes) -> list[bytes]:
    """The members in the order fuzz_modelfile.py names them: metadata first."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = sorted(archive.namelist(), key=lambda n: (n != "metadata.npy", n[-6:], n))
        return [archive.read(name) for name in names]


def deflated(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in source.namelist():
                archive.writestr(name, source.read(name))
    return buffer.getvalue()


def modelfile_seeds() -> Iterator[tuple[str, bytes]]:
    settings = TrainingSettings(epochs=1, mini_batch_size=2, seed=0)
    history = History(settings, seconds=[0.5], correct={"validation": [3]})
    history.total["validation"] = 5
    history.cost["validation"] = [0.25]
    models = {
        "bare": saved_model(Network([3, 2], seed=0)),
        "trained": saved_model(Network([3, 4, 2], seed=1), history=history),
        "float32": saved_model(Network([2, 3, 2], seed=2).astype("float32")),
    }
    for name, data in models.items():
        yield f"{name}.npz", b"r" + data
        yield f"{name}.deflated.npz", b"r" + deflated(data)
        members = zip_members(data)
        assert json.loads(np.load(io.BytesIO(members[0])).tobytes())["format"]
        yield f"{name}.members", b"z" + MEMBER_SEPARATOR.join(members)


def digit(mode: str) -> Image.Image:
    """A '7' on 20x26 pixels, dark on light, in ``mode``."""
    img = Image.new("L", (20, 26), 255)
    ImageDraw.Draw(img).line([(5, 5), (15, 5), (8, 22)], fill=0, width=3)
    if mode == "I;16":
        return Image.fromarray(np.asarray(img, dtype=np.uint16) * 257)
    if mode == "RGBA":  # strokes on transparent paper, as drawing apps export them
        rgba = Image.new("RGBA", img.size, (0, 0, 0, 0))
        rgba.paste((0, 0, 0, 255), mask=Image.eval(img, lambda v: 255 - v))
        return rgba
    return img.convert(mode)


def encoded(img: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, fmt)
    return buffer.getvalue()


def imaging_seeds() -> Iterator[tuple[str, bytes]]:
    files = {
        "grey.png": encoded(digit("L"), "PNG"),
        "rgba.png": encoded(digit("RGBA"), "PNG"),
        "palette.png": encoded(digit("P"), "PNG"),
        "bilevel.png": encoded(digit("1"), "PNG"),
        "sixteen-bit.png": encoded(digit("I;16"), "PNG"),
        "grey.jpg": encoded(digit("L"), "JPEG"),
        "cmyk.jpg": encoded(digit("CMYK"), "JPEG"),
        "grey.gif": encoded(digit("L"), "GIF"),
        "rgb.bmp": encoded(digit("RGB"), "BMP"),
        "grey.tiff": encoded(digit("L"), "TIFF"),
        "cmyk.tiff": encoded(digit("CMYK"), "TIFF"),
        "rgb.webp": encoded(digit("RGB"), "WEBP"),
    }
    for name, data in files.items():
        yield name, b"r" + data
        if name.endswith(".png"):
            yield f"{name}.crc-fixed", b"p" + data
    ink = 255 - np.asarray(digit("L"))
    yield "ink-array", b"a" + bytes([ink.shape[1]]) + ink.tobytes()


SEEDS = {"idx": idx_seeds, "modelfile": modelfile_seeds, "imaging": imaging_seeds}


def make_corpus(target: str) -> Path:
    """Write ``target``'s seeds into its corpus folder (kept: inputs atheris added)."""
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in SEEDS[target]():
        (folder / f"seed-{name}").write_bytes(data)
    return folder


if __name__ == "__main__":
    for target in SEEDS:
        print(f"{make_corpus(target)}: {len(list(SEEDS[target]()))} seeds")
