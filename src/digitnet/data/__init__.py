"""MNIST for digitnet: the IDX format, the book's 50k/10k/10k split, verified downloads.

>>> from digitnet.data import load_mnist
>>> mnist = load_mnist()  # doctest: +SKIP
>>> mnist.training.images.shape, mnist.training.labels.shape  # doctest: +SKIP
((50000, 784), (50000,))
"""

from digitnet.data.download import (
    MIRROR_ENV_VAR,
    MIRRORS,
    SHA256,
    DownloadError,
    DownloadStep,
    ProgressCallback,
    ensure_mnist,
    mirror_urls,
)
from digitnet.data.folder import MnistFile, import_mnist, mnist_files, verify_mnist
from digitnet.data.idx import MAX_IDX_BYTES, idx_content, parse_idx, read_idx
from digitnet.data.mnist import (
    DATA_ENV_VAR,
    MNIST_FILES,
    MNIST_PIXELS,
    MNIST_SIDE,
    N_DIGITS,
    N_TRAINING,
    N_VALIDATION,
    TEST_IMAGES,
    TEST_LABELS,
    TRAIN_IMAGES,
    TRAIN_LABELS,
    Dataset,
    MnistSplit,
    default_data_dir,
    load_mnist,
    resolve_data_dir,
)

__all__ = [
    "DATA_ENV_VAR",
    "MAX_IDX_BYTES",
    "MIRRORS",
    "MIRROR_ENV_VAR",
    "MNIST_FILES",
    "MNIST_PIXELS",
    "MNIST_SIDE",
    "N_DIGITS",
    "N_TRAINING",
    "N_VALIDATION",
    "SHA256",
    "TEST_IMAGES",
    "TEST_LABELS",
    "TRAIN_IMAGES",
    "TRAIN_LABELS",
    "Dataset",
    "DownloadError",
    "DownloadStep",
    "MnistFile",
    "MnistSplit",
    "ProgressCallback",
    "default_data_dir",
    "ensure_mnist",
    "idx_content",
    "import_mnist",
    "load_mnist",
    "mirror_urls",
    "mnist_files",
    "parse_idx",
    "read_idx",
    "resolve_data_dir",
    "verify_mnist",
]
