"""MNIST as the book uses it: 50,000 training, 10,000 validation and 10,000 test digits.

Each image is a row of 784 = 28 x 28 pixel intensities scaled from 0..255 to [0, 1], in
row-major order (row 0 is the top of the digit); each label is the digit 0..9. The split
is Nielsen's: training = the first 50,000 images of MNIST's training file, validation =
its last 10,000, test = MNIST's 10,000 test images.

Any data set in MNIST's form loads the same way (EMNIST's digits, Fashion-MNIST, a class's
own files): four IDX files under MNIST's names, 28 x 28 uint8 images and labels 0..9, of
any size. The last sixth of the training file validates (MNIST's 10,000 of 60,000), or the
last ``validation_size`` examples.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import platformdirs
from numpy.typing import DTypeLike, NDArray

from digitnet.data.array_cache import read_idx_cached
from digitnet.data.download import MIRRORS, ProgressCallback, ensure_mnist, is_genuine
from digitnet.errors import ConfigError, DataError
from digitnet.mnist_shape import (  # noqa: F401 (check_classifier_sizes: edges import it here)
    MNIST_PIXELS,
    MNIST_SIDE,
    N_DIGITS,
    check_classifier_sizes,
)
from digitnet.pixels import as_unit_interval

TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
MNIST_FILES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)
GZIP_SUFFIX = ".gz"

N_TRAINING = 50_000
N_VALIDATION = 10_000
N_TRAIN_FILE = N_TRAINING + N_VALIDATION  # examples in MNIST's training file
#: Unless told otherwise, the last 1/6 of a training file validates: 10,000 of MNIST's 60,000.
VALIDATION_SHARE = 6

DATA_ENV_VAR = "DIGITNET_DATA"
CACHE_APP_NAME = "digitnet"
CACHE_SUBDIR = "mnist"
#: The per-user folder's subfolder for the array caches of MNIST files in read-only folders.
ARRAYS_SUBDIR = "arrays"
IMAGE_DTYPES = (np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.uint8))


@dataclass(frozen=True, eq=False)
class Dataset:
    """Examples as rows: ``images[i]`` shows the digit ``labels[i]``.

    Parameters
    ----------
    images : ndarray, shape (n_examples, n_pixels)
        Pixel intensities, floats in [0, 1] or uint8 0-255 (see :mod:`digitnet.pixels`);
        for MNIST ``n_pixels = 784`` (28 x 28, row-major).
    labels : ndarray of uint8, shape (n_examples,)
        The digit each image shows, 0..9.
    """

    images: NDArray[np.floating[Any]]
    labels: NDArray[np.uint8]

    def __post_init__(self) -> None:
        if self.images.ndim != 2 or self.labels.ndim != 1:
            raise DataError(
                "a dataset needs images of shape (n_examples, n_pixels) and labels of shape "
                f"(n_examples,), got {self.images.shape} and {self.labels.shape}"
            )
        if len(self.images) != len(self.labels):
            raise DataError(
                f"a dataset has {len(self.images)} images but {len(self.labels)} labels"
            )

    def __len__(self) -> int:
        return len(self.labels)

    def first(self, n: int | None) -> Dataset:
        """The first ``n`` examples (``--training-size``); all of them when ``n`` is None.

        The arrays are views, not copies. An ``n`` beyond the dataset's length keeps all of it.
        """
        if n is None:
            return self
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ConfigError(
                f"the number of examples to keep must be a positive integer, got {n!r}"
            )
        return Dataset(self.images[:n], self.labels[:n])


@dataclass(frozen=True, eq=False)
class MnistSplit:
    """The book's three MNIST datasets: 50,000 training, 10,000 validation, 10,000 test.

    (Other data in MNIST's form: the training file less the validation set, its last sixth
    or ``validation_size`` examples, and the whole test file.)
    """

    training: Dataset
    validation: Dataset
    test: Dataset


def default_data_dir() -> Path:
    """Where MNIST is kept: ``$DIGITNET_DATA`` if set, else the user's cache folder.

    The cache folder is ``platformdirs.user_cache_dir("digitnet") / "mnist"``, e.g.
    ``~/.cache/digitnet/mnist`` on Linux.
    """
    override = os.environ.get(DATA_ENV_VAR)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_cache_dir(CACHE_APP_NAME)) / CACHE_SUBDIR


def resolve_data_dir(data_dir: str | os.PathLike[str] | None) -> Path:
    """``data_dir`` as a path (``~`` expanded), or :func:`default_data_dir` when None."""
    if data_dir is None:
        return default_data_dir()
    return Path(data_dir).expanduser()


def _image_dtype(dtype: DTypeLike) -> np.dtype[Any]:
    try:
        image_dtype = np.dtype(dtype)
    except TypeError as exc:
        raise ConfigError(f"image dtype must be float32, float64 or uint8, got {dtype!r}") from exc
    if image_dtype not in IMAGE_DTYPES:
        raise ConfigError(f"image dtype must be float32, float64 or uint8, got {image_dtype}")
    return image_dtype


def find_file(directory: Path, name: str) -> Path | None:
    """The file ``name`` in ``directory``, or its uncompressed twin (name without .gz)."""
    for candidate in (directory / name, directory / name.removesuffix(GZIP_SUFFIX)):
        if candidate.is_file():
            return candidate
    return None


def _locate_files(
    directory: Path, *, download: bool, progress: ProgressCallback | None
) -> dict[str, Path]:
    """Paths of the four MNIST files in ``directory``, downloading missing ones if allowed."""
    if directory.exists() and not directory.is_dir():
        raise DataError(f"MNIST data folder {directory} is a file, not a folder")
    found = {name: find_file(directory, name) for name in MNIST_FILES}
    missing = [name for name, path in found.items() if path is None]
    if missing and not download:
        raise DataError(
            f"MNIST file(s) missing from {directory}: {', '.join(missing)}; allow downloading, "
            f"set {DATA_ENV_VAR} to a folder that holds them, or fetch them from {MIRRORS[0]}"
        )
    paths = {name: path for name, path in found.items() if path is not None}
    if missing:
        # MNIST's files would not fit another data set's: complete only a partial MNIST.
        foreign = [name for name, path in paths.items() if not is_genuine(name, path)]
        if foreign:
            raise DataError(
                f"{directory} holds data other than MNIST ({', '.join(foreign)}), so MNIST's "
                f"{', '.join(missing)} are not downloaded into it; add its own"
            )
        paths.update(ensure_mnist(directory, names=missing, progress=progress))
    return paths


def _arrays_folder() -> Path:
    """Where the array cache of a file in a read-only folder goes: the user's cache folder."""
    return Path(platformdirs.user_cache_dir(CACHE_APP_NAME)) / ARRAYS_SUBDIR


