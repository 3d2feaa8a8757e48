"""`digitnet data`: where MNIST is, downloading (with progress), verifying, importing."""

from __future__ import annotations

import gzip
import re
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from digitnet.data.download import MIRROR_ENV_VAR
from digitnet.data.mnist import DATA_ENV_VAR, MNIST_FILES, TEST_LABELS

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture(autouse=True)
def empty_default_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The default MNIST folder is an empty one of this test's, never the user's cache."""
    folder = tmp_path / "default"
    monkeypatch.setenv(DATA_ENV_VAR, str(folder))
    monkeypatch.delenv(MIRROR_ENV_VAR, raising=False)
    return folder


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


def test_data_alone_says_where_mnist_is_and_what_is_missing(run: Run, empty_default_folder):
    code, out, err = run("data")
    assert code == 0, err
    assert out.startswith(f"MNIST folder: {empty_default_folder} (${DATA_ENV_VAR})\n")
    for name in MNIST_FILES:
        assert f"  {name}" in out
    assert out.count("missing") == 5  # four files and the summary
    assert "`digitnet data download` fetches them" in out


def test_data_lists_the_sizes_of_present_files(run: Run, mnist_dir: Path):
    code, out, _ = run("data", "--data-dir", str(mnist_dir))
    assert code == 0
    assert f"MNIST folder: {mnist_dir} (--data-dir)" in out
    assert f"{TEST_LABELS}      4.5 kB  {mnist_dir / TEST_LABELS}" in out
    assert "All four files are here" in out


def test_import_then_verify(run: Run, mnist_dir: Path, empty_default_folder: Path):
    code, out, err = run("data", "import", str(mnist_dir))
    assert code == 0, err
    assert f"into {empty_default_folder} (${DATA_ENV_VAR})" in out
    code, out, err = run("data", "verify")
    assert code == 0, err
    assert out.count(" ok  ") == 4 and "All four files are genuine MNIST." in out


def test_verify_names_a_damaged_file_in_one_line(run: Run, mnist_dir: Path, tmp_path: Path):
    run("data", "import", str(mnist_dir), "--data-dir", str(tmp_path / "copy"))
    path = tmp_path / "copy" / TEST_LABELS
    content = bytearray(gzip.decompress(path.read_bytes()))
    content[-1] = (content[-1] + 1) % 10
    path.write_bytes(gzip.compress(bytes(content)))
    code, out, err = run("data", "verify", "--data-dir", str(tmp_path / "copy"))
    assert code == 1
    assert re.search(rf"{TEST_LABELS} +checksum mismatch", out)
    assert err.startswith(f"Error: 1 of the 4 MNIST files in {tmp_path / 'copy'} ")
    assert err.count("\n") == 1 and TEST_LABELS in err


def test_download_shows_source_size_and_checksum(
    run: Run, mnist_dir: Path, empty_default_folder: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv(MIRROR_ENV_VAR, mnist_dir.as_uri() + "/")
    code, out, err = run("data", "download")
    assert code == 0, err
    source = f"{mnist_dir.as_uri()}/{TEST_LABELS}"
    assert f"Downloading {TEST_LABELS} (4.5 kB) from {source}\n" in err
    assert f"  SHA-256 of the content verified; saved {empty_default_folder / TEST_LABELS}" in err
    assert "4 file(s) downloaded" in out
    assert sorted(p.name for p in empty_default_folder.iterdir()) == sorted(MNIST_FILES)
    code, out, _ = run("data", "download")
    assert "already in" in out


def test_a_failed_download_says_how_to_work_offline(
    run: Run, empty_default_folder: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv(MIRROR_ENV_VAR, closed_port_url())
    for args in (("data", "download"), ("train", "--epochs", "1")):
        code, _, err = run(*args)
        assert code == 1
        (line,) = err.splitlines()[-1:]
        assert line.startswith("Error: could not download train-images-idx3-ubyte.gz: ")
        assert f"Offline? Put the four MNIST files ({', '.join(MNIST_FILES)}) in" in line
        assert f"in {empty_default_folder}, " in line and f"${DATA_ENV_VAR}" in line
        assert "`digitnet data import FOLDER`" in line and "--data-dir" in line


def test_a_data_dir_that_does_not_exist_is_named_not_downloaded_to(run: Run, tmp_path: Path):
    absent = tmp_path / "nonexistent"
    code, _, err = run("train", "--epochs", "1", "--data-dir", str(absent))
    assert code == 1
    assert err.startswith(f"Error: no MNIST files in {absent}: no such folder")
    assert not absent.exists()
