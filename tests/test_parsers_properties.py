"""Property tests of the three parsers a user can feed a hostile file to.

The IDX reader, the model loader and the image preprocessing each get arbitrary bytes,
every truncation of a valid file, random single- and multi-byte corruptions, header fields
out of range and huge declared sizes. The rule for all of them: a result, or the parser's
own error class (``DataError``, ``ModelFileError``, ``ImageError``; all ``DigitnetError``)
with a one-line message that names the file. Any other exception fails the test.

"Must not allocate" is checked two ways: tracemalloc's peak in this process (every Python
and NumPy allocation, so an exact bound), and a subprocess whose address space is capped at
1.5 GiB with ``resource.setrlimit(RLIMIT_AS)``, which also catches Pillow's C allocations
that tracemalloc does not see. The fuzz harnesses in ``fuzz/`` run the same rule for longer.
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import math
import os
import struct
import subprocess
import sys
import tempfile
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from digitnet.data.idx import IDX_DTYPES, MAX_IDX_BYTES, MAX_IDX_DIMS, parse_idx, read_idx
from digitnet.errors import DataError, DigitnetError, ImageError, ModelFileError
from digitnet.history import History
from digitnet.imaging import MAX_IMAGE_PIXELS, MAX_JPEG_PIXELS, preprocess
from digitnet.mnist_shape import MNIST_SIDE
from digitnet.modelfile import MAX_PARAMETERS, load, save
from digitnet.network import Network
from digitnet.settings import TrainingSettings

T = TypeVar("T")
UINT32_MAX = 2**32 - 1
SMALL_PEAK_BYTES = 8 * 2**20  # what a refusal may allocate: a few read chunks, no payload
MEMORY_CAP_BYTES = 1536 * 2**20  # the address-space cap of the subprocess


def outcome(error: type[DigitnetError], name: str, parse: Callable[[], T]) -> T | None:
    """``parse()``'s result, or None if it raised ``error`` with a message naming ``name``.

    Any other exception propagates and fails the test.
    """
    try:
        return parse()
    except error as exc:
        message = str(exc)
        assert name in message, message
        assert "\n" not in message, message
        return None


@contextmanager
def peak_traced_memory() -> Iterator[list[int]]:
    """Yield a list that holds, after the block, tracemalloc's peak in bytes."""
    peak: list[int] = []
    tracemalloc.start()
    try:
        yield peak
    finally:
        peak.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()


def edit(data: bytes, edits: list[tuple[float, int]]) -> bytes:
    """``data`` with byte ``int(where * (len - 1))`` set to ``value`` for each edit."""
    edited = bytearray(data)
    for where, value in edits:
        edited[int(where * (len(edited) - 1))] = value
    return bytes(edited)


EDITS = st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 255)), min_size=1, max_size=8)


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


# --- the IDX reader ------------------------------------------------------------------------

IDX_NAME = "hostile-idx3-ubyte"
IDX_CODES = {dtype.newbyteorder("="): code for code, dtype in IDX_DTYPES.items()}


def idx_file(array: np.ndarray) -> bytes:
    header = bytes([0, 0, IDX_CODES[array.dtype], array.ndim])
    sizes = struct.pack(f">{array.ndim}I", *array.shape)
    return header + sizes + array.astype(array.dtype.newbyteorder(">")).tobytes()


IDX_SAMPLES = {
    "uint8-3d": idx_file(np.arange(24, dtype=np.uint8).reshape(2, 3, 4)),
    "float64-1d": idx_file(np.linspace(-2.5, 3.0, 5)),
    "int32-4d": idx_file(np.arange(-6, 6, dtype=np.int32).reshape(1, 2, 3, 2)),
}
IDX_FILES = {
    **{f"{key}-raw": data for key, data in IDX_SAMPLES.items()},
    **{f"{key}-gz": gz(data) for key, data in IDX_SAMPLES.items()},
}


def parse_idx_or_refuse(data: bytes) -> np.ndarray | None:
    return outcome(DataError, IDX_NAME, lambda: parse_idx(data, IDX_NAME))