def _load_images(path: Path, dtype: np.dtype[Any]) -> NDArray[np.floating[Any]]:
    """Images as rows of ``dtype`` in [0, 1], shape (n_examples, 784)."""
    raw = read_idx_cached(path, _arrays_folder())
    if raw.dtype != np.uint8 or raw.ndim != 3 or raw.shape[1:] != (MNIST_SIDE, MNIST_SIDE):
        raise DataError(
            f"{path}: expected uint8 images of {MNIST_SIDE} x {MNIST_SIDE} pixels, "
            f"got an array of {raw.dtype} with shape {raw.shape}"
        )
    pixels = raw.reshape(len(raw), MNIST_PIXELS)
    return pixels if dtype == np.uint8 else as_unit_interval(pixels, dtype.type)


def _load_labels(path: Path, n_images: int) -> NDArray[np.uint8]:
    labels = read_idx_cached(path, _arrays_folder())
    if labels.dtype != np.uint8 or labels.ndim != 1:
        raise DataError(
            f"{path}: expected a 1-D array of uint8 labels, "
            f"got {labels.dtype} with shape {labels.shape}"
        )
    if len(labels) != n_images:
        raise DataError(f"{path}: {len(labels)} labels for {n_images} images")
    if labels.max() >= N_DIGITS:
        bad = int(np.argmax(labels >= N_DIGITS))
        raise DataError(f"{path}: label {labels[bad]} at index {bad} is not a digit 0..9")
    return labels


