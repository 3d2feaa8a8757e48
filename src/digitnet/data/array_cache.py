"""A gzipped IDX file's array kept uncompressed beside it, memory-mapped on the next load.

Decompressing MNIST's 47 MB of training images takes about 0.2 s on every run; the array
kept as ``train-images-idx3-ubyte.npy`` loads in a few milliseconds. Beside the ``.npy``, a
small JSON record (``.npy.json``) says what it was made from and what it must hold:

- the source's size and modification time, so a replaced ``.gz`` rebuilds the cache;
- the ``.npy`` file's size, so a truncated cache is seen without reading it;
- the shape, the element type and the CRC-32 of the array's bytes (about 12 ms for 47 MB),
  so a corrupted one is seen too.

The cache is made from a ``.gz`` that parsed whole (gzip's own CRC-32 checked its content),
written atomically (the ``.npy`` first, then the record), and rebuilt whenever anything
disagrees. It is an optimisation only: a source in a read-only folder (a shared data set)
has its cache in a per-user folder instead, named by the source's path, when the caller
gives one; a cache that cannot be written anywhere is simply not kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import zlib
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from digitnet.atomic import atomic_open
from digitnet.data.idx import read_idx

CACHE_SUFFIX = ".npy"
RECORD_SUFFIX = ".npy.json"
CACHE_FORMAT = 1
GZIP_SUFFIX = ".gz"


def cache_paths(source: Path) -> tuple[Path, Path]:
    """The cache and its record for ``source``: ``x.gz`` -> ``x.npy``, ``x.npy.json``."""
    stem = source.name.removesuffix(GZIP_SUFFIX)
    return source.with_name(stem + CACHE_SUFFIX), source.with_name(stem + RECORD_SUFFIX)


def fallback_cache_paths(source: Path, folder: Path) -> tuple[Path, Path]:
    """The cache and its record for ``source`` in ``folder`` (for a read-only source folder):
    a subfolder named by a digest of the source's absolute path, then :func:`cache_paths`'s
    names."""
    key = hashlib.sha256(os.fsencode(source.absolute())).hexdigest()[:16]
    return cache_paths(folder / key / source.name)


def read_idx_cached(
    path: str | os.PathLike[str], fallback_folder: Path | None = None
) -> NDArray[Any]:
    """:func:`~digitnet.data.idx.read_idx`, through the uncompressed cache for a ``.gz``.

    Returns the array read_idx would (native-endian), read-only for a ``.gz``: a view of
    the memory-mapped ``.npy`` when the cache is valid. Any fault of the cache (missing,
    stale, truncated, corrupt) makes it read the ``.gz`` and rewrite the cache. The cache
    is kept beside the source, or, if that folder is read-only, in ``fallback_folder``
    (:func:`fallback_cache_paths`) when one is given.

    Raises
    ------
    DataError
        As read_idx does, if the source cannot be read or is not a valid IDX file.
    """
    source = Path(path)
    if source.suffix != GZIP_SUFFIX:
        return read_idx(source)
    try:
        origin = source.stat()
    except OSError:
        return read_idx(source)  # says why in read_idx's words
    if _writable(source.parent):
        paths: tuple[Path, Path] | None = cache_paths(source)
    elif fallback_folder is not None:
        paths = fallback_cache_paths(source, fallback_folder)
    else:
        paths = None
    cached = _load_valid(cache_paths(source) if paths is None else paths, origin)
    if cached is not None:
        return cached
    array = read_idx(source)
    if paths is not None:
        _write(paths, origin, array)
    array.flags.writeable = False  # as the memory-mapped one will be next time
    return array


def _record_for(origin: os.stat_result, array: NDArray[Any], npy_bytes: int) -> dict[str, Any]:
    return {
        "format": CACHE_FORMAT,
        "source_bytes": origin.st_size,
        "source_mtime_ns": origin.st_mtime_ns,
        "npy_bytes": npy_bytes,
        "shape": list(array.shape),
        "dtype": array.dtype.str,
        "crc32": zlib.crc32(np.ascontiguousarray(array).data),
    }


def _load_valid(paths: tuple[Path, Path], origin: os.stat_result) -> NDArray[Any] | None:
    """The array cached at ``paths`` if its record matches the source's ``origin`` and its
    bytes; else None."""
    npy, record_path = paths
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        if not isinstance(record, dict) or (
            record.get("format"),
            record.get("source_bytes"),
            record.get("source_mtime_ns"),
            record.get("npy_bytes"),
        ) != (CACHE_FORMAT, origin.st_size, origin.st_mtime_ns, npy.stat().st_size):
            return None
        array = np.load(npy, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, UnicodeDecodeError):  # missing, unreadable, bad header
        return None
    if (
        list(array.shape) != record.get("shape")
        or array.dtype.str != record.get("dtype")
        or zlib.crc32(array.data) != record.get("crc32")
    ):
        return None
    return array.view(np.ndarray)


def _writable(folder: Path) -> bool:
    """Whether ``folder`` may hold a cache: writable by us and not marked read-only.

    The mode bits are asked too because a superuser may write where no one is meant to.
    """
    try:
        mode = folder.stat().st_mode
    except OSError:
        return False
    return os.access(folder, os.W_OK) and bool(mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _write(paths: tuple[Path, Path], origin: os.stat_result, array: NDArray[Any]) -> None:
    """Write the cache, then its record, each atomically (making the cache's folder if
    need be); give up quietly on an OSError."""
    npy, record_path = paths
    try:
        npy.parent.mkdir(parents=True, exist_ok=True)
        with atomic_open(npy, "wb") as stream:
            np.save(stream, array, allow_pickle=False)
        record = _record_for(origin, array, npy.stat().st_size)
        with atomic_open(record_path, "w") as stream:
            json.dump(record, stream)
    except OSError:
        return
