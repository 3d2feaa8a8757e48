"""MNIST loading: the book's split of the real files, and clear errors for broken ones."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import platformdirs
import pytest
from tolerances import assert_within, inputs, tolerance

from digitnet.data import download, mnist
from digitnet.data.idx import read_idx
from digitnet.data.mnist import (
    MNIST_FILES,
    TEST_IMAGES,
    TEST_LABELS,
    TRAIN_IMAGES,
    TRAIN_LABELS,
    Dataset,
    MnistSplit,
    check_classifier_sizes,
    default_data_dir,
    load_mnist,
    resolve_data_dir,
)
from digitnet.errors import ConfigError, DataError, DigitnetError

TRAIN_LABEL_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_LABEL_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(scope="module")
def split(mnist_dir: Path) -> MnistSplit:
    return load_mnist(mnist_dir, download=False)


@pytest.fixture(scope="module")
def train_file_pixels(mnist_dir: Path) -> np.ndarray:
    return read_idx(mnist_dir / TRAIN_IMAGES).reshape(60_000, 784)


def test_split_shapes_and_dtypes(split: MnistSplit) -> None:
    for dataset, n in ((split.training, 50_000), (split.validation, 10_000), (split.test, 10_000)):
        assert dataset.images.shape == (n, 784)
        assert dataset.images.dtype == np.float32
        assert dataset.labels.shape == (n,)
        assert dataset.labels.dtype == np.uint8
        assert len(dataset) == n


def test_label_counts_match_the_published_ones(split: MnistSplit) -> None:
    train_file_labels = np.concatenate([split.training.labels, split.validation.labels])
    assert np.bincount(train_file_labels).tolist() == TRAIN_LABEL_COUNTS
    assert np.bincount(split.test.labels).tolist() == TEST_LABEL_COUNTS


def test_training_file_pixel_mean_and_std(split: MnistSplit) -> None:
    # Sums in float64 over both parts: no 188 MB concatenation, no float32 rounding drift.
    parts = (split.training.images, split.validation.images)
    n = sum(part.size for part in parts)
    mean = sum(float(part.sum(dtype=np.float64)) for part in parts) / n
    mean_square = sum(float(np.einsum("ij,ij->", p, p, dtype=np.float64)) for p in parts) / n
    assert round(mean, 4) == 0.1307
    assert round((mean_square - mean**2) ** 0.5, 4) == 0.3081


def test_pixels_are_exactly_intensity_over_255(
    split: MnistSplit, train_file_pixels: np.ndarray
) -> None:
    expected = train_file_pixels[:50_000].astype(np.float32) / np.float32(255)
    np.testing.assert_array_equal(split.training.images, expected)
    assert split.training.images.min() == 0.0 and split.training.images.max() == 1.0


def test_validation_is_the_last_10000_of_the_training_file(
    split: MnistSplit, mnist_dir: Path, train_file_pixels: np.ndarray
) -> None:
    np.testing.assert_array_equal(split.validation.images * 255, train_file_pixels[50_000:])
    labels = read_idx(mnist_dir / TRAIN_LABELS)
    np.testing.assert_array_equal(split.validation.labels, labels[50_000:])
    np.testing.assert_array_equal(split.training.labels, labels[:50_000])


def test_test_set_is_the_t10k_file(split: MnistSplit, mnist_dir: Path) -> None:
    np.testing.assert_array_equal(split.test.labels, read_idx(mnist_dir / TEST_LABELS))
    pixels = read_idx(mnist_dir / TEST_IMAGES).reshape(10_000, 784)
    np.testing.assert_array_equal(split.test.images * 255, pixels)


def test_float64_images_on_request(mnist_dir: Path, split: MnistSplit) -> None:
    split64 = load_mnist(mnist_dir, dtype=np.float64, download=False)
    assert split64.test.images.dtype == np.float64
    # Both are k / 255 rounded once, to float64 and to float32.
    images = split64.test.images
    to32, to64 = (inputs(images, dtype, rounded=True) for dtype in (np.float32, np.float64))
    assert_within(split.test.images, images, tolerance(to32, to64))


@pytest.mark.parametrize("dtype", [np.int32, np.float16, "complex128", object(), "nonsense"])
def test_other_image_dtypes_are_refused(dtype: object, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="float32, float64 or uint8"):
        load_mnist(tmp_path, dtype=dtype, download=False)  # type: ignore[arg-type]


def test_files_present_means_no_download(mnist_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> dict[str, Path]:
        raise AssertionError("ensure_mnist called although every file is present")

    monkeypatch.setattr(mnist, "ensure_mnist", no_network)
    monkeypatch.setenv(mnist.DATA_ENV_VAR, str(mnist_dir))
    assert len(load_mnist().test) == 10_000  # data_dir=None reads $DIGITNET_DATA


def test_uncompressed_files_are_found_too(mnist_dir: Path, tmp_path: Path) -> None:
    for name in MNIST_FILES:
        raw = gzip.decompress((mnist_dir / name).read_bytes())
        (tmp_path / name.removesuffix(".gz")).write_bytes(raw)
    assert len(load_mnist(tmp_path, download=False).validation) == 10_000


# ---- errors, on small synthetic files ------------------------------------------------


def write_idx(path: Path, code: int, shape: tuple[int, ...], payload: bytes) -> None:
    header = bytes([0, 0, code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)
    path.write_bytes(gzip.compress(header + payload, compresslevel=1, mtime=0))


def write_fake_mnist(folder: Path, n_train: int = 60_000, n_test: int = 10) -> None:
    """MNIST-shaped files of digits labelled ``i % 10``, image ``i``'s first pixel ``i % 256``."""
    files = ((TRAIN_IMAGES, TRAIN_LABELS, n_train), (TEST_IMAGES, TEST_LABELS, n_test))
    for images, labels, n in files:
        pixels = np.zeros((n, 784), np.uint8)
        pixels[:, 0] = np.arange(n) % 256
        write_idx(folder / images, 0x08, (n, 28, 28), pixels.tobytes())
        write_idx(folder / labels, 0x08, (n,), bytes(i % 10 for i in range(n)))


