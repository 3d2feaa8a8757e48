"""Downloads from a real HTTP server on loopback: good, cut, wrong, missing and slow mirrors."""

from __future__ import annotations

import gzip
import os
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from digitnet.data import download
from digitnet.data.download import (
    MIRROR_ENV_VAR,
    MIRRORS,
    DownloadError,
    DownloadStep,
    ensure_mnist,
    mirror_urls,
)
from digitnet.data.mnist import MNIST_FILES, TEST_LABELS, TRAIN_LABELS, load_mnist
from digitnet.errors import ConfigError, DataError

LABELS = [TRAIN_LABELS, TEST_LABELS]  # the two small files keep these tests fast
STALL_SECONDS = 10.0  # how long a "stall" mirror keeps silent unless released at teardown


class MirrorHandler(BaseHTTPRequestHandler):
    """Serves ``server.files`` under any folder, misbehaving as ``server.behaviour`` says."""

    server: MirrorServer

    def do_GET(self) -> None:
        server = self.server
        name = self.path.rsplit("/", 1)[-1]
        server.requests.append(name)
        body = server.files.get(name)
        if body is None:
            self.send_error(404)
            return
        if server.behaviour == "stall":
            server.release.wait(STALL_SECONDS)
            return
        self.send_response(200)
        if server.behaviour == "chunked-cut":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"%x\r\n%s\r\n" % (1024, body[:1024]))
            return  # closes without the final zero-length chunk
        if server.behaviour != "no-length":
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        # "cut": the full Content-Length was announced, half is sent, then the socket closes.
        self.wfile.write(body[: len(body) // 2] if server.behaviour == "cut" else body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output clean."""


class ChunkedMirrorHandler(MirrorHandler):
    protocol_version = "HTTP/1.1"


class MirrorServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, files: dict[str, bytes], behaviour: str) -> None:
        handler = ChunkedMirrorHandler if behaviour == "chunked-cut" else MirrorHandler
        super().__init__(("127.0.0.1", 0), handler)
        self.files = files
        self.behaviour = behaviour
        self.requests: list[str] = []
        self.release = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}/mnist/"


Serve = Callable[..., MirrorServer]


@pytest.fixture(scope="session")
def mnist_bytes(mnist_dir: Path) -> dict[str, bytes]:
    return {name: (mnist_dir / name).read_bytes() for name in MNIST_FILES}