def idx_fault(content: bytes) -> str | None:
    """What the parser must say about uncompressed IDX ``content``: None if it is valid."""
    code, ndim = content[2], content[3]
    if code not in IDX_DTYPES:
        return f"unknown IDX dtype code 0x{code:02X}"
    if not 1 <= ndim <= MAX_IDX_DIMS:
        return f"declares {ndim} dimensions"
    header_bytes = 4 + 4 * ndim
    if len(content) < header_bytes:
        return "truncated"
    declared = math.prod(struct.unpack(f">{ndim}I", content[4:header_bytes]))
    declared *= IDX_DTYPES[code].itemsize
    held = len(content) - header_bytes
    if declared == 0:
        return "empty array"
    if declared > MAX_IDX_BYTES:
        return "more than the limit"
    if held != declared:
        return "truncated" if held < declared else "trailing data"
    return None


IDX_SIZES = st.one_of(
    st.integers(0, 4), st.sampled_from([2**31, UINT32_MAX]), st.integers(0, UINT32_MAX)
)


@st.composite
def idx_contents(draw: st.DrawFn) -> bytes:
    """Uncompressed IDX files with any dtype code, ndim and sizes, and a payload that is
    often exactly as long as declared."""
    code = draw(st.one_of(st.sampled_from(sorted(IDX_DTYPES)), st.integers(0, 255)))
    ndim = draw(st.one_of(st.integers(1, MAX_IDX_DIMS), st.sampled_from([0, 5, 255])))
    shape = draw(st.lists(IDX_SIZES, min_size=min(ndim, 4), max_size=min(ndim, 4)))
    header = bytes([0, 0, code, ndim]) + struct.pack(f">{len(shape)}I", *shape)
    declared = math.prod(shape) * (IDX_DTYPES[code].itemsize if code in IDX_DTYPES else 1)
    exact = st.binary(min_size=declared, max_size=declared) if declared <= 256 else st.nothing()
    return header + draw(st.one_of(exact, st.binary(max_size=64)))


@settings(max_examples=300, deadline=None)
@given(content=idx_contents(), compress=st.booleans())
def test_idx_header_fields_out_of_range_are_refused_by_name(content: bytes, compress: bool) -> None:
    fault = idx_fault(content)
    data = gz(content) if compress else content
    if fault is None:
        array = parse_idx(data, IDX_NAME)
        header_bytes = 4 + 4 * array.ndim
        assert array.astype(array.dtype.newbyteorder(">")).tobytes() == content[header_bytes:]
        return
    with pytest.raises(DataError, match=f"^{IDX_NAME}: .*{fault}"):
        parse_idx(data, IDX_NAME)


