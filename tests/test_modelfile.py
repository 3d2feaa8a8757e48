import errno
import io
import json
import warnings
import zipfile

import numpy as np
import pytest

from digitnet.errors import ModelFileError
from digitnet.modelfile import DENSE_FORMAT_VERSION, MAX_METADATA_BYTES, load, save
from digitnet.network import Network
from digitnet.training import sgd

LOCAL_HEADER = b"PK\x03\x04"  # zip local file header; compression method at +8
CENTRAL_HEADER = b"PK\x01\x02"  # zip central directory entry; flags at +8, method at +10


class CreatesMarkerWhenUnpickled:
    """Unpickling this calls ``open(marker, "w")``: proof that a loader used pickle."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.fixture
def trained():
    """A small trained network with its settings and history."""
    rng = np.random.default_rng(0)
    images, labels = rng.random((40, 6)), rng.integers(0, 3, size=40)
    net = Network([6, 5, 3], seed=1)
    history = sgd(net, (images, labels), epochs=2, seed=2, monitor={"validation": (images, labels)})
    return net, history


@pytest.fixture
def model_path(tmp_path):
    path = tmp_path / "model.npz"
    save(path, Network([3, 4, 2], seed=0))
    return path


def read_arrays(path):
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def read_metadata(path):
    return json.loads(read_arrays(path)["metadata"].tobytes())


def metadata_array(metadata):
    return np.frombuffer(json.dumps(metadata).encode(), dtype=np.uint8)


def rewrite(path, **changes):
    """Rewrite the model at ``path`` with arrays replaced (``None`` removes one)."""
    arrays = read_arrays(path)
    arrays.update(changes)
    np.savez(path, **{k: v for k, v in arrays.items() if v is not None})


def rewrite_metadata(path, **changes):
    metadata = read_metadata(path)
    metadata.update(changes)
    rewrite(path, metadata=metadata_array(metadata))


def members(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_zip(path, contents, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)


def npy_header_only(shape, descr):
    """A ``.npy`` header declaring ``shape`` with no data after it."""
    buffer = io.BytesIO()
    header = {"descr": descr, "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue()


def patch_zip_headers(path, header, offset, value):
    """Set a 2-byte little-endian field at ``offset`` in every zip header of one kind."""
    raw = bytearray(path.read_bytes())
    start = raw.find(header)
    assert start >= 0
    while start >= 0:
        raw[start + offset : start + offset + 2] = value.to_bytes(2, "little")
        start = raw.find(header, start + 1)
    path.write_bytes(bytes(raw))


def assert_refused(path, match=None):
    with pytest.raises(ModelFileError, match=match) as info:
        load(path)
    message = str(info.value)
    assert str(path) in message
    assert "\n" not in message
    return message


# --- Saving and loading --------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_save_then_load_restores_the_network_bit_for_bit(tmp_path, trained, dtype):
    net, history = trained
    net = net.astype(dtype)
    path = tmp_path / "model.npz"
    assert save(path, net, history=history) == path
    saved = load(path)

    assert saved.network.sizes == (6, 5, 3)
    assert saved.network.dtype == np.dtype(dtype)
    assert saved.network.hidden_activation.name == "sigmoid"
    for p, q in zip(saved.network.weights + saved.network.biases, net.weights + net.biases):
        assert p.dtype == np.dtype(dtype) and p.shape == q.shape
        np.testing.assert_array_equal(p, q)
    assert saved.settings == history.settings
    assert saved.history == history
    assert saved.metadata["format_version"] == DENSE_FORMAT_VERSION
    assert saved.metadata["cost"] == "quadratic"


def test_loaded_network_is_writable_and_predicts_like_the_original(tmp_path, trained):
    net, _ = trained
    save(tmp_path / "model.npz", net)
    loaded = load(tmp_path / "model.npz").network
    x = np.random.default_rng(3).random((10, 6))
    np.testing.assert_array_equal(loaded.predict(x), net.predict(x))
    loaded.weights[0] += 1.0  # can be trained further
    assert not np.array_equal(loaded.weights[0], net.weights[0])


def test_model_without_settings_or_history_loads_them_as_none(model_path):
    saved = load(model_path)
    assert saved.settings is None and saved.history is None


def test_extra_metadata_is_stored(tmp_path):
    path = save(tmp_path / "m.npz", Network([2, 2], seed=0), extra={"note": "hello"})
    assert load(path).metadata["note"] == "hello"


def test_parameter_sets_round_trip_bit_for_bit_in_the_order_weights_then_biases(tmp_path):
    net = Network([3, 4, 2], seed=0, dtype="float64")
    rng = np.random.default_rng(1)
    velocities = [rng.standard_normal(p.shape) for p in net.weights + net.biases]
    path = save(tmp_path / "m.npz", net, parameter_sets={"velocities": velocities})
    assert {"velocities_weights_1.npy", "velocities_biases_0.npy"} <= set(members(path))
    saved = load(path)
    assert list(saved.parameter_sets) == ["velocities"]
    for read, written in zip(saved.parameter_sets["velocities"], velocities, strict=True):
        np.testing.assert_array_equal(read, written)
    assert load(save(tmp_path / "plain.npz", net)).parameter_sets == {}


@pytest.mark.parametrize(
    ("sets", "match"),
    [
        ({"Velocities": None}, "not lowercase"),
        ({"velocities": "short"}, "not shaped like the network"),
        ({f"set_{c}": None for c in "abcde"}, "at most 4"),
    ],
    ids=["name", "shape", "count"],
)
def test_a_bad_parameter_set_is_refused_when_saving(tmp_path, sets, match):
    net = Network([3, 4, 2], seed=0)
    full = [np.zeros_like(p) for p in net.weights + net.biases]
    sets = {k: full[:1] if v == "short" else full for k, v in sets.items()}
    with pytest.raises(ModelFileError, match=match):
        save(tmp_path / "m.npz", net, parameter_sets=sets)
    assert not (tmp_path / "m.npz").exists()


@pytest.mark.parametrize(
    "sets", [["velocities"], "velocities", [1], ["../x"], ["a", "a"], ["a", "b", "c", "d", "e"]]
)
def test_metadata_naming_missing_or_bad_parameter_sets_is_refused(model_path, sets):
    rewrite_metadata(model_path, parameter_sets=sets)
    assert_refused(model_path)


def test_a_parameter_set_of_the_wrong_shape_in_the_file_is_refused(tmp_path):
    net = Network([3, 4, 2], seed=0)
    path = save(tmp_path / "m.npz", net, parameter_sets={"best": net.weights + net.biases})
    rewrite(path, best_biases_1=np.zeros(3, dtype=np.float32))
    assert_refused(path, match="best_biases_1")


def test_save_uses_the_name_as_given(tmp_path):
    save(tmp_path / "model.bin", Network([2, 2], seed=0))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.bin"]
    assert load(tmp_path / "model.bin").network.sizes == (2, 2)


def test_save_leaves_no_temporary_file_and_replaces_an_existing_model(tmp_path):
    path = tmp_path / "model.npz"
    save(path, Network([3, 2], seed=0))
    save(path, Network([5, 4, 2], seed=1))
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]
    assert load(path).network.sizes == (5, 4, 2)


def failing_savez(error):
    def savez(file, **arrays):
        file.write(b"PK\x03\x04 half of a model")
        raise error

    return savez


def test_a_disk_error_while_saving_keeps_the_old_model(tmp_path, model_path, monkeypatch):
    before = model_path.read_bytes()
    monkeypatch.setattr(np, "savez", failing_savez(OSError(errno.ENOSPC, "No space left")))
    with pytest.raises(ModelFileError, match="No space left") as info:
        save(model_path, Network([5, 2], seed=9))
    assert str(model_path) in str(info.value)
    assert model_path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


def test_a_crash_while_saving_keeps_the_old_model(tmp_path, model_path, monkeypatch):
    before = model_path.read_bytes()
    monkeypatch.setattr(np, "savez", failing_savez(RuntimeError("crash midway")))
    with pytest.raises(RuntimeError, match="crash midway"):
        save(model_path, Network([5, 2], seed=9))
    assert model_path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]
    assert load(model_path).network.sizes == (3, 4, 2)


def test_saving_into_a_missing_folder_is_refused(tmp_path):
    path = tmp_path / "no" / "model.npz"
    with pytest.raises(ModelFileError, match="does not exist") as info:
        save(path, Network([2, 2], seed=0))
    assert str(path) in str(info.value)


# --- Files that are not (good) models ------------------------------------------------------


def test_missing_file_is_refused(tmp_path):
    assert_refused(tmp_path / "absent.npz", match="no such model file")


def test_folder_is_refused(tmp_path):
    assert_refused(tmp_path)


@pytest.mark.parametrize(
    "content",
    [b"", b"sizes: 784,30,10\nweights: ...\n", np.random.default_rng(0).bytes(4096), b"PK\x05\x06"],
    ids=["empty", "text", "random-bytes", "zip-signature-only"],
)
def test_file_that_is_not_a_zip_archive_is_refused(tmp_path, content):
    path = tmp_path / "model.npz"
    path.write_bytes(content)
    assert_refused(path, match="not a digitnet model file")


@pytest.mark.parametrize("fraction", [0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99])
def test_truncated_model_file_is_refused(tmp_path, model_path, fraction):
    raw = model_path.read_bytes()
    path = tmp_path / "cut.npz"
    path.write_bytes(raw[: int(len(raw) * fraction)])
    assert_refused(path, match="truncated or damaged model file")


def test_model_truncated_anywhere_is_refused(tmp_path, model_path):
    raw = model_path.read_bytes()
    path = tmp_path / "cut.npz"
    for end in range(len(raw)):
        path.write_bytes(raw[:end])
        with pytest.raises(ModelFileError):
            load(path)


def test_any_single_corrupted_byte_loads_or_is_refused_cleanly(tmp_path, model_path):
    # Bytes the zip format ignores (timestamps, ...) may load; everything else must raise
    # ModelFileError, never zipfile's NotImplementedError or RuntimeError.
    raw = model_path.read_bytes()
    path = tmp_path / "corrupt.npz"
    unexpected = {}
    for offset in range(len(raw)):
        corrupted = bytearray(raw)
        corrupted[offset] ^= 0xFF
        path.write_bytes(bytes(corrupted))
        try:
            load(path)
        except ModelFileError:
            pass
        except Exception as exc:  # collected, to report every offset at once
            unexpected.setdefault(type(exc).__name__, []).append(offset)
    assert unexpected == {}


def test_unsupported_zip_compression_method_is_refused(model_path):
    patch_zip_headers(model_path, LOCAL_HEADER, 8, 99)
    patch_zip_headers(model_path, CENTRAL_HEADER, 10, 99)
    assert_refused(model_path)


def test_encrypted_zip_member_is_refused(model_path):
    patch_zip_headers(model_path, CENTRAL_HEADER, 8, 0x0001)  # flag bit 0: encrypted
    assert_refused(model_path)


def test_compressed_model_file_loads(tmp_path, model_path):
    path = tmp_path / "compressed.npz"
    write_zip(path, members(model_path), zipfile.ZIP_DEFLATED)
    np.testing.assert_array_equal(
        load(path).network.weights[0], load(model_path).network.weights[0]
    )


def test_corrupted_compressed_model_file_is_refused(tmp_path, model_path):
    path = tmp_path / "compressed.npz"
    write_zip(path, members(model_path), zipfile.ZIP_DEFLATED)
    raw = bytearray(path.read_bytes())
    data_start = raw.find(b"metadata.npy") + len("metadata.npy")  # the deflated stream
    raw[data_start + 20 : data_start + 40] = b"\xff" * 20
    path.write_bytes(bytes(raw))
    assert_refused(path)


def test_archive_without_metadata_is_refused(model_path):
    rewrite(model_path, metadata=None)
    assert_refused(model_path, match="no 'metadata' array")


def test_plain_numpy_archive_is_refused(tmp_path):
    path = tmp_path / "arrays.npz"
    np.savez(path, weights_0=np.zeros((2, 3)), biases_0=np.zeros(2))
    assert_refused(path, match="not a digitnet model file")


@pytest.mark.parametrize(
    ("metadata", "match"),
    [
        (b"\xff\xfe not utf-8", "not valid JSON"),
        (b"{not json", "not valid JSON"),
        (b"[1, 2, 3]", "no digitnet metadata"),
        (b'{"format": "something-else"}', "no digitnet metadata"),
    ],
    ids=["not-utf8", "not-json", "json-list", "other-format"],
)
def test_metadata_that_is_not_digitnet_json_is_refused(model_path, metadata, match):
    rewrite(model_path, metadata=np.frombuffer(metadata, dtype=np.uint8))
    assert_refused(model_path, match=match)


def test_newer_format_version_asks_for_an_upgrade(model_path):
    rewrite_metadata(model_path, format_version=999)
    message = assert_refused(model_path, match="upgrade")
    assert "999" in message and "newer" in message


@pytest.mark.parametrize(
    "changes",
    [
        {"format_version": 0},
        {"format_version": "1"},
        {"format_version": None},
        {"sizes": [3]},
        {"sizes": [3, 0, 2]},
        {"sizes": "3,4,2"},
        {"sizes": [3, 4.0, 2]},
        {"sizes": [3, True, 2]},
        {"sizes": [100_000, 100_000, 10]},
        {"dtype": "float16"},
        {"dtype": None},
        {"activation": "relu6"},
        {"training": "epochs=30"},
        {"history": [1, 2]},
        {"training": {"epochs": 0}},
        {"training": {"no_such_setting": 1}},
        {"history": {"seconds": [1.0]}},
    ],
    ids=str,
)
def test_damaged_metadata_is_refused(model_path, changes):
    rewrite_metadata(model_path, **changes)
    assert_refused(model_path)


@pytest.mark.parametrize(
    "changes",
    [
        {"weights_0": np.zeros((3, 4))},  # transposed
        {"weights_1": np.zeros((2, 4, 1))},
        {"biases_0": np.zeros(3)},
        {"biases_1": np.zeros((2, 1))},  # the book's column vector is not the file format
        {"weights_0": np.zeros((4, 3), dtype=np.float32)},  # dtype differs from metadata
        {"weights_0": np.zeros((4, 3), dtype=np.int64)},
        {"weights_0": np.asfortranarray(np.arange(12.0).reshape(4, 3))},
        {"weights_1": None},
        {"biases_0": None},
    ],
    ids=[
        "transposed",
        "3-d",
        "short-bias",
        "column-bias",
        "float32",
        "int",
        "fortran",
        "missing-weights",
        "missing-biases",
    ],
)
def test_arrays_that_do_not_match_the_declared_sizes_are_refused(model_path, changes):
    rewrite(model_path, **changes)
    assert_refused(model_path)


def test_declared_sizes_must_match_the_arrays(model_path):
    rewrite_metadata(model_path, sizes=[3, 5, 2])
    assert_refused(model_path, match="expected")


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_weights_are_refused(tmp_path, value):
    path = save(tmp_path / "model.npz", Network([3, 4, 2], seed=0))
    weights = read_arrays(path)["weights_1"].copy()
    weights[0, 1] = value
    rewrite(path, weights_1=weights)
    assert_refused(path, match="non-finite")


def test_non_finite_biases_are_refused(tmp_path):
    path = save(tmp_path / "model.npz", Network([3, 4, 2], seed=0))
    biases = read_arrays(path)["biases_0"].copy()
    biases[2] = np.nan
    rewrite(path, biases_0=biases)
    assert_refused(path, match="non-finite")


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_a_diverged_network_is_not_saved(tmp_path, value):
    net = Network([3, 4, 2], seed=0)
    net.weights[0][1, 1] = value
    with pytest.raises(ModelFileError, match="not finite"):
        save(tmp_path / "model.npz", net)
    assert list(tmp_path.iterdir()) == []  # no file, no temporary file


@pytest.mark.parametrize(
    ("activation", "output", "dtype"),
    [
        ("sigmoid", "sigmoid", "float32"),
        ("relu", "softmax", "float32"),
        ("tanh", "softmax", "float64"),
    ],
)
def test_weights_that_overflow_the_sums_are_refused_without_a_warning(
    tmp_path, activation, output, dtype
):
    """3e38 is a finite float32, but 784 of them (or 3e38 ** 2 through relu) are not."""
    net = Network([784, 30, 10], seed=0, activation=activation, output=output, dtype=dtype)
    path = save(tmp_path / "model.npz", net)
    big = np.finfo(dtype).max * 0.9
    signs = np.random.default_rng(0).choice([-1, 1], net.weights[0].shape)
    rewrite(path, weights_0=(big * signs).astype(dtype))
    message = assert_refused(path, match="overflow")  # warnings are errors in the tests
    assert "layer 1" in message and dtype in message
    net.weights[0][...] = big * signs
    with pytest.raises(ModelFileError, match="overflow"):
        save(tmp_path / "again.npz", net)


def test_relu_layers_carry_their_bound_to_the_next_layer(tmp_path):
    """Each relu layer's sums are 1e20 at most, fine alone; 1e20 * 1e20 overflows float32."""
    net = Network([2, 1, 1], seed=0, activation="relu", dtype="float32")
    net.weights[0][...], net.biases[0][...] = 0.5e20, 0
    path = save(
        tmp_path / "model.npz", Network([2, 1, 1], seed=0, activation="relu", dtype="float32")
    )
    rewrite(path, weights_0=net.weights[0], biases_0=net.biases[0])
    load(path)  # a sigmoid output layer of weight ~1 is fine
    rewrite(path, weights_1=np.full((1, 1), 1e20, np.float32))
    assert_refused(path, match="layer 2")


