"""The MNIST folder: finding the four files, checking their SHA-256, importing them."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from digitnet.data.folder import import_mnist, mnist_files, verify_mnist
from digitnet.data.mnist import MNIST_FILES, TEST_LABELS, TRAIN_LABELS
from digitnet.errors import DataError


def copy_mnist(source: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in MNIST_FILES:
        (folder / name).write_bytes((source / name).read_bytes())
    return folder


def damage(path: Path) -> None:
    """The same gzip of the same IDX header, with one label changed."""
    content = bytearray(gzip.decompress(path.read_bytes()))
    content[-1] = (content[-1] + 1) % 10
    path.write_bytes(gzip.compress(bytes(content), mtime=0))


def test_files_are_found_with_their_sizes_or_named_missing(mnist_dir: Path, tmp_path: Path):
    (tmp_path / TEST_LABELS).write_bytes((mnist_dir / TEST_LABELS).read_bytes())
    found = {file.name: file for file in mnist_files(tmp_path)}
    assert list(found) == list(MNIST_FILES)
    assert found[TEST_LABELS].path == tmp_path / TEST_LABELS
    assert found[TEST_LABELS].size == (mnist_dir / TEST_LABELS).stat().st_size
    assert [name for name, file in found.items() if file.path is None] == [
        name for name in MNIST_FILES if name != TEST_LABELS
    ]


def test_genuine_files_verify_compressed_or_not(mnist_dir: Path, tmp_path: Path):
    folder = copy_mnist(mnist_dir, tmp_path / "mnist")
    raw = folder / TRAIN_LABELS.removesuffix(".gz")
    raw.write_bytes(gzip.decompress((folder / TRAIN_LABELS).read_bytes()))
    (folder / TRAIN_LABELS).unlink()
    seen: list[str] = []
    checked = verify_mnist(folder, on_file=lambda file: seen.append(file.name))
    assert seen == list(MNIST_FILES)
    assert [file.problem for file in checked] == [None] * 4
    assert checked[1].path == raw


def test_a_damaged_or_missing_file_is_named(mnist_dir: Path, tmp_path: Path):
    folder = copy_mnist(mnist_dir, tmp_path)
    damage(folder / TEST_LABELS)
    (folder / TRAIN_LABELS).unlink()
    problems = {file.name: file.problem for file in verify_mnist(folder)}
    assert problems[TEST_LABELS] == "checksum mismatch"
    assert problems[TRAIN_LABELS] == "missing"
    assert sum(problem is None for problem in problems.values()) == 2


def test_import_copies_the_four_files_verified(mnist_dir: Path, tmp_path: Path):
    written = import_mnist(mnist_dir, tmp_path / "new" / "mnist")
    target = tmp_path / "new" / "mnist"
    assert sorted(os.listdir(target)) == sorted(MNIST_FILES)
    assert [file.path for file in written] == [target / name for name in MNIST_FILES]
    for name in MNIST_FILES:
        assert (target / name).read_bytes() == (mnist_dir / name).read_bytes()


def test_import_of_a_damaged_set_writes_nothing(mnist_dir: Path, tmp_path: Path):
    source = copy_mnist(mnist_dir, tmp_path / "source")
    damage(source / TEST_LABELS)
    with pytest.raises(DataError, match=f"not importing from {source}: .*{TEST_LABELS}: checksum"):
        import_mnist(source, tmp_path / "target")
    assert not (tmp_path / "target").exists()


def test_import_names_the_missing_files_and_a_missing_folder(mnist_dir: Path, tmp_path: Path):
    source = copy_mnist(mnist_dir, tmp_path / "source")
    (source / TRAIN_LABELS).unlink()
    with pytest.raises(DataError, match=f"{source} lacks {TRAIN_LABELS} "):
        import_mnist(source, tmp_path / "target")
    with pytest.raises(DataError, match="no such folder to import MNIST from"):
        import_mnist(tmp_path / "absent", tmp_path / "target")


def test_import_into_the_folder_it_reads_from_keeps_the_files(mnist_dir: Path, tmp_path: Path):
    folder = copy_mnist(mnist_dir, tmp_path)
    import_mnist(folder, folder)
    assert verify_mnist(folder)[0].problem is None