@settings(max_examples=100, deadline=None)
@given(
    data=st.one_of(
        st.binary(max_size=200),
        st.binary(max_size=200).map(lambda tail: b"\x00\x00" + tail),
        st.binary(max_size=200).map(gz),
    )
)
def test_idx_file_of_any_bytes_is_read_or_refused_by_path(
    data: bytes, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("idx") / "any-idx1-ubyte"
    path.write_bytes(data)
    array = outcome(DataError, str(path), lambda: read_idx(path))
    assert array is None or array.dtype.isnative


@pytest.mark.parametrize("key", sorted(IDX_FILES))
def test_idx_truncated_at_every_offset_is_refused_by_name(key: str) -> None:
    data = IDX_FILES[key]
    for cut in range(len(data)):
        assert parse_idx_or_refuse(data[:cut]) is None, cut


@settings(max_examples=200, deadline=None)
@given(key=st.sampled_from(sorted(IDX_SAMPLES)), edits=EDITS, where=st.sampled_from(["raw", "gz"]))
def test_idx_corrupted_bytes_parse_or_are_refused(
    key: str, edits: list[tuple[float, int]], where: str
) -> None:
    """Corrupt the raw file, or the content inside a valid gzip stream (gzip's CRC would
    catch most corruptions of the compressed bytes before the IDX header is read)."""
    content = edit(IDX_SAMPLES[key], edits)
    array = parse_idx_or_refuse(content if where == "raw" else gz(content))
    if array is not None:
        assert idx_fault(content) is None


@settings(max_examples=100, deadline=None)
@given(key=st.sampled_from(sorted(IDX_FILES)), edits=EDITS)
def test_idx_corrupted_compressed_bytes_parse_or_are_refused(
    key: str, edits: list[tuple[float, int]]
) -> None:
    parse_idx_or_refuse(edit(IDX_FILES[key], edits))


@pytest.mark.parametrize(
    "shape",
    [(MAX_IDX_BYTES,), (60000, 28, 28), (2**14, 2**8, 2**8)],
    ids=["1GiB", "mnist-train", "256MiB"],
)
@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gz"])
def test_idx_declaring_more_than_it_holds_is_refused_without_allocating(
    shape: tuple[int, ...], compress: bool
) -> None:
    """Sizes under the limit but far beyond the 16 bytes held (regression: a gzip file
    declaring 512 MiB made ``GzipFile.read`` allocate 512 MiB before reading 16 bytes)."""
    content = bytes([0, 0, 0x08, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)
    data = gz(content + bytes(16)) if compress else content + bytes(16)
    with peak_traced_memory() as peak, pytest.raises(DataError, match="truncated"):
        parse_idx(data, IDX_NAME)
    assert peak[0] < SMALL_PEAK_BYTES


# --- the model loader ----------------------------------------------------------------------


def saved_model() -> bytes:
    """A small model file, with training settings and history, as digitnet.save writes it."""
    settings = TrainingSettings(epochs=1, mini_batch_size=2, seed=0)
    history = History(settings, seconds=[0.5], correct={"validation": [3]})
    history.total["validation"] = 5
    history.cost["validation"] = [0.25]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.npz"
        save(path, Network([3, 4, 2], seed=0), history=history)
        return path.read_bytes()


def zip_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zip_of(members: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> bytes:
    """A valid zip archive (correct CRCs and sizes) of ``members``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def npy(shape: tuple[int, ...], descr: str, data: bytes = b"", *, fortran: bool = False) -> bytes:
    """A ``.npy`` member: a header declaring ``shape`` and ``descr``, then ``data``."""
    buffer = io.BytesIO()
    header = {"descr": descr, "fortran_order": fortran, "shape": shape}
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue() + data


MODEL = saved_model()
MEMBERS = zip_members(MODEL)
METADATA = json.loads(np.load(io.BytesIO(MEMBERS["metadata.npy"])).tobytes())
MODELS = {"stored": MODEL, "deflated": zip_of(MEMBERS, zipfile.ZIP_DEFLATED)}


def metadata_member(metadata: Any) -> bytes:
    raw = metadata if isinstance(metadata, bytes) else json.dumps(metadata).encode()
    return npy((len(raw),), "|u1", raw)


@pytest.fixture(scope="module")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where each example writes the model file it loads (the message must name it)."""
    return tmp_path_factory.mktemp("models") / "hostile model.npz"


def load_or_refuse(path: Path, data: bytes) -> Network | None:
    path.write_bytes(data)
    saved = outcome(ModelFileError, str(path), lambda: load(path))
    return None if saved is None else saved.network


def test_the_sample_model_loads(model_path: Path) -> None:
    for data in MODELS.values():
        network = load_or_refuse(model_path, data)
        assert network is not None and network.sizes == (3, 4, 2)


@settings(max_examples=100, deadline=None)
@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.binary(max_size=300).map(lambda tail: b"PK\x03\x04" + tail),
        st.binary(max_size=300).map(lambda tail: MODEL[:200] + tail),
    )
)
def test_model_file_of_any_bytes_is_refused_by_path(model_path: Path, data: bytes) -> None:
    assert load_or_refuse(model_path, data) is None


def test_deflated_model_truncated_at_every_offset_is_refused_by_path(model_path: Path) -> None:
    # The stored (uncompressed) layout is cut at every offset in test_modelfile.py.
    data = MODELS["deflated"]
    for cut in range(len(data)):
        assert load_or_refuse(model_path, data[:cut]) is None, cut


@settings(max_examples=150, deadline=None)
@given(key=st.sampled_from(sorted(MODELS)), edits=EDITS)
def test_model_with_corrupted_bytes_loads_or_is_refused(
    model_path: Path, key: str, edits: list[tuple[float, int]]
) -> None:
    network = load_or_refuse(model_path, edit(MODELS[key], edits))
    assert network is None or network.sizes == (3, 4, 2)


@settings(max_examples=200, deadline=None)
@given(
    member=st.sampled_from(sorted(MEMBERS)),
    edits=EDITS,
    compression=st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]),
)
def test_model_with_corrupted_members_in_a_valid_zip_loads_or_is_refused(
    model_path: Path, member: str, edits: list[tuple[float, int]], compression: int
) -> None:
    """Corrupt an array or the metadata, then zip it with correct CRCs: the damage reaches
    the .npy header, the JSON and the numbers instead of stopping at zip's checks."""
    members = {**MEMBERS, member: edit(MEMBERS[member], edits)}
    network = load_or_refuse(model_path, zip_of(members, compression))
    assert network is None or network.sizes == (3, 4, 2)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([0, 1, -1, 2**31, 2**64, 10**400])
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from(["sigmoid", "float32", "float64", "quadratic", "auto"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
TRAINING_FIELDS = [*METADATA["training"], "unknown"]
HISTORY_FIELDS = [*METADATA["history"], "unknown"]


@settings(max_examples=300, deadline=None)
@given(
    changes=st.dictionaries(st.sampled_from([*METADATA, "unknown"]), JSON_VALUES, max_size=3),
    training=st.dictionaries(st.sampled_from(TRAINING_FIELDS), JSON_VALUES, max_size=2),
    history=st.dictionaries(st.sampled_from(HISTORY_FIELDS), JSON_VALUES, max_size=2),
)
def test_model_with_any_metadata_values_loads_or_is_refused(
    model_path: Path, changes: dict[str, Any], training: dict[str, Any], history: dict[str, Any]
) -> None:
    metadata = {**METADATA, **changes}
    for key, fields in [("training", training), ("history", history)]:
        if fields and isinstance(metadata[key], dict):
            metadata[key] = {**metadata[key], **fields}
    members = {**MEMBERS, "metadata.npy": metadata_member(metadata)}
    network = load_or_refuse(model_path, zip_of(members))
    assert network is None or network.sizes == (3, 4, 2)


NPY_DIMS = st.one_of(
    st.integers(0, 5),
    st.sampled_from([-1, 2**31, UINT32_MAX, 2**62, -(2**63), 2**64]),
    st.integers(-(2**70), 2**70),
)
NPY_DESCRS = ["<f8", "<f4", ">f8", "|u1", "<i8", "|b1", "|O", "<U8", "|V8", "<c16"]


@settings(max_examples=200, deadline=None)
@given(
    member=st.sampled_from(sorted(MEMBERS)),
    shape=st.lists(NPY_DIMS, max_size=4).map(tuple),
    descr=st.sampled_from(NPY_DESCRS),
    fortran=st.booleans(),
    data=st.binary(max_size=64),
)
def test_npy_headers_out_of_range_are_refused_without_allocating(
    model_path: Path,
    member: str,
    shape: tuple[int, ...],
    descr: str,
    fortran: bool,
    data: bytes,
) -> None:
    members = {**MEMBERS, member: npy(shape, descr, data, fortran=fortran)}
    with peak_traced_memory() as peak:
        network = load_or_refuse(model_path, zip_of(members))
    assert network is None or network.sizes == (3, 4, 2)
    assert peak[0] < SMALL_PEAK_BYTES


def claim_zip_sizes(data: bytes, size: int, member: str | None = None) -> bytes:
    """Make the central directory claim that ``member`` (default: every member) holds
    ``size`` bytes, compressed and not; the bytes themselves are left as they are."""
    raw = bytearray(data)
    entry = raw.find(b"PK\x01\x02")
    while entry >= 0:
        name_length = struct.unpack_from("<H", raw, entry + 28)[0]
        name = raw[entry + 46 : entry + 46 + name_length].decode()
        if member in (None, name):
            struct.pack_into("<II", raw, entry + 20, size, size)
        entry = raw.find(b"PK\x01\x02", entry + 1)
    return bytes(raw)


def hollow_model(sizes: list[int]) -> dict[str, bytes]:
    """Metadata declaring ``sizes`` (float64) and arrays with headers but no numbers."""
    members = {"metadata.npy": metadata_member({**METADATA, "sizes": sizes})}
    for l, (n_out, n_in) in enumerate(zip(sizes[1:], sizes[:-1])):
        members[f"weights_{l}.npy"] = npy((n_out, n_in), "<f8")
        members[f"biases_{l}.npy"] = npy((n_out,), "<f8")
    return members


LARGEST_NETWORK = [19_999, 10_000]  # exactly MAX_PARAMETERS: 1.6 GB of float64 declared
CLAIMED_BYTES = 0xF000_0000  # what a hostile zip entry says it holds: 3.75 GiB


@functools.cache
def hostile_model_files() -> dict[str, bytes]:
    """Small files that declare much more than they hold."""
    hollow = zip_of(hollow_model(LARGEST_NETWORK))
    bomb = b"{" + b" " * (64 * 2**20) + b"}"  # 64 MiB of JSON that deflates to 64 KiB
    return {
        "hollow-largest-network": hollow,
        # regression: zipfile's read(n) allocated n bytes at once, as much as the entry claims
        "hollow-entry-claims-4GB": claim_zip_sizes(hollow, CLAIMED_BYTES, "weights_0.npy"),
        "every-entry-claims-4GB": claim_zip_sizes(MODEL, CLAIMED_BYTES),
        # regression: numpy accepts a negative dimension and read(-1) inflated everything
        "negative-metadata-shape": zip_of(
            {"metadata.npy": npy((-1,), "|u1", bomb)}, zipfile.ZIP_DEFLATED
        ),
    }


def test_largest_network_is_at_the_parameter_limit() -> None:
    n_in, n_out = LARGEST_NETWORK
    assert n_out * n_in + n_out == MAX_PARAMETERS


@pytest.mark.parametrize("key", sorted(hostile_model_files()))
def test_model_declaring_more_than_it_holds_is_refused_without_allocating(
    model_path: Path, key: str
) -> None:
    data = hostile_model_files()[key]
    assert len(data) < 2**20
    model_path.write_bytes(data)
    with peak_traced_memory() as peak, pytest.raises(ModelFileError) as info:
        load(model_path)
    assert str(model_path) in str(info.value)
    assert peak[0] < SMALL_PEAK_BYTES


@pytest.mark.parametrize(
    ("metadata", "match"),
    [
        ({**METADATA, "dtype": ["float64"]}, "unsupported dtype"),
        ({**METADATA, "activation": {"name": "sigmoid"}}, "unknown activation"),
        (json.dumps(METADATA).replace('"sizes"', '"n": ' + "9" * 5000 + ', "sizes"'), "JSON"),
        ("[" * 100_000, "JSON"),
    ],
    ids=["dtype-list", "activation-dict", "5000-digit-number", "deeply-nested"],
)
def test_metadata_that_broke_the_loader_is_refused(
    model_path: Path, metadata: Any, match: str
) -> None:
    """Regressions: an unhashable dtype or activation raised TypeError, a number too long
    to convert raised ValueError, from the model loader."""
    raw = metadata.encode() if isinstance(metadata, str) else metadata
    data = zip_of({**MEMBERS, "metadata.npy": metadata_member(raw)})
    model_path.write_bytes(data)
    with pytest.raises(ModelFileError, match=match):
        load(model_path)


def npy_with_header(text: str) -> bytes:
    header = text.encode("latin1").ljust(117) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header


@pytest.mark.parametrize(
    "header",
    [
        "{'descr': '<f8', 'fortran_order': False, 'shape': \x00591,), }",  # TokenError
        "{'descrl: '<f8', 'fortran_order': False, 'uhape': (4, 3), }",  # IndentationError
        "{[]: 1}",  # TypeError
        "{'descr': '<f8', 'fortran_order': False, 'shape': (4L, 3L)}",  # UserWarning
        "{'descr': '<a8', 'fortran_order': False, 'shape': (4, 3), }",  # DeprecationWarning
    ],
    ids=["token-error", "indentation-error", "unhashable-key", "python-2", "deprecated-dtype"],
)
def test_npy_headers_that_broke_the_loader_are_refused(model_path: Path, header: str) -> None:
    """Regressions: numpy's .npy header parser raised these (or warned) from the loader."""
    model_path.write_bytes(zip_of({**MEMBERS, "weights_0.npy": npy_with_header(header)}))
    with pytest.raises(ModelFileError, match="'weights_0' is damaged"):
        load(model_path)


def test_member_longer_than_its_header_declares_is_refused(model_path: Path) -> None:
    """Also makes zipfile check the CRC-32, which it does only on reaching a member's end."""
    members = {**MEMBERS, "biases_1.npy": MEMBERS["biases_1.npy"] + bytes(8)}
    model_path.write_bytes(zip_of(members))
    with pytest.raises(ModelFileError, match="'biases_1' holds more bytes than its shape"):
        load(model_path)


# --- the image preprocessing ---------------------------------------------------------------

IMAGE_NAME = "hostile upload.png"
IMAGE_FORMATS = {"PNG": "L", "JPEG": "L", "GIF": "L", "BMP": "RGB", "TIFF": "L", "WEBP": "RGB"}
IMAGE_MAGIC = {
    "PNG": b"\x89PNG\r\n\x1a\n",
    "JPEG": b"\xff\xd8\xff",
    "GIF": b"GIF89a",
    "BMP": b"BM",
    "TIFF": b"II*\x00",
    "WEBP": b"RIFF\x00\x01\x00\x00WEBPVP8 ",
}


def encode(img: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, fmt)
    return buffer.getvalue()


def small_seven() -> Image.Image:
    """A '7' on 20x26 pixels: small files, so every offset can be tried."""
    img = Image.new("L", (20, 26), 255)
    ImageDraw.Draw(img).line([(5, 5), (15, 5), (8, 22)], fill=0, width=3)
    return img


IMAGES = {fmt: encode(small_seven().convert(mode), fmt) for fmt, mode in IMAGE_FORMATS.items()}


def preprocess_or_refuse(data: bytes) -> np.ndarray | None:
    vector = outcome(ImageError, IMAGE_NAME, lambda: preprocess(data, name=IMAGE_NAME))
    if vector is not None:
        assert vector.shape == (MNIST_SIDE * MNIST_SIDE,) and vector.dtype == np.float32
        assert 0.0 <= vector.min() and vector.max() <= 1.0
    return vector


TRAILER_BYTES = 20  # cut in checksums and end markers only (PNG: Adler-32, CRC, IEND), a
# file still holds every pixel and may be read


@pytest.mark.parametrize("fmt", sorted(IMAGES))
def test_the_sample_images_are_read_and_truncations_refused_at_every_offset(fmt: str) -> None:
    data = IMAGES[fmt]
    assert preprocess_or_refuse(data) is not None
    read = [cut for cut in range(len(data)) if preprocess_or_refuse(data[:cut]) is not None]
    assert all(cut >= len(data) - TRAILER_BYTES for cut in read), read


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fmt=st.sampled_from(sorted(IMAGE_MAGIC)), tail=st.binary(max_size=400))
def test_any_bytes_after_an_image_signature_give_a_digit_or_are_refused(
    fmt: str, tail: bytes
) -> None:
    preprocess_or_refuse(IMAGE_MAGIC[fmt] + tail)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fmt=st.sampled_from(sorted(IMAGES)), edits=EDITS)
