"""Shared fixtures: where the real MNIST files are (tests never download them), loaded once."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from digitnet.data.mnist import DATA_ENV_VAR, MNIST_FILES, MnistSplit, load_mnist

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_MNIST = PROJECT_ROOT.parent / "shared" / "data" / "mnist"


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The folder of the four MNIST ``.gz`` files: ``$DIGITNET_DATA``, else ``../shared``."""
    override = os.environ.get(DATA_ENV_VAR)
    folder = Path(override).expanduser() if override else SHARED_MNIST
    missing = [name for name in MNIST_FILES if not (folder / name).is_file()]
    if missing:
        pytest.skip(
            f"MNIST files not found in {folder} (missing {', '.join(missing)}); "
            f"put them there or set {DATA_ENV_VAR}"
        )
    return folder


@pytest.fixture(scope="session")
def mnist(mnist_dir: Path) -> MnistSplit:
    """The book's 50,000 / 10,000 / 10,000 split of real MNIST as uint8 pixels, read once.

    Shared by the whole run: slice it, copy what you change, never write into it.
    """
    return load_mnist(mnist_dir, dtype=np.uint8, download=False)
