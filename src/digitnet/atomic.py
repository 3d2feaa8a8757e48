"""Atomic file writes: a reader sees the old file or the whole new one, never half of it.

The new content goes to a temporary file in the target's own folder (so the final rename
stays on one filesystem), is flushed and ``fsync``-ed, then ``os.replace`` swaps it in. If
anything fails on the way, the temporary file is removed and the target is left untouched.

A process killed while writing (``kill -9``, a power cut) cannot remove its temporary file,
so each write also removes the temporary files of the same target that no live writer
holds: a writer holds an exclusive ``flock`` on its file until it is renamed, which the
kernel releases when the process dies, however it dies.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from digitnet.errors import ConfigError

ATOMIC_MODES = ("wb", "w")
TEXT_ENCODING = "utf-8"
NEW_FILE_PERMISSIONS = 0o666  # narrowed by the umask, as open() would do
TEMP_NAME_ATTEMPTS = 100  # random 64-bit names; a clash even once is already unlikely
try:
    import fcntl
except ImportError:  # Windows: no flock, and no removal of another writer's files
    fcntl = None  # type: ignore[assignment]


def _create_temp(target: Path, binary: bool) -> tuple[int, Path]:
    """Create and open a new, empty temporary file beside ``target``: ``(fd, path)``.

    Unlike :func:`tempfile.mkstemp` (mode 0600), the file gets the permissions a plain
    ``open(target, "w")`` would give it, so the replaced file looks like a normal one.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) * binary
    for _ in range(TEMP_NAME_ATTEMPTS):
        temp = target.with_name(f"{_temp_prefix(target)}{secrets.token_hex(8)}.tmp")
        try:
            fd = os.open(temp, flags, NEW_FILE_PERMISSIONS)
        except FileExistsError:
            continue
        if fcntl is not None:
            try:  # at once: until then a cleaner may take the new file for a dead writer's
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:  # a cleaner holds it and removes it: take another name
                os.close(fd)
                continue
        return fd, temp
    raise FileExistsError(f"no free temporary name beside {target}")


def _temp_prefix(target: Path) -> str:
    return f".{target.name}."


def remove_stale_temps(target: Path) -> list[Path]:
    """Remove the temporary files of ``target`` left by writers that died; return them.

    A file is stale when no process holds its lock: the files of live writers, which lock
    theirs before writing a byte, are left alone.
    """
    if fcntl is None:
        return []
    removed = []
    for temp in target.parent.glob(f"{_temp_prefix(target)}*.tmp"):
        try:
            fd = os.open(temp, os.O_RDONLY)
        except OSError:  # gone already, or not ours to read
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # a live writer holds it
            os.close(fd)
            continue
        try:
            temp.unlink()
            removed.append(temp)
        except OSError:
            pass
        finally:
            os.close(fd)
    return removed


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable; best effort, as not every OS or filesystem can."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_open(
    path: str | os.PathLike[str],
    mode: str = "wb",
    *,
    encoding: str | None = None,
    replace: bool = True,
) -> Iterator[IO[Any]]:
    """Open ``path`` for writing so that it is replaced atomically when the block ends.

    Parameters
    ----------
    path : str or path-like
        The file to create or replace. Its folder must exist.
    mode : {"wb", "w"}
        Binary or text writing.
    encoding : str, optional
        Text mode only; UTF-8 when not given.
    replace : bool
        False: never replace an existing ``path``; if there is one when the block ends,
        raise FileExistsError (and leave it as it was), so that two writers can never
        take the same new name.

    Yields
    ------
    file object
        Writes go to a temporary file beside ``path``. When the ``with`` block ends
        normally, it is flushed, ``fsync``-ed and renamed over ``path``. When the block
        raises, the temporary file is removed, ``path`` is untouched and the exception
        propagates.

    Raises
    ------
    ConfigError
        If ``mode`` is not a writing mode listed above.
    FileExistsError
        If ``replace`` is False and ``path`` exists.
    OSError
        If the folder is missing or not writable, or the disk is full.
    """
    if mode not in ATOMIC_MODES:
        raise ConfigError(f"atomic_open mode must be one of {ATOMIC_MODES}, got {mode!r}")
    binary = mode == "wb"
    if binary and encoding is not None:
        raise ConfigError(f"atomic_open: encoding {encoding!r} given for binary mode 'wb'")
    target = Path(path)
    fd, temp = _create_temp(target, binary)
    remove_stale_temps(target)
    replaced = False
    try:  # io.open closes fd itself if it fails, so only the temp file needs cleaning up
        if binary:
            stream: IO[Any] = os.fdopen(fd, mode)
        else:
            stream = os.fdopen(fd, mode, encoding=encoding or TEXT_ENCODING)
        with stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        if replace:
            os.replace(temp, target)
        else:
            _link_new(temp, target)
        replaced = True
    finally:
        if not replaced:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
    _fsync_folder(target.parent)


def _link_new(temp: Path, target: Path) -> None:
    """Give ``temp`` the name ``target`` unless that exists (FileExistsError), atomically.

    A hard link fails on an existing name, where ``os.replace`` would overwrite it; a
    filesystem without hard links falls back to a check and a rename, racy but rare.
    """
    try:
        os.link(temp, target)
    except FileExistsError:
        raise
    except OSError:  # no hard links here (FAT, some network filesystems)
        if target.exists():
            raise FileExistsError(errno.EEXIST, "file exists", str(target)) from None
        os.replace(temp, target)
        return
    temp.unlink()


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_open`)."""
    with atomic_open(path, "wb") as stream:
        stream.write(data)