def test_images_with_corrupted_bytes_give_a_digit_or_are_refused(
    fmt: str, edits: list[tuple[float, int]]
) -> None:
    preprocess_or_refuse(edit(IMAGES[fmt], edits))


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, body) of each chunk of a PNG file."""
    chunks, at = [], 8
    while at + 8 <= len(data):
        length = struct.unpack_from(">I", data, at)[0]
        chunks.append((data[at + 4 : at + 8], data[at + 8 : at + 8 + length]))
        at += 12 + length
    return chunks


def png_of(chunks: list[tuple[bytes, bytes]]) -> bytes:
    """A PNG file of ``chunks``, each with its length and a correct CRC-32."""
    parts = [IMAGE_MAGIC["PNG"]]
    for kind, body in chunks:
        crc = zlib.crc32(kind + body)
        parts.append(struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc))
    return b"".join(parts)


PNG_CHUNKS = png_chunks(IMAGES["PNG"])
PNG_SIDES = st.one_of(
    st.sampled_from([0, 1, 6_000, 7_000, 65_535, 100_000, 2**31 - 1, UINT32_MAX]),
    st.integers(0, UINT32_MAX),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    width=PNG_SIDES,
    height=PNG_SIDES,
    depth=st.sampled_from([1, 2, 4, 8, 16, 0, 3, 255]),
    colour=st.sampled_from([0, 2, 3, 4, 6, 1, 7, 255]),
    rest=st.binary(min_size=3, max_size=3),
)
def test_png_header_fields_out_of_range_are_refused(
    width: int, height: int, depth: int, colour: int, rest: bytes
) -> None:
    """IHDR with any size, bit depth, colour type and flags, its CRC fixed to match."""
    ihdr = struct.pack(">IIBB", width, height, depth, colour) + rest
    vector = preprocess_or_refuse(png_of([(b"IHDR", ihdr), *PNG_CHUNKS[1:]]))
    assert vector is None or width * height <= MAX_IMAGE_PIXELS


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, len(PNG_CHUNKS) - 1), edits=EDITS)
def test_png_chunks_corrupted_under_a_correct_crc_give_a_digit_or_are_refused(
    index: int, edits: list[tuple[float, int]]
) -> None:
    """With the CRC fixed, the damage reaches Pillow's chunk parsers and the decoder."""
    kind, body = PNG_CHUNKS[index]
    chunks = list(PNG_CHUNKS)
    chunks[index] = (kind, edit(body, edits) if body else body)
    preprocess_or_refuse(png_of(chunks))