@pytest.fixture
def serve(mnist_bytes: dict[str, bytes]) -> Iterator[Serve]:
    """Start mirrors on free loopback ports: ``serve(behaviour="ok", files=None)``."""
    servers: list[tuple[MirrorServer, threading.Thread]] = []

    def start(behaviour: str = "ok", files: dict[str, bytes] | None = None) -> MirrorServer:
        server = MirrorServer(mnist_bytes if files is None else files, behaviour)
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        servers.append((server, thread))
        return server

    yield start
    for server, thread in servers:
        server.release.set()
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(autouse=True)
def no_proxy_no_override(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback requests must not go through a proxy; tests set the override themselves."""
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv(MIRROR_ENV_VAR, raising=False)


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


def wrong_labels(good_gz: bytes) -> bytes:
    """A valid gzip of a valid IDX file of the right shape, with one label changed."""
    content = bytearray(gzip.decompress(good_gz))
    content[-1] = (content[-1] + 1) % 10
    return gzip.compress(bytes(content), mtime=0)


def listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


# ---- success -----------------------------------------------------------------------------


def test_files_land_verified_and_as_served(
    serve: Serve, tmp_path: Path, mnist_bytes: dict[str, bytes]
) -> None:
    mirror = serve()
    steps: list[DownloadStep] = []
    folder = tmp_path / "deep" / "cache"
    paths = ensure_mnist(folder, names=LABELS, mirrors=[mirror.url], progress=steps.append)
    assert paths == {name: folder / name for name in LABELS}
    assert listing(folder) == sorted(LABELS)
    for name in LABELS:
        assert (folder / name).read_bytes() == mnist_bytes[name]
        size = len(mnist_bytes[name])
        mine = [step for step in steps if step.name == name]
        assert {(step.url, step.target) for step in mine} == {(mirror.url + name, folder / name)}
        assert (mine[0].done, mine[0].total, mine[0].status) == (0, size, "fetching")
        assert (mine[-1].done, mine[-1].total, mine[-1].status) == (size, size, "verified")
        assert [step.status for step in mine[:-1]] == ["fetching"] * (len(mine) - 1)
        assert [step.done for step in mine] == sorted(step.done for step in mine)


def test_a_failing_mirror_is_reported_before_the_next_is_tried(
    serve: Serve, tmp_path: Path, mnist_bytes: dict[str, bytes]
) -> None:
    wrong = serve(files={TEST_LABELS: wrong_labels(mnist_bytes[TEST_LABELS])})
    good = serve()
    steps: list[DownloadStep] = []
    ensure_mnist(
        tmp_path, names=[TEST_LABELS], mirrors=[wrong.url, good.url], progress=steps.append
    )
    ends = [(step.url, step.status, step.problem) for step in steps if step.status != "fetching"]
    assert ends == [
        (wrong.url + TEST_LABELS, "failed", "checksum mismatch"),
        (good.url + TEST_LABELS, "verified", ""),
    ]


def test_present_files_are_not_fetched_again(serve: Serve, tmp_path: Path) -> None:
    mirror = serve()
    ensure_mnist(tmp_path, names=LABELS, mirrors=[mirror.url])
    ensure_mnist(tmp_path, names=LABELS, mirrors=[mirror.url])
    assert sorted(mirror.requests) == sorted(LABELS)


def test_download_without_content_length_works(serve: Serve, tmp_path: Path) -> None:
    mirror = serve("no-length")
    steps: list[DownloadStep] = []
    ensure_mnist(tmp_path, names=[TEST_LABELS], mirrors=[mirror.url], progress=steps.append)
    assert (tmp_path / TEST_LABELS).is_file()
    assert all(step.total is None for step in steps if step.status == "fetching")


@pytest.mark.parametrize("first", ["404", "closed port"])
def test_failing_first_mirror_falls_back_to_second(
    serve: Serve, tmp_path: Path, first: str
) -> None:
    bad_url = serve(files={}).url if first == "404" else closed_port_url()
    good = serve()
    ensure_mnist(tmp_path, names=LABELS, mirrors=[bad_url, good.url])
    assert listing(tmp_path) == sorted(LABELS)
    assert sorted(good.requests) == sorted(LABELS)


def test_whole_set_downloads_through_load_mnist(
    serve: Serve, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mirror = serve()
    monkeypatch.setenv(MIRROR_ENV_VAR, mirror.url)
    finished: set[str] = set()

    def progress(step: DownloadStep) -> None:
        if step.status == "verified":
            finished.add(step.name)

    split = load_mnist(tmp_path / "cache", progress=progress)
    assert finished == set(MNIST_FILES)
    kept = listing(tmp_path / "cache")  # the downloads, and the arrays cached beside them
    assert [name for name in kept if name.endswith(".gz")] == sorted(MNIST_FILES)
    assert len(kept) == 3 * len(MNIST_FILES)
    assert split.training.images.shape == (50_000, 784)
    assert np.bincount(split.test.labels)[1] == 1135


# ---- the environment override --------------------------------------------------------------


def test_env_var_url_is_used(serve: Serve, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mirror = serve()
    monkeypatch.setenv(MIRROR_ENV_VAR, mirror.url.rstrip("/"))  # slash is added
    ensure_mnist(tmp_path, names=[TEST_LABELS])
    assert mirror.requests == [TEST_LABELS]


def test_env_var_url_is_the_only_one_tried(
    serve: Serve, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mirror = serve(files={})
    monkeypatch.setenv(MIRROR_ENV_VAR, mirror.url)
    with pytest.raises(DownloadError) as info:
        ensure_mnist(tmp_path, names=[TEST_LABELS])
    assert str(info.value) == (
        f"could not download {TEST_LABELS}: {mirror.url}{TEST_LABELS}: HTTP 404 Not Found"
    )
    assert info.value.folder == tmp_path


def test_mirror_urls_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    assert mirror_urls() == MIRRORS
    monkeypatch.setenv(MIRROR_ENV_VAR, "http://mirror.example/mnist")
    assert mirror_urls() == ("http://mirror.example/mnist/",)
    assert mirror_urls(["file:///srv/mnist/"]) == ("file:///srv/mnist/",)


@pytest.mark.parametrize("urls", [[], ["ftp://example.org/mnist/"], ["storage.example/mnist"]])
def test_unusable_mirror_lists_are_config_errors(urls: list[str]) -> None:
    with pytest.raises(ConfigError, match=r"mirror|URL"):
        mirror_urls(urls)


def test_unusable_env_var_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MIRROR_ENV_VAR, "gopher://old.example/")
    with pytest.raises(ConfigError, match=f"^{MIRROR_ENV_VAR}: 'gopher://old.example/'"):
        mirror_urls()


# ---- failures leave nothing behind ---------------------------------------------------------


def test_cut_connection_fails_and_leaves_nothing(serve: Serve, tmp_path: Path) -> None:
    mirror = serve("cut")
    size = len(mirror.files[TRAIN_LABELS])
    with pytest.raises(DataError) as info:
        ensure_mnist(tmp_path, names=[TRAIN_LABELS], mirrors=[mirror.url])
    assert str(info.value) == (
        f"could not download {TRAIN_LABELS}: {mirror.url}{TRAIN_LABELS}: "
        f"connection cut after {size // 2} of {size} bytes"
    )
    assert listing(tmp_path) == []


def test_cut_chunked_transfer_fails_and_leaves_nothing(serve: Serve, tmp_path: Path) -> None:
    mirror = serve("chunked-cut")
    with pytest.raises(DataError, match="connection cut after 1024 of unknown bytes"):
        ensure_mnist(tmp_path, names=[TRAIN_LABELS], mirrors=[mirror.url])
    assert listing(tmp_path) == []


def test_wrong_content_fails_checksum_and_leaves_nothing(
    serve: Serve, tmp_path: Path, mnist_bytes: dict[str, bytes]
) -> None:
    mirror = serve(files={TEST_LABELS: wrong_labels(mnist_bytes[TEST_LABELS])})
    with pytest.raises(DataError, match=f"{TEST_LABELS}: checksum mismatch$"):
        ensure_mnist(tmp_path, names=[TEST_LABELS], mirrors=[mirror.url])
    assert listing(tmp_path) == []


def test_non_idx_content_fails_and_leaves_nothing(serve: Serve, tmp_path: Path) -> None:
    mirror = serve(files={TEST_LABELS: b"<html>Service unavailable</html>"})
    with pytest.raises(DataError, match=r"bad file: .*not an IDX file"):
        ensure_mnist(tmp_path, names=[TEST_LABELS], mirrors=[mirror.url])
    assert listing(tmp_path) == []


def test_every_mirror_failure_is_listed(
    serve: Serve, tmp_path: Path, mnist_bytes: dict[str, bytes]
) -> None:
    closed = closed_port_url()
    wrong = serve(files={TEST_LABELS: wrong_labels(mnist_bytes[TEST_LABELS])})
    cut = serve("cut")
    with pytest.raises(DataError) as info:
        ensure_mnist(tmp_path, names=[TEST_LABELS], mirrors=[closed, wrong.url, cut.url])
    message = str(info.value)
    assert message.startswith(f"could not download {TEST_LABELS}: {closed}{TEST_LABELS}: ")
    assert f"; {wrong.url}{TEST_LABELS}: checksum mismatch; {cut.url}{TEST_LABELS}: " in message
    assert "refused" in message.lower() and "\n" not in message
    assert listing(tmp_path) == []


def test_silent_mirror_times_out(serve: Serve, tmp_path: Path) -> None:
    mirror = serve("stall")
    with pytest.raises(DataError, match="timed out"):
        ensure_mnist(tmp_path, names=[TEST_LABELS], mirrors=[mirror.url], timeout=0.3)
    assert listing(tmp_path) == []


def test_oversized_download_is_refused(
    serve: Serve, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(download, "MAX_DOWNLOAD_BYTES", 1000)
    announced, unannounced = serve(), serve("no-length")
    with pytest.raises(DataError, match=r"announces 4517 bytes, more than 1000.*sends more"):
        ensure_mnist(tmp_path, names=[TEST_LABELS], mirrors=[announced.url, unannounced.url])
    assert listing(tmp_path) == []


def test_failed_write_leaves_nothing(
    serve: Serve, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mirror = serve()

    def disk_full(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(DataError, match=f"cannot write .*{TEST_LABELS}: No space left"):
        ensure_mnist(tmp_path, names=[TEST_LABELS], mirrors=[mirror.url])
    assert listing(tmp_path) == []


# ---- the data folder and arguments -----------------------------------------------------------


def test_data_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "cache").write_bytes(b"")
    with pytest.raises(DataError, match="is a file, not a folder"):
        ensure_mnist(tmp_path / "cache", names=LABELS, mirrors=[closed_port_url()])


def test_data_dir_under_a_file_cannot_be_created(tmp_path: Path) -> None:
    (tmp_path / "cache").write_bytes(b"")
    with pytest.raises(DataError, match="cannot create MNIST data folder"):
        ensure_mnist(tmp_path / "cache" / "mnist", names=LABELS, mirrors=[closed_port_url()])


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write anywhere")
def test_read_only_data_dir_is_refused(tmp_path: Path) -> None:
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(DataError, match="not writable"):
            ensure_mnist(tmp_path, names=LABELS, mirrors=[closed_port_url()])
    finally:
        tmp_path.chmod(0o700)


def test_data_dir_without_write_permission_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(DataError, match=f"MNIST data folder {tmp_path} is not writable"):
        ensure_mnist(tmp_path, names=LABELS, mirrors=[closed_port_url()])


def test_unknown_names_and_bad_timeouts_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"not an MNIST file: train-images\.zip"):
        ensure_mnist(tmp_path, names=["train-images.zip"], mirrors=[closed_port_url()])
    with pytest.raises(ConfigError, match="timeout"):
        ensure_mnist(tmp_path, names=LABELS, mirrors=[closed_port_url()], timeout=0)
    assert listing(tmp_path) == []
