"""The MNIST folder: which of the four files it holds, whether they are genuine, importing them.

A file counts as present as served (``train-images-idx3-ubyte.gz``) or uncompressed (the
same name without ``.gz``). It is genuine when its uncompressed content has the published
SHA-256 (:data:`digitnet.data.download.SHA256`), whichever form it is kept in.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from digitnet.atomic import atomic_write_bytes
from digitnet.data.download import MAX_DOWNLOAD_BYTES, content_problem, prepare_folder
from digitnet.data.mnist import MNIST_FILES, find_file
from digitnet.errors import DataError


@dataclass(frozen=True)
class MnistFile:
    """One of the four MNIST files in a folder.

    Attributes
    ----------
    name : str
        The file as served, e.g. ``"t10k-labels-idx1-ubyte.gz"``.
    path : Path or None
        Where it is (perhaps uncompressed, without ``.gz``); None when missing.
    size : int
        Its bytes on disk; 0 when missing.
    problem : str or None
        After :func:`verify_mnist`: None when genuine, else why not (``"missing"``,
        ``"checksum mismatch"``, ``"bad file: ..."``). Before: None.
    """

    name: str
    path: Path | None
    size: int
    problem: str | None = None


def mnist_files(folder: str | os.PathLike[str]) -> list[MnistFile]:
    """The four MNIST files of ``folder`` as found, present or not; nothing is read."""
    found = []
    for name in MNIST_FILES:
        path = find_file(Path(folder).expanduser(), name)
        found.append(MnistFile(name, path, path.stat().st_size if path is not None else 0))
    return found


def _problem(file: MnistFile) -> str | None:
    if file.path is None:
        return "missing"
    if file.size > MAX_DOWNLOAD_BYTES:
        return f"{file.size} bytes, more than any MNIST file"
    try:
        payload = file.path.read_bytes()
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    return content_problem(file.name, payload)


def verify_mnist(
    folder: str | os.PathLike[str], *, on_file: Callable[[MnistFile], None] | None = None
) -> list[MnistFile]:
    """Check the SHA-256 of each MNIST file in ``folder``.

    Parameters
    ----------
    folder : str or path-like
    on_file : callable(MnistFile), optional
        Called with each file's result as soon as it is known (hashing the training
        images takes about a second).

    Returns
    -------
    list of MnistFile
        The four files, each with ``problem`` None when genuine.
    """
    checked = []
    for file in mnist_files(folder):
        result = MnistFile(file.name, file.path, file.size, _problem(file))
        if on_file is not None:
            on_file(result)
        checked.append(result)
    return checked


def import_mnist(source: str | os.PathLike[str], folder: str | os.PathLike[str]) -> list[MnistFile]:
    """Copy the four MNIST files from ``source`` into ``folder``, each verified, atomically.

    All four are read and verified before anything is written, so a folder holding a
    damaged or missing file changes nothing. Each file keeps its form (``.gz`` or not).

    Returns
    -------
    list of MnistFile
        The files as written into ``folder``.

    Raises
    ------
    DataError
        If ``source`` is not a folder, lacks a file, a file fails its checksum, or
        ``folder`` cannot be created or written.
    """
    source = Path(source).expanduser()
    if not source.is_dir():
        raise DataError(f"{source}: no such folder to import MNIST from")
    checked = verify_mnist(source)
    missing = [file.name for file in checked if file.path is None]
    if missing:
        raise DataError(
            f"{source} lacks {', '.join(missing)} (looked for each name with and without .gz)"
        )
    bad = [f"{file.path}: {file.problem}" for file in checked if file.problem is not None]
    if bad:
        raise DataError(f"not importing from {source}: {'; '.join(bad)}")
    target = prepare_folder(folder)
    written = []
    for file in checked:
        assert file.path is not None  # checked above
        destination = target / file.path.name
        if destination.resolve() != file.path.resolve():
            try:
                atomic_write_bytes(destination, file.path.read_bytes())
            except OSError as exc:
                raise DataError(f"cannot write {destination}: {exc.strerror or exc}") from exc
        written.append(MnistFile(file.name, destination, file.size))
    return written