# --- huge declared sizes under a memory cap ------------------------------------------------


def png_with_size(width: int, height: int, depth: int = 8, colour: int = 0) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return png_of([(b"IHDR", ihdr), *PNG_CHUNKS[1:]])


def gif_with_size(width: int, height: int) -> bytes:
    return IMAGES["GIF"][:6] + struct.pack("<HH", width, height) + IMAGES["GIF"][10:]


def bmp_with_size(width: int, height: int) -> bytes:
    return IMAGES["BMP"][:18] + struct.pack("<ii", width, height) + IMAGES["BMP"][26:]


def tiff_with_size(width: int, height: int) -> bytes:
    """Set ImageWidth (tag 256) and ImageLength (257) in the first IFD, as LONGs."""
    data = bytearray(IMAGES["TIFF"])
    ifd = struct.unpack_from("<I", data, 4)[0]
    for entry in range(struct.unpack_from("<H", data, ifd)[0]):
        at = ifd + 2 + 12 * entry
        tag = struct.unpack_from("<H", data, at)[0]
        if tag in (256, 257):
            struct.pack_into("<HII", data, at + 2, 4, 1, width if tag == 256 else height)
    return bytes(data)


def webp_with_size(width: int, height: int) -> bytes:
    """Set the 14-bit sizes in the frame header of a lossy ("VP8 ") WebP file."""
    data = IMAGES["WEBP"]
    assert data[12:16] == b"VP8 "
    return data[:26] + struct.pack("<HH", width, height) + data[30:]


