"""The IDX parser, on synthetic files: every dtype, gzip or raw, and broken files."""

from __future__ import annotations

import gzip
import struct
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digitnet.data.idx import IDX_DTYPES, MAX_IDX_BYTES, idx_content, parse_idx, read_idx
from digitnet.errors import DataError

CODES = {np.dtype(dtype).newbyteorder("="): code for code, dtype in IDX_DTYPES.items()}
UINT32_MAX = 2**32 - 1


def idx_header(code: int, shape: tuple[int, ...]) -> bytes:
    return bytes([0, 0, code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)


def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file holding ``array``, payload big-endian as the format says."""
    code = CODES[array.dtype]
    return idx_header(code, array.shape) + array.astype(array.dtype.newbyteorder(">")).tobytes()


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def sample(dtype: np.dtype, shape: tuple[int, ...]) -> np.ndarray:
    """Values that show byte-order mistakes: negatives, fractions, large magnitudes."""
    values = np.arange(np.prod(shape), dtype=np.float64).reshape(shape) * 37.25 - 91.5
    if dtype.kind in "ui":
        info = np.iinfo(dtype)
        values = np.clip(np.round(values * 1000), info.min, info.max)
    return values.astype(dtype)


SMALL = sample(np.dtype(np.int16), (3, 2, 2))
SMALL_FILE = idx_bytes(SMALL)


@pytest.mark.parametrize("dtype", list(CODES), ids=str)
@pytest.mark.parametrize("shape", [(7,), (3, 5), (2, 3, 4), (2, 1, 3, 2)], ids=str)
@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
def test_parse_round_trips_every_dtype_and_rank(
    dtype: np.dtype, shape: tuple[int, ...], compress: bool
) -> None:
    expected = sample(dtype, shape)
    data = idx_bytes(expected)
    array = parse_idx(gz(data) if compress else data, "synthetic")
    assert array.dtype == dtype and array.dtype.isnative
    assert array.shape == shape
    np.testing.assert_array_equal(array, expected)


def test_big_endian_payload_is_decoded_not_copied_as_is() -> None:
    array = parse_idx(idx_header(0x0C, (1,)) + b"\x00\x00\x01\x02", "be")
    assert array.tolist() == [258]


def test_read_idx_tells_gzip_by_magic_bytes_not_name(tmp_path: Path) -> None:
    raw_named_gz = tmp_path / "raw.gz"
    raw_named_gz.write_bytes(SMALL_FILE)
    gz_named_raw = tmp_path / "compressed-idx3-ubyte"
    gz_named_raw.write_bytes(gz(SMALL_FILE))
    np.testing.assert_array_equal(read_idx(raw_named_gz), SMALL)
    np.testing.assert_array_equal(read_idx(gz_named_raw), SMALL)


def test_idx_content_is_the_uncompressed_file() -> None:
    assert idx_content(gz(SMALL_FILE), "x") == SMALL_FILE
    assert idx_content(SMALL_FILE, "x") == SMALL_FILE


def test_gzip_with_several_members_is_read_whole() -> None:
    data = gz(SMALL_FILE[:10]) + gz(SMALL_FILE[10:])
    np.testing.assert_array_equal(parse_idx(data, "multi"), SMALL)


@pytest.mark.parametrize("cut", [0, 1, 2, 3, 4, 7, 15, 16, 17, len(SMALL_FILE) - 1])
@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
def test_truncated_file_raises(cut: int, compress: bool) -> None:
    data = SMALL_FILE[:cut]
    with pytest.raises(DataError, match=r"^small\.idx: truncated"):
        parse_idx(gz(data) if compress else data, "small.idx")


def test_truncated_payload_message_says_declared_and_held() -> None:
    data = idx_header(0x08, (60000, 28, 28)) + bytes(1200)
    with pytest.raises(DataError) as info:
        parse_idx(data, "train-images-idx3-ubyte")
    assert str(info.value) == (
        "train-images-idx3-ubyte: truncated: header declares 47040000 bytes of data "
        "(60000 x 28 x 28 uint8), file holds 1200"
    )


def test_every_truncation_of_a_file_is_a_data_error() -> None:
    for cut in range(len(SMALL_FILE)):
        with pytest.raises(DataError, match="truncated"):
            parse_idx(SMALL_FILE[:cut], "small")


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
def test_trailing_bytes_raise(compress: bool) -> None:
    data = SMALL_FILE + b"\x00\x00\x00"
    with pytest.raises(DataError, match=r"^small: .*trailing data"):
        parse_idx(gz(data) if compress else data, "small")


@pytest.mark.parametrize("magic", [b"\x00\x01", b"\x01\x00", b"PK", b"\x89P"])
def test_bad_magic_raises(magic: bytes) -> None:
    with pytest.raises(DataError, match="not an IDX file"):
        parse_idx(magic + SMALL_FILE[2:], "small")


@pytest.mark.parametrize("code", [0x00, 0x07, 0x0A, 0x0F, 0xFF])
def test_unknown_dtype_code_raises(code: int) -> None:
    with pytest.raises(DataError, match=f"dtype code 0x{code:02X}"):
        parse_idx(bytes([0, 0, code, 1]) + struct.pack(">I", 1) + b"\x00" * 8, "small")


@pytest.mark.parametrize("ndim", [0, 5, 255])
def test_unreasonable_number_of_dimensions_raises(ndim: int) -> None:
    with pytest.raises(DataError, match=f"declares {ndim} dimensions"):
        parse_idx(bytes([0, 0, 0x08, ndim]) + bytes(4 * ndim + 8), "small")


@pytest.mark.parametrize("shape", [(0,), (10, 0, 28), (0, 0)])
def test_zero_size_raises(shape: tuple[int, ...]) -> None:
    with pytest.raises(DataError, match="empty array"):
        parse_idx(idx_header(0x08, shape), "empty")


@pytest.mark.parametrize(
    "shape", [(UINT32_MAX, UINT32_MAX), (UINT32_MAX,) * 4, (2**31, 2), (MAX_IDX_BYTES + 1,)]
)
@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
def test_huge_declared_size_raises_before_allocating(
    shape: tuple[int, ...], compress: bool
) -> None:
    data = idx_header(0x08, shape) + bytes(16)
    data = gz(data) if compress else data
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match="more than the limit"):
            parse_idx(data, "huge")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20


def test_limit_is_a_parameter() -> None:
    with pytest.raises(DataError, match="more than the limit of 23"):
        parse_idx(SMALL_FILE, "small", max_bytes=23)
    assert parse_idx(SMALL_FILE, "small", max_bytes=24).shape == SMALL.shape


def test_read_idx_refuses_file_far_larger_than_limit_without_reading(tmp_path: Path) -> None:
    path = tmp_path / "big"
    path.write_bytes(SMALL_FILE + bytes(100))
    with pytest.raises(DataError, match="larger than the limit"):
        read_idx(path, max_bytes=50)


def test_truncated_gzip_stream_raises() -> None:
    data = gz(SMALL_FILE)
    for cut in (len(data) // 2, len(data) - 4, len(data) - 1):
        with pytest.raises(DataError, match="corrupt or truncated gzip"):
            parse_idx(data[:cut], "small.gz")


def test_corrupt_deflate_data_raises() -> None:
    data = bytearray(gz(idx_bytes(sample(np.dtype(np.float64), (64,)))))
    data[12:20] = b"\xff" * 8  # inside the deflate stream, after the 10-byte gzip header
    with pytest.raises(DataError, match="corrupt or truncated gzip"):
        parse_idx(bytes(data), "small.gz")


def test_bad_gzip_crc_raises() -> None:
    data = bytearray(gz(SMALL_FILE))
    data[-8] ^= 0xFF  # first byte of the CRC-32 trailer
    with pytest.raises(DataError, match="corrupt or truncated gzip"):
        parse_idx(bytes(data), "small.gz")


def test_gzip_magic_with_garbage_raises() -> None:
    with pytest.raises(DataError, match=r"^junk\.gz: corrupt or truncated gzip"):
        parse_idx(b"\x1f\x8b" + bytes(range(40)), "junk.gz")


def test_unreadable_path_raises_data_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"absent-idx1-ubyte\.gz: cannot read"):
        read_idx(tmp_path / "absent-idx1-ubyte.gz")
    with pytest.raises(DataError, match="cannot read"):
        read_idx(tmp_path)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64))
def test_arbitrary_bytes_parse_or_raise_data_error(data: bytes) -> None:
    try:
        array = parse_idx(data, "fuzz")
    except DataError as exc:
        assert str(exc).startswith("fuzz: ") and "\n" not in str(exc)
    else:
        assert array.nbytes == len(data) - 4 - 4 * array.ndim


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 95), st.integers(0, 255))
def test_any_corrupted_byte_of_a_gzip_file_parses_or_raises_data_error(
    position: int, value: int
) -> None:
    data = bytearray(gz(SMALL_FILE))
    data[position % len(data)] = value
    try:
        array = parse_idx(bytes(data), "fuzz.gz")
    except DataError:
        return
    assert array.ndim >= 1
