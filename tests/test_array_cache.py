"""The uncompressed array cache beside a gzipped IDX file: used when valid, rebuilt when not."""

from __future__ import annotations

import gzip
import json
import os
import struct
from pathlib import Path

import numpy as np
import pytest

from digitnet.data import array_cache
from digitnet.data.array_cache import cache_paths, fallback_cache_paths, read_idx_cached
from digitnet.data.idx import read_idx
from digitnet.errors import DataError


def write_gz_idx(path: Path, array: np.ndarray) -> None:
    """A gzipped IDX file of uint8 ``array``."""
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(gzip.compress(header + array.tobytes(), compresslevel=1, mtime=0))


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "train-images-idx3-ubyte.gz"
    write_gz_idx(path, images(seed=0))
    return path


def images(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (50, 28, 28), dtype=np.uint8)


def forbid_decompressing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(path: object) -> None:
        raise AssertionError(f"{path} was decompressed though its cache is valid")

    monkeypatch.setattr(array_cache, "read_idx", refuse)


def test_first_load_writes_the_cache_and_the_next_reads_it_without_decompressing(
    source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = read_idx_cached(source)
    npy, record = cache_paths(source)
    assert npy.name == "train-images-idx3-ubyte.npy" and npy.is_file() and record.is_file()
    forbid_decompressing(monkeypatch)
    second = read_idx_cached(source)
    np.testing.assert_array_equal(second, images(seed=0))
    np.testing.assert_array_equal(first, second)
    assert type(second) is np.ndarray and second.dtype == np.uint8


def test_loaded_arrays_are_read_only_with_or_without_the_cache(source: Path) -> None:
    assert not read_idx_cached(source).flags.writeable  # made the cache
    assert not read_idx_cached(source).flags.writeable  # read it


def cached_then(source: Path, damage: str) -> np.ndarray:
    """Load once (making the cache), damage it, load again."""
    read_idx_cached(source)
    npy, record = cache_paths(source)
    if damage == "truncated":
        npy.write_bytes(npy.read_bytes()[:-100])
    elif damage == "flipped byte":
        data = bytearray(npy.read_bytes())
        data[-7] ^= 0xFF
        npy.write_bytes(bytes(data))
    elif damage == "bad header":
        data = bytearray(npy.read_bytes())
        data[:6] = b"XXXXXX"
        npy.write_bytes(bytes(data))
    elif damage == "no cache":
        npy.unlink()
    elif damage == "bad record":
        record.write_text("{not json", encoding="utf-8")
    elif damage == "no record":
        record.unlink()
    return read_idx_cached(source)


@pytest.mark.parametrize(
    "damage", ["truncated", "flipped byte", "bad header", "no cache", "bad record", "no record"]
)
def test_a_damaged_cache_is_detected_and_rebuilt(
    source: Path, damage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    np.testing.assert_array_equal(cached_then(source, damage), images(seed=0))
    forbid_decompressing(monkeypatch)  # the rebuilt cache is whole again
    np.testing.assert_array_equal(read_idx_cached(source), images(seed=0))


def test_a_replaced_source_is_read_again_not_taken_from_the_stale_cache(source: Path) -> None:
    read_idx_cached(source)
    write_gz_idx(source, images(seed=1))
    os.utime(source, ns=(source.stat().st_atime_ns, source.stat().st_mtime_ns + 1_000_000))
    np.testing.assert_array_equal(read_idx_cached(source), images(seed=1))


def test_the_record_holds_the_checksum_of_the_array(source: Path) -> None:
    read_idx_cached(source)
    npy, record_path = cache_paths(source)
    record = json.loads(record_path.read_text(encoding="utf-8"))
    assert record["npy_bytes"] == npy.stat().st_size
    assert record["shape"] == [50, 28, 28] and record["dtype"] == "|u1"
    assert record["source_bytes"] == source.stat().st_size


def test_a_read_only_folder_gets_no_cache_and_still_loads(source: Path) -> None:
    folder = source.parent
    folder.chmod(0o555)
    try:
        np.testing.assert_array_equal(read_idx_cached(source), images(seed=0))
        assert sorted(p.name for p in folder.iterdir()) == [source.name]
    finally:
        folder.chmod(0o755)


def test_a_read_only_folder_has_its_cache_in_the_fallback_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared, other, fallback = tmp_path / "shared", tmp_path / "other", tmp_path / "user-cache"
    for folder, seed in ((shared, 0), (other, 1)):
        folder.mkdir()
        write_gz_idx(folder / "train-images-idx3-ubyte.gz", images(seed=seed))
        folder.chmod(0o555)
    try:
        for folder in (shared, other):
            read_idx_cached(folder / "train-images-idx3-ubyte.gz", fallback)
            assert [p.name for p in folder.iterdir()] == ["train-images-idx3-ubyte.gz"]
        npy, record = fallback_cache_paths(shared / "train-images-idx3-ubyte.gz", fallback)
        assert npy.is_file() and record.is_file() and npy.parent.parent == fallback
        # one cache per source path: the two files of the same name do not share one
        assert len(list(fallback.glob("*/*.npy"))) == 2
        forbid_decompressing(monkeypatch)
        for folder, seed in ((shared, 0), (other, 1)):
            cached = read_idx_cached(folder / "train-images-idx3-ubyte.gz", fallback)
            np.testing.assert_array_equal(cached, images(seed=seed))
            assert not cached.flags.writeable
    finally:
        shared.chmod(0o755)
        other.chmod(0o755)


def test_an_unwritable_fallback_folder_is_no_cache_and_no_error(source: Path) -> None:
    source.parent.chmod(0o555)
    blocked = source.parent.parent / "not-a-folder"
    blocked.write_text("a file where the cache's folder would be")
    try:
        np.testing.assert_array_equal(read_idx_cached(source, blocked), images(seed=0))
    finally:
        source.parent.chmod(0o755)


def test_an_uncompressed_file_is_read_directly(tmp_path: Path) -> None:
    path = tmp_path / "train-images-idx3-ubyte"
    header = bytes([0, 0, 0x08, 1]) + struct.pack(">I", 3)
    path.write_bytes(header + b"\x01\x02\x03")
    assert read_idx_cached(path).tolist() == [1, 2, 3]
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_a_corrupt_source_is_a_data_error_and_leaves_no_cache(tmp_path: Path) -> None:
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x09abc", mtime=0))
    with pytest.raises(DataError, match="truncated"):
        read_idx_cached(path)
    assert not cache_paths(path)[0].exists()


def test_the_cached_array_equals_read_idx_on_real_mnist(mnist_dir: Path, tmp_path: Path) -> None:
    name = "t10k-labels-idx1-ubyte.gz"
    (tmp_path / name).write_bytes((mnist_dir / name).read_bytes())
    read_idx_cached(tmp_path / name)
    np.testing.assert_array_equal(read_idx_cached(tmp_path / name), read_idx(mnist_dir / name))