def jpeg_with_size(width: int, height: int) -> bytes:
    data = IMAGES["JPEG"]
    sof = data.index(b"\xff\xc0")
    return data[: sof + 5] + struct.pack(">HH", height, width) + data[sof + 9 :]


def blank_png_bomb(side: int) -> bytes:
    """A real image of ``side`` x ``side`` white pixels: tiny as a file, large decoded."""
    return encode(Image.new("1", (side, side), 1), "PNG")


def hostile_images() -> dict[str, tuple[bytes, int]]:
    """Image headers declaring sizes from just under the pixel limit to billions of pixels;
    each with the number of pixels it declares."""
    cases = {"png-blank": (blank_png_bomb(6_000), 6_000**2)}
    for width, height in [(6_000, 6_000), (7_000, 7_000), (65_535, 65_535)]:
        for fmt, with_size in [
            ("png-rgba16", lambda w, h: png_with_size(w, h, 16, 6)),
            ("gif", gif_with_size),
            ("tiff", tiff_with_size),
            ("jpeg", jpeg_with_size),
            ("bmp", bmp_with_size),
            ("webp", webp_with_size),
        ]:
            w, h = (min(width, 16_383), min(height, 16_383)) if fmt == "webp" else (width, height)
            cases[f"{fmt}-{w}x{h}"] = (with_size(w, h), w * h)  # WebP has 14 bits a side
    cases["png-100000x100000"] = (png_with_size(100_000, 100_000), 10**10)
    cases["png-2147483647x1"] = (png_with_size(2**31 - 1, 1), 2**31 - 1)
    cases["bmp-2147483647x-2147483647"] = (bmp_with_size(2**31 - 1, 1 - 2**31), (2**31 - 1) ** 2)
    return cases


