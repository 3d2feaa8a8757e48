"""Fetching the MNIST files from public mirrors into a local folder, verified and atomic.

Each missing file is tried on each mirror in turn. A download counts only if it arrives
whole (its ``Content-Length`` is met), decompresses, parses as IDX and its *uncompressed*
content has the published SHA-256 (mirrors compress the same content differently, so the
``.gz`` bytes themselves differ). It is then written atomically, as served, so an
interrupted run never leaves a half-written file in the cache. Files already present are
not re-hashed: verification happens once, here, not on every load (and a folder of other
data under MNIST's names is not refused). Only before completing a folder that lacks some
files are the present ones checked (:func:`is_genuine`), so that MNIST's files never mix
with another data set's.
"""

from __future__ import annotations

import hashlib
import os
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from digitnet.atomic import atomic_write_bytes
from digitnet.data.idx import idx_content
from digitnet.errors import ConfigError, DataError

if TYPE_CHECKING:
    import http.client

MIRRORS: tuple[str, ...] = (
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
)
"""Base URLs of public MNIST mirrors, tried in this order."""

MIRROR_ENV_VAR = "DIGITNET_MNIST_URL"
"""If set, the only base URL downloads use (e.g. a local or institutional mirror)."""

SHA256: dict[str, str] = {
    "train-images-idx3-ubyte.gz": (
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"
    ),
    "train-labels-idx1-ubyte.gz": (
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"
    ),
    "t10k-images-idx3-ubyte.gz": (
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"
    ),
    "t10k-labels-idx1-ubyte.gz": (
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"
    ),
}
"""SHA-256 of the *uncompressed* content of each MNIST file, keyed by the served name."""

URL_SCHEMES = ("http", "https", "file")
DEFAULT_TIMEOUT = 30.0  # seconds without progress (connect or read) before a mirror fails
CHUNK_BYTES = 1 << 16
MAX_DOWNLOAD_BYTES = 1 << 28  # 256 MiB; the largest MNIST file is 47 MB even uncompressed


@dataclass(frozen=True)
class DownloadStep:
    """Where one file's download stands, for a progress display.

    Attributes
    ----------
    name : str
        The MNIST file, e.g. ``"train-images-idx3-ubyte.gz"``.
    url : str
        Where it is being fetched from.
    target : Path
        Where it will be written once verified.
    done, total : int, int or None
        Bytes received so far, and the size the mirror announced (None: not announced).
    status : {"fetching", "verified", "failed"}
        ``"fetching"`` while bytes arrive (the first step has ``done == 0``);
        ``"verified"`` once the content's SHA-256 matched and the file was written;
        ``"failed"`` when this mirror could not deliver a good copy (``problem`` says why;
        the next mirror is tried).
    problem : str
        Why the mirror failed, e.g. ``"checksum mismatch"``; empty otherwise.
    """

    name: str
    url: str
    target: Path
    done: int
    total: int | None
    status: Literal["fetching", "verified", "failed"] = "fetching"
    problem: str = ""


ProgressCallback = Callable[[DownloadStep], None]
"""``progress(step)``, called as each download starts, advances, is verified or fails."""


class DownloadError(DataError):
    """Every mirror failed for a file; ``folder`` is where the files were to go."""

    def __init__(self, message: str, folder: Path) -> None:
        super().__init__(message)
        self.folder = folder


class _MirrorFailure(Exception):
    """One mirror could not deliver a good copy of one file; the message says why."""


def mirror_urls(mirrors: Iterable[str] | None = None) -> tuple[str, ...]:
    """The base URLs to try, in order, each ending in ``/``.

    Parameters
    ----------
    mirrors : iterable of str, optional
        Used as given. When None: ``$DIGITNET_MNIST_URL`` alone if it is set (so a
        configured mirror is never bypassed), else :data:`MIRRORS`.

    Raises
    ------
    ConfigError
        If there is no URL, or one is not an http, https or file URL.
    """
    source = "mirrors"
    if mirrors is None:
        override = os.environ.get(MIRROR_ENV_VAR, "").strip()
        source = MIRROR_ENV_VAR if override else "MIRRORS"
        mirrors = (override,) if override else MIRRORS
    bases = tuple(mirrors)
    if not bases:
        raise ConfigError("no MNIST mirror to download from: the list of mirrors is empty")
    for base in bases:
        if urllib.parse.urlsplit(base).scheme not in URL_SCHEMES:
            raise ConfigError(f"{source}: {base!r} is not an http, https or file URL")
    return tuple(base if base.endswith("/") else base + "/" for base in bases)


def _describe(exc: BaseException) -> str:
    """A few words for why a transfer failed, e.g. ``HTTP 404 Not Found``."""
    import urllib.error

    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        return _describe(reason) if isinstance(reason, BaseException) else str(reason)
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _content_length(response: http.client.HTTPResponse) -> int | None:
    value = response.headers.get("Content-Length")
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