def first_pixels(dataset: Dataset) -> list[int]:
    return dataset.images[:, 0].tolist()


def test_missing_files_without_download_name_them_and_the_way_out(tmp_path: Path) -> None:
    write_fake_mnist(tmp_path, n_train=20)
    (tmp_path / TEST_LABELS).unlink()
    with pytest.raises(DataError, match=f"missing from {tmp_path}: {TEST_LABELS}; allow"):
        load_mnist(tmp_path, download=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(set(MNIST_FILES) - {TEST_LABELS})


@pytest.fixture
def asked_to_download(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """The names each call of ``ensure_mnist`` asked for; the call itself fails, offline."""
    asked: list[tuple[str, ...]] = []

    def fake_ensure(data_dir: Path, *, names: list[str], progress: object) -> dict[str, Path]:
        asked.append(tuple(names))
        raise DataError("offline")

    monkeypatch.setattr(mnist, "ensure_mnist", fake_ensure)
    return asked


def test_missing_files_are_downloaded_when_allowed(
    tmp_path: Path, asked_to_download: list[tuple[str, ...]]
) -> None:
    with pytest.raises(DataError, match="offline"):
        load_mnist(tmp_path / "empty")
    assert asked_to_download == [MNIST_FILES]


def test_a_partial_mnist_is_completed_with_the_missing_files(
    mnist_dir: Path, tmp_path: Path, asked_to_download: list[tuple[str, ...]]
) -> None:
    for name in (TRAIN_LABELS, TEST_IMAGES):
        (tmp_path / name).write_bytes((mnist_dir / name).read_bytes())
    with pytest.raises(DataError, match="offline"):
        load_mnist(tmp_path)
    assert asked_to_download == [(TRAIN_IMAGES, TEST_LABELS)]


def test_mnist_is_not_downloaded_into_a_folder_of_other_data(
    tmp_path: Path, asked_to_download: list[tuple[str, ...]]
) -> None:
    write_fake_mnist(tmp_path, n_train=20)
    (tmp_path / TEST_LABELS).unlink()
    message = (
        f"{tmp_path} holds data other than MNIST ({TRAIN_IMAGES}, {TRAIN_LABELS}, "
        f"{TEST_IMAGES}), so MNIST's {TEST_LABELS} are not downloaded into it; add its own"
    )
    with pytest.raises(DataError) as info:
        load_mnist(tmp_path)
    assert str(info.value) == message and asked_to_download == []


def test_data_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "mnist").write_text("not a folder")
    with pytest.raises(DataError, match="is a file, not a folder"):
        load_mnist(tmp_path / "mnist")


def test_label_count_must_match_image_count(tmp_path: Path) -> None:
    write_fake_mnist(tmp_path, n_train=20)
    write_idx(tmp_path / TRAIN_LABELS, 0x08, (19,), bytes(19))
    with pytest.raises(DataError, match=f"{TRAIN_LABELS}: 19 labels for 20 images"):
        load_mnist(tmp_path, download=False)


def test_labels_must_be_digits(tmp_path: Path) -> None:
    write_fake_mnist(tmp_path, n_train=20)
    write_idx(tmp_path / TRAIN_LABELS, 0x08, (20,), bytes([3] * 7 + [10] + [3] * 12))
    with pytest.raises(DataError, match="label 10 at index 7 is not a digit"):
        load_mnist(tmp_path, download=False)


def test_labels_must_be_uint8_vector(tmp_path: Path) -> None:
    write_fake_mnist(tmp_path, n_train=20)
    write_idx(tmp_path / TRAIN_LABELS, 0x0B, (20,), bytes(40))
    with pytest.raises(DataError, match="1-D array of uint8 labels, got int16"):
        load_mnist(tmp_path, download=False)


@pytest.mark.parametrize(
    ("code", "shape"), [(0x08, (20, 28, 27)), (0x08, (20, 784)), (0x09, (20, 28, 28))]
)
def test_images_must_be_28_by_28_uint8(tmp_path: Path, code: int, shape: tuple) -> None:
    write_fake_mnist(tmp_path, n_train=20)
    write_idx(tmp_path / TRAIN_IMAGES, code, shape, bytes(int(np.prod(shape))))
    with pytest.raises(DataError, match="expected uint8 images of 28 x 28 pixels"):
        load_mnist(tmp_path, download=False)


@pytest.mark.parametrize(("n", "validation"), [(1_200, 200), (240, 40), (1_201, 200), (6, 1)])
def test_a_training_file_of_any_size_validates_on_its_last_sixth(
    tmp_path: Path, n: int, validation: int
) -> None:
    write_fake_mnist(tmp_path, n_train=n, n_test=7)
    split = load_mnist(tmp_path, download=False, dtype=np.uint8)
    assert (len(split.training), len(split.validation), len(split.test)) == (
        n - validation, validation, 7,
    )  # fmt: skip
    order = [i % 256 for i in range(n)]
    assert first_pixels(split.training) + first_pixels(split.validation) == order
    assert split.validation.labels.tolist() == [i % 10 for i in range(n - validation, n)]


def test_validation_size_takes_that_many_from_the_end(tmp_path: Path) -> None:
    write_fake_mnist(tmp_path, n_train=1_200)
    split = load_mnist(tmp_path, download=False, dtype=np.uint8, validation_size=100)
    assert (len(split.training), len(split.validation)) == (1_100, 100)
    assert first_pixels(split.validation) == [i % 256 for i in range(1_100, 1_200)]


def test_a_training_file_too_small_to_split_is_a_one_line_error(tmp_path: Path) -> None:
    write_fake_mnist(tmp_path, n_train=5)
    with pytest.raises(DataError, match=r"holds 5 examples, too few to split .*\(at least 6\)$"):
        load_mnist(tmp_path, download=False)


@pytest.mark.parametrize("size", [240, 241])
def test_a_validation_size_that_leaves_nothing_to_train_on_is_refused(
    tmp_path: Path, size: int
) -> None:
    write_fake_mnist(tmp_path, n_train=240)
    with pytest.raises(ConfigError, match=f"validation size {size} leaves nothing to train on"):
        load_mnist(tmp_path, download=False, validation_size=size)


@pytest.mark.parametrize("size", [0, -1, 2.5, True, "10"])
def test_a_validation_size_must_be_a_positive_integer(tmp_path: Path, size: object) -> None:
    with pytest.raises(ConfigError, match="validation size must be a positive integer"):
        load_mnist(tmp_path, download=False, validation_size=size)  # type: ignore[arg-type]


def test_the_real_mnist_splits_as_the_book_does_by_the_same_rule() -> None:
    assert mnist.N_TRAIN_FILE // mnist.VALIDATION_SHARE == mnist.N_VALIDATION


def test_synthetic_full_size_set_splits_50000_10000(tmp_path: Path) -> None:
    write_fake_mnist(tmp_path)
    split = load_mnist(tmp_path, download=False)
    assert (len(split.training), len(split.validation), len(split.test)) == (50_000, 10_000, 10)
    assert np.shares_memory(split.training.images.base, split.validation.images.base)


def test_dataset_refuses_mismatched_arrays() -> None:
    with pytest.raises(DataError, match="3 images but 2 labels"):
        Dataset(np.zeros((3, 784)), np.zeros(2, dtype=np.uint8))
    with pytest.raises(DataError, match="shape"):
        Dataset(np.zeros(784), np.zeros(1, dtype=np.uint8))


# ---- where the data lives ----------------------------------------------------------------


def test_default_data_dir_honours_env_var(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DIGITNET_DATA", str(tmp_path / "elsewhere"))
    assert default_data_dir() == tmp_path / "elsewhere"
    assert resolve_data_dir(None) == tmp_path / "elsewhere"


def test_default_data_dir_is_the_user_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DIGITNET_DATA", raising=False)
    assert default_data_dir() == Path(platformdirs.user_cache_dir("digitnet")) / "mnist"


def test_resolve_data_dir_expands_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_data_dir("~/mnist") == tmp_path / "mnist"
    assert resolve_data_dir(tmp_path) == tmp_path


def test_file_names_match_the_checksum_table() -> None:
    assert set(MNIST_FILES) == set(download.SHA256)


def test_uint8_split_holds_the_raw_pixels_of_the_float_split(mnist_dir: Path) -> None:
    raw = load_mnist(mnist_dir, dtype=np.uint8, download=False)
    scaled = load_mnist(mnist_dir, dtype=np.float32, download=False)
    assert raw.training.images.dtype == np.uint8 and raw.training.images.shape == (50_000, 784)
    assert int(raw.training.images.max()) == 255
    np.testing.assert_array_equal(raw.test.images / np.float32(255), scaled.test.images)
    np.testing.assert_array_equal(raw.validation.labels, scaled.validation.labels)


@pytest.mark.parametrize("sizes", [(100, 30, 10), (784, 30, 9), (784, 2)])
def test_a_network_that_cannot_classify_mnist_is_refused_by_name(sizes: tuple[int, ...]) -> None:
    with pytest.raises(DigitnetError, match=r"^model\.npz: network .* is not an MNIST classifier$"):
        check_classifier_sizes(sizes, "model.npz")
    check_classifier_sizes((784, 30, 10), "model.npz")  # the book's network passes


def test_first_keeps_the_first_examples_as_views() -> None:
    images = np.arange(20, dtype=np.uint8).reshape(5, 4)
    data = Dataset(images, np.array([3, 1, 4, 1, 5], np.uint8))
    head = data.first(2)
    assert len(head) == 2 and head.labels.tolist() == [3, 1]
    np.testing.assert_array_equal(head.images, images[:2])
    assert np.shares_memory(head.images, images)


def test_first_of_none_or_more_than_there_are_keeps_everything() -> None:
    data = Dataset(np.zeros((3, 4), np.uint8), np.zeros(3, np.uint8))
    assert data.first(None) is data
    assert len(data.first(10)) == 3


@pytest.mark.parametrize("n", [0, -1, 2.5, True])
def test_first_needs_a_positive_integer(n: object) -> None:
    data = Dataset(np.zeros((3, 4), np.uint8), np.zeros(3, np.uint8))
    with pytest.raises(ConfigError, match="positive integer"):
        data.first(n)  # type: ignore[arg-type]