def hostile_idx_files() -> dict[str, bytes]:
    header = bytes([0, 0, 0x0E, 1]) + struct.pack(">I", MAX_IDX_BYTES // 8)
    return {"idx-raw-declares-1GiB": header + bytes(16), "idx-gz-declares-1GiB": gz(header)}


CAPPED = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[1]),) * 2)
from digitnet.data.idx import read_idx
from digitnet.errors import DigitnetError
from digitnet.imaging import preprocess
from digitnet.modelfile import load
parsers = {"idx": read_idx, "model": load, "image": preprocess}
for kind, path in json.load(sys.stdin):
    try:
        parsers[kind](path)
        print(json.dumps(["read", ""]))
    except DigitnetError as exc:  # anything else is a traceback and a failed test
        print(json.dumps([type(exc).__name__, str(exc)]))
try:
    bytearray(int(sys.argv[1]))
except MemoryError:
    print(json.dumps(["capped", ""]))
"""


@pytest.mark.slow
def test_huge_declared_sizes_are_refused_under_a_memory_cap(tmp_path: Path) -> None:
    """Every hostile case of this module, in one subprocess limited to 1.5 GiB of address
    space: an allocation of what a header declares would end in MemoryError."""
    images = hostile_images()
    files = {
        **{("idx", key): data for key, data in hostile_idx_files().items()},
        **{("model", key): data for key, data in hostile_model_files().items()},
        **{("image", key): data for key, (data, _) in images.items()},
    }
    cases = []
    for (kind, key), data in files.items():
        (tmp_path / key).write_bytes(data)
        cases.append((kind, str(tmp_path / key)))
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    run = subprocess.run(
        [sys.executable, "-c", CAPPED, str(MEMORY_CAP_BYTES)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    *results, control = [json.loads(line) for line in run.stdout.splitlines()]
    assert control == ["capped", ""]  # the cap was in force
    errors = {"idx": "DataError", "model": "ModelFileError", "image": "ImageError"}
    for (kind, key), (status, message) in zip(files, results, strict=True):
        cap = MAX_JPEG_PIXELS if key.startswith("jpeg") else MAX_IMAGE_PIXELS  # JPEG: reduced
        over_limit = kind == "image" and images[key][1] > cap
        if status == "read":
            assert kind == "image" and not over_limit, key
            continue
        assert status == errors[kind], (key, message)
        assert str(tmp_path / key) in message, message
        assert "limit" in message or not over_limit, (key, message)


LARGE_NPY_HEADER = b"\x93NUMPY\x01\x00" + struct.pack("<H", 20_000) + b" " * 20_000


@pytest.mark.parametrize(
    ("member", "content"),
    [
        ("metadata.npy", metadata_member({**METADATA, "training": {"\n": 1}})),
        ("weights_0.npy", LARGE_NPY_HEADER),  # numpy's message about it has line breaks
    ],
    ids=["metadata-key-with-a-newline", "npy-header-over-10000-bytes"],
)
def test_messages_quoting_the_file_stay_on_one_line(
    model_path: Path, member: str, content: bytes
) -> None:
    """Regression: an error message quoting text from the file could span several lines."""
    assert load_or_refuse(model_path, zip_of({**MEMBERS, member: content})) is None


def with_name_flagged_utf8(data: bytes, member: str, name: bytes) -> bytes:
    """Rename ``member`` in the central directory to ``name`` and flag names as UTF-8."""
    assert len(name) == len(member)
    raw = bytearray(data)
    entry = raw.index(b"PK\x01\x02")  # the first central directory entry
    while raw[entry + 46 : entry + 46 + len(member)] != member.encode():
        entry = raw.index(b"PK\x01\x02", entry + 1)
    struct.pack_into("<H", raw, entry + 8, 0x0800)  # general purpose flags: UTF-8 names
    raw[entry + 46 : entry + 46 + len(member)] = name
    return bytes(raw)


def test_member_name_flagged_utf8_that_is_not_is_refused(model_path: Path) -> None:
    """Regression (fuzz_modelfile): zipfile raised UnicodeDecodeError from the loader."""
    data = with_name_flagged_utf8(MODEL, "metadata.npy", b"\xf3etadata.npy")
    model_path.write_bytes(data)
    with pytest.raises(ModelFileError, match="damaged model file"):
        load(model_path)