@pytest.mark.parametrize("key", ["weights_0", "biases_1", "metadata"])
def test_pickled_object_arrays_are_refused_without_running_them(tmp_path, model_path, key):
    marker = tmp_path / "pickle-ran"
    payload = np.empty(1, dtype=object)
    payload[0] = CreatesMarkerWhenUnpickled(marker)
    rewrite(model_path, **{key: payload})  # np.savez pickles object arrays
    with np.load(model_path, allow_pickle=False) as archive, pytest.raises(ValueError):
        archive[key]  # the member really is a pickle
    assert_refused(model_path)
    assert not marker.exists()


def test_metadata_declaring_a_huge_array_is_refused_before_reading(tmp_path, model_path):
    contents = members(model_path)
    contents["metadata.npy"] = npy_header_only((MAX_METADATA_BYTES + 1,), "|u1")
    path = tmp_path / "huge.npz"
    write_zip(path, contents)
    assert_refused(path, match="over")


def test_weights_with_a_header_but_no_data_are_refused(tmp_path, model_path):
    contents = members(model_path)
    contents["weights_0.npy"] = npy_header_only((4, 3), "<f8")
    path = tmp_path / "hollow.npz"
    write_zip(path, contents)
    assert_refused(path, match="truncated")


def test_damaged_npy_header_is_refused(tmp_path, model_path):
    contents = members(model_path)
    contents["biases_0.npy"] = b"\x93NUMPY\x01\x00" + b"\xff" * 40
    path = tmp_path / "damaged.npz"
    write_zip(path, contents)
    assert_refused(path, match="damaged")


# --- Ambiguous files ------------------------------------------------------------------------


def test_a_boolean_format_version_is_not_version_one(model_path):
    rewrite_metadata(model_path, format_version=True)
    assert_refused(model_path, match="bad format version True")


def test_a_member_stored_twice_is_refused_rather_than_read_once(model_path, tmp_path):
    contents = members(model_path)
    twice = tmp_path / "twice.npz"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns of the duplicate name
        with zipfile.ZipFile(twice, "w") as archive:
            for name, data in contents.items():
                archive.writestr(name, data)
            archive.writestr("weights_0.npy", contents["weights_0.npy"])
    assert_refused(twice, match="'weights_0.npy' twice")


def test_fortran_order_is_named_as_what_is_wrong(model_path):
    rewrite(model_path, weights_0=np.asfortranarray(np.arange(12.0).reshape(4, 3)))
    message = assert_refused(model_path, match="Fortran order, expected C order")
    assert "float64[4, 3], expected float64[4, 3]" not in message