def _fetch(url: str, step: Callable[[int, int | None], None] | None, *, timeout: float) -> bytes:
    """The bytes served at ``url``, complete, or :class:`_MirrorFailure`.

    ``step(bytes_done, bytes_total)`` is called before the first byte and after each chunk.
    """
    # Imported here, not above: they cost 20 ms that a run with MNIST at hand need not pay.
    import http.client
    import urllib.error
    import urllib.request

    try:
        response = urllib.request.urlopen(url, timeout=timeout)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise _MirrorFailure(_describe(exc)) from exc
    except (OSError, http.client.HTTPException) as exc:
        raise _MirrorFailure(_describe(exc)) from exc
    received = bytearray()
    with response:
        total = _content_length(response)
        if total is not None and total > MAX_DOWNLOAD_BYTES:
            raise _MirrorFailure(f"announces {total} bytes, more than {MAX_DOWNLOAD_BYTES}")
        if step is not None:
            step(0, total)
        try:
            while chunk := response.read(CHUNK_BYTES):
                received += chunk
                if len(received) > MAX_DOWNLOAD_BYTES:
                    raise _MirrorFailure(f"sends more than {MAX_DOWNLOAD_BYTES} bytes")
                if step is not None:
                    step(len(received), total)
        except http.client.IncompleteRead as exc:  # a chunked body that stops early
            raise _MirrorFailure(_cut(len(received) + len(exc.partial), total)) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise _MirrorFailure(f"{_cut(len(received), total)} ({_describe(exc)})") from exc
    # http.client ends a body that stops short of Content-Length quietly: check ourselves.
    if total is not None and len(received) != total:
        raise _MirrorFailure(_cut(len(received), total))
    return bytes(received)


def _cut(received: int, total: int | None) -> str:
    return f"connection cut after {received} of {'unknown' if total is None else total} bytes"


def content_problem(name: str, payload: bytes) -> str | None:
    """Why ``payload`` (gzip-compressed or not) is not the genuine MNIST file ``name``.

    Returns None when its uncompressed content has the published SHA-256
    (:data:`SHA256`), else a few words: ``"checksum mismatch"`` or ``"bad file: ..."``.
    """
    try:
        content = idx_content(payload, name)
    except DataError as exc:
        return f"bad file: {exc}"
    if hashlib.sha256(content).hexdigest() != SHA256[name]:
        return "checksum mismatch"
    return None


def _verify(name: str, payload: bytes) -> None:
    """Check that ``payload`` is the genuine file ``name``, or :class:`_MirrorFailure`."""
    problem = content_problem(name, payload)
    if problem is not None:
        raise _MirrorFailure(problem)


def is_genuine(name: str, path: Path) -> bool:
    """Whether the file at ``path`` is MNIST's file ``name``: its content's SHA-256.

    Raises
    ------
    DataError
        If ``path`` cannot be read.
    """
    try:
        payload = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        _verify(name, payload)
    except _MirrorFailure:
        return False
    return True


def _download(
    name: str,
    target: Path,
    bases: Sequence[str],
    *,
    timeout: float,
    progress: ProgressCallback | None,
) -> None:
    """Fetch ``name`` from the first mirror that delivers it intact, then write it atomically."""
    failures = []
    for base in bases:
        url = base + name

        def step(done: int, total: int | None, url: str = url) -> None:
            if progress is not None:
                progress(DownloadStep(name, url, target, done, total))

        try:
            payload = _fetch(url, step, timeout=timeout)
            _verify(name, payload)
        except _MirrorFailure as exc:
            failures.append(f"{url}: {exc}")
            if progress is not None:
                progress(DownloadStep(name, url, target, 0, None, "failed", str(exc)))
            continue
        try:
            atomic_write_bytes(target, payload)
        except OSError as exc:
            raise DataError(f"cannot write {target}: {exc.strerror or exc}") from exc
        if progress is not None:
            n = len(payload)
            progress(DownloadStep(name, url, target, n, n, "verified"))
        return
    raise DownloadError(f"could not download {name}: {'; '.join(failures)}", target.parent)


def prepare_folder(data_dir: str | os.PathLike[str]) -> Path:
    """Create ``data_dir`` (and parents) if needed and check that it is a writable folder."""
    folder = Path(data_dir).expanduser()
    if folder.exists() and not folder.is_dir():
        raise DataError(f"MNIST data folder {folder} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot create MNIST data folder {folder}: {exc.strerror}") from exc
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DataError(f"MNIST data folder {folder} is not writable")
    return folder


def ensure_mnist(
    data_dir: str | os.PathLike[str],
    *,
    names: Iterable[str] | None = None,
    mirrors: Iterable[str] | None = None,
    progress: ProgressCallback | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> dict[str, Path]:
    """Make sure the MNIST files are in ``data_dir``, downloading the missing ones.

    Parameters
    ----------
    data_dir : str or path-like
        Folder of the files; created (with parents) if missing.
    names : iterable of str, optional
        Which files (keys of :data:`SHA256`); all four when None.
    mirrors : iterable of str, optional
        Base URLs to try in turn; see :func:`mirror_urls` for the default and
        ``$DIGITNET_MNIST_URL``.
    progress : callable, optional
        ``progress(step)`` with a :class:`DownloadStep` as each download starts, advances,
        is verified or fails on a mirror.
    timeout : float
        Seconds a connection may stay silent before that mirror counts as failed.

    Returns
    -------
    dict of str to Path
        Each requested file name and its path in ``data_dir``.

    Raises
    ------
    DataError
        If ``data_dir`` is a file or not writable, or (a :class:`DownloadError`) every
        mirror fails for a file: the message lists each mirror's failure. Nothing
        half-written is left behind.
    ConfigError
        If a name, mirror URL or timeout is not usable.
    """
    wanted = tuple(SHA256) if names is None else tuple(names)
    unknown = [name for name in wanted if name not in SHA256]
    if unknown:
        raise ConfigError(f"not an MNIST file: {', '.join(unknown)} (known: {', '.join(SHA256)})")
    if not timeout > 0:
        raise ConfigError(f"download timeout must be a positive number of seconds, got {timeout}")
    bases = mirror_urls(mirrors)
    folder = prepare_folder(data_dir)
    paths = {}
    for name in wanted:
        target = folder / name
        if not target.is_file():
            _download(name, target, bases, timeout=timeout, progress=progress)
        paths[name] = target
    return paths