def _load_pair(images_path: Path, labels_path: Path, dtype: np.dtype[Any]) -> Dataset:
    images = _load_images(images_path, dtype)
    return Dataset(images, _load_labels(labels_path, len(images)))


def load_mnist(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    dtype: DTypeLike = np.float32,
    download: bool = True,
    progress: ProgressCallback | None = None,
    validation_size: int | None = None,
) -> MnistSplit:
    """Load MNIST split as in the book: 50,000 training, 10,000 validation, 10,000 test.

    Parameters
    ----------
    data_dir : str or path-like, optional
        Folder holding the four MNIST files (``.gz`` as served, or uncompressed), or another
        data set's under the same names. Default :func:`default_data_dir`:
        ``$DIGITNET_DATA``, else the user's cache folder.
    dtype : {numpy.float32, numpy.float64, numpy.uint8}
        Element type of the images: floats in [0, 1], or the raw uint8 pixels 0-255, which
        take 4x less memory than float32 and which digitnet scales by 1/255 (see
        :mod:`digitnet.pixels`) wherever they enter a network.
    download : bool
        Fetch missing files from the mirrors (see :func:`digitnet.data.download.ensure_mnist`)
        and verify their checksums; only into a folder whose files are MNIST's. Files already
        present are trusted and not re-hashed. A ``.gz`` file's array is kept uncompressed
        beside it, checksummed, and memory-mapped on later loads
        (:mod:`digitnet.data.array_cache`).
    progress : callable, optional
        ``progress(step)``, called while downloading (see
        :class:`digitnet.data.download.DownloadStep`).
    validation_size : int, optional
        How many examples at the end of the training file validate; default a sixth of it,
        MNIST's last 10,000.

    Returns
    -------
    MnistSplit
        ``training``, ``validation`` and ``test`` datasets; images of shape
        ``(n_examples, 784)`` in [0, 1], labels uint8 of shape ``(n_examples,)``. Training
        and validation are views into one array holding the whole training file.

    Raises
    ------
    DataError
        If a file is missing (and ``download`` is False or fails), corrupt, does not match
        its partner (counts, 28 x 28 images, labels 0..9), or the training file holds too
        few examples to split.
    ConfigError
        If ``dtype`` is not float32 or float64, or ``validation_size`` is not a positive
        integer below the training file's size.
    """
    image_dtype = _image_dtype(dtype)
    _check_validation_size(validation_size)
    paths = _locate_files(resolve_data_dir(data_dir), download=download, progress=progress)
    train = _load_pair(paths[TRAIN_IMAGES], paths[TRAIN_LABELS], image_dtype)
    n_training = len(train) - _validation_size(len(train), validation_size, paths[TRAIN_IMAGES])
    return MnistSplit(
        training=Dataset(train.images[:n_training], train.labels[:n_training]),
        validation=Dataset(train.images[n_training:], train.labels[n_training:]),
        test=_load_pair(paths[TEST_IMAGES], paths[TEST_LABELS], image_dtype),
    )


def _check_validation_size(size: Any) -> None:
    if size is not None and (
        isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1
    ):
        raise ConfigError(f"validation size must be a positive integer, got {size!r}")


def _validation_size(n: int, asked: int | None, path: Path) -> int:
    """How many of the ``n`` examples of the training file ``path`` validate.

    ``n // 6`` unless ``asked``: 10,000 for MNIST's 60,000, the book's split.
    """
    if asked is None:
        if n < VALIDATION_SHARE:
            raise DataError(
                f"{path}: holds {n} examples, too few to split into training and validation "
                f"(at least {VALIDATION_SHARE})"
            )
        return n // VALIDATION_SHARE
    if asked >= n:
        raise ConfigError(
            f"validation size {asked} leaves nothing to train on: {path} holds {n} examples"
        )
    return asked
