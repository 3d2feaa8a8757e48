"""MNIST for the workers, once: a folder each local worker loads itself, or arrays scattered.

Local workers share this machine's disk, so they get the folder (:class:`MnistFolder`, a
few bytes with each job) and load it on their first job; the workers of a cluster may have
no such folder, so they get the arrays, scattered to each of them once (see
:mod:`digitnet.sweep.backends`). :func:`mnist_of` turns either into the split.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

import numpy as np

from digitnet.data.mnist import MnistSplit, load_mnist, resolve_data_dir


@dataclass(frozen=True)
class MnistFolder:
    """MNIST's files in ``path`` (already there: workers never download), split as asked."""

    path: str
    validation_size: int | None = None


Shared = MnistFolder | MnistSplit


def mnist_folder(
    data_dir: str | os.PathLike[str] | None, validation_size: int | None = None
) -> MnistFolder:
    return MnistFolder(str(resolve_data_dir(data_dir)), validation_size)


def load_split(folder: MnistFolder) -> MnistSplit:
    """The split of ``folder`` as uint8 pixels (a quarter of float32's memory)."""
    return load_mnist(
        folder.path, dtype=np.uint8, download=False, validation_size=folder.validation_size
    )


@functools.lru_cache(maxsize=1)
def _cached(folder: MnistFolder) -> MnistSplit:
    return load_split(folder)


def mnist_of(shared: Shared) -> MnistSplit:
    """The split ``shared`` stands for, loaded once per process from a folder."""
    return shared if isinstance(shared, MnistSplit) else _cached(shared)


def forget() -> None:
    """Drop this process's loaded copy (after running jobs here, not in workers)."""
    _cached.cache_clear()
