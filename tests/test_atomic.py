"""Atomic writes: the target holds the old content or the whole new one, never a mix."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from digitnet.atomic import atomic_open, atomic_write_bytes, remove_stale_temps
from digitnet.errors import ConfigError


class Boom(Exception):
    """Raised inside a with-block to simulate a writer that fails half-way."""


def test_atomic_write_bytes_creates_file(tmp_path: Path) -> None:
    target = tmp_path / "model.npz"
    atomic_write_bytes(target, b"\x00\x01payload")
    assert target.read_bytes() == b"\x00\x01payload"
    assert os.listdir(tmp_path) == ["model.npz"]


def test_atomic_write_bytes_replaces_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "model.npz"
    target.write_bytes(b"old content that is longer")
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["model.npz"]


def test_atomic_open_text_mode_writes_utf8(tmp_path: Path) -> None:
    target = tmp_path / "meta.json"
    with atomic_open(target, "w") as stream:
        stream.write('{"name": "réseau"}')
    assert target.read_text(encoding="utf-8") == '{"name": "réseau"}'


def test_failure_inside_block_leaves_target_untouched_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "model.npz"
    target.write_bytes(b"old")
    with pytest.raises(Boom), atomic_open(target) as stream:
        stream.write(b"half of the new")
        raise Boom
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["model.npz"]


def test_failure_before_first_write_creates_nothing(tmp_path: Path) -> None:
    target = tmp_path / "model.npz"
    with pytest.raises(Boom), atomic_open(target):
        raise Boom
    assert os.listdir(tmp_path) == []


def test_content_is_invisible_until_block_ends(tmp_path: Path) -> None:
    target = tmp_path / "model.npz"
    target.write_bytes(b"old")
    with atomic_open(target) as stream:
        stream.write(b"new")
        stream.flush()
        assert target.read_bytes() == b"old"
    assert target.read_bytes() == b"new"


def test_new_file_gets_umask_permissions_not_private_temp_ones(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        atomic_write_bytes(tmp_path / "model.npz", b"x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "model.npz").stat().st_mode) == 0o644


def test_missing_folder_raises_oserror_and_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        atomic_write_bytes(tmp_path / "absent" / "model.npz", b"x")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("mode", ["ab", "r", "wb+", "x"])
def test_non_writing_modes_are_refused(tmp_path: Path, mode: str) -> None:
    with pytest.raises(ConfigError, match="mode"), atomic_open(tmp_path / "f", mode):
        pass
    assert os.listdir(tmp_path) == []


def test_encoding_with_binary_mode_is_refused(tmp_path: Path) -> None:
    with (
        pytest.raises(ConfigError, match="encoding"),
        atomic_open(tmp_path / "f", "wb", encoding="utf-8"),
    ):
        pass


def test_a_write_removes_the_temp_files_of_killed_writers_of_the_same_target(
    tmp_path: Path,
) -> None:
    target = tmp_path / "model.npz"
    stale = [tmp_path / ".model.npz.0123456789abcdef.tmp", tmp_path / ".model.npz.feed.tmp"]
    for path in stale:
        path.write_bytes(b"half a model" * 1000)  # what kill -9 during save leaves
    other = tmp_path / ".other.npz.0123456789abcdef.tmp"
    other.write_bytes(b"another target's")
    atomic_write_bytes(target, b"new")
    assert sorted(os.listdir(tmp_path)) == sorted([".other.npz.0123456789abcdef.tmp", "model.npz"])


@pytest.mark.skipif(os.name != "posix", reason="flock is POSIX")
def test_the_temp_file_of_a_live_writer_is_left_alone(tmp_path: Path) -> None:
    import fcntl

    target = tmp_path / "model.npz"
    with atomic_open(target, "wb") as first:  # a writer still writing
        first.write(b"first")
        (live,) = tmp_path.glob(".model.npz.*.tmp")
        assert remove_stale_temps(target) == []
        atomic_write_bytes(target, b"second")  # a concurrent writer of the same target
        assert live.exists()
        fd = os.open(live, os.O_RDONLY)
        with pytest.raises(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.close(fd)
    assert target.read_bytes() == b"first" and os.listdir(tmp_path) == ["model.npz"]
