"""Models on disk: one ``.npz`` file of arrays plus a JSON metadata record, never pickle.

The archive holds ``weights_0, biases_0, weights_1, ...`` and ``metadata``, a UTF-8 JSON
document stored as a uint8 array. It may also hold *parameter sets*, arrays shaped like the
network's own (``velocities_weights_0, ...``), that the metadata names in
``parameter_sets``: a checkpoint keeps the momentum's velocities and the best epoch's
parameters so. It is read with ``allow_pickle=False``, so an untrusted
file cannot run code, and every array's header (shape, dtype) is checked against the
metadata before the array is read, so a hostile file cannot make it allocate a lot.
Saving is atomic: a crash leaves the old file or the new one, never half of one.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
import tokenize
import warnings
import zipfile
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from digitnet.activations import ACTIVATIONS, OUTPUT_ACTIVATIONS
from digitnet.atomic import atomic_open
from digitnet.conv.network import ConvNetwork, network_shapes
from digitnet.errors import DigitnetError, ModelFileError
from digitnet.history import History
from digitnet.network import DTYPES, Network
from digitnet.settings import TrainingSettings
from digitnet.version import __version__

FORMAT_NAME = "digitnet-model"
#: The newest format this reads. Version 1 is a fully-connected network, described by its
#: ``sizes``; version 2 adds ``layers``, the spec of a convolutional network
#: (:mod:`digitnet.conv.spec`), whose weights keep their own shapes. A fully-connected
#: network is still written as version 1, which digitnet before version 2 reads.
FORMAT_VERSION = 2
DENSE_FORMAT_VERSION = 1
CONV_FORMAT_VERSION = 2
METADATA_KEY = "metadata"
#: Refuse metadata records and networks larger than these before reading them.
MAX_METADATA_BYTES = 16 * 2**20
MAX_PARAMETERS = 200_000_000
READ_CHUNK_BYTES = 1 << 20  # arrays are read piecewise (see _read_at_most)
#: The first bytes of a zip archive (and so of every .npz): a local file header.
ZIP_MEMBER_SIGNATURE = b"PK\x03\x04"
#: A file may hold this many parameter sets besides the network, each named like this.
MAX_PARAMETER_SETS = 4
PARAMETER_SET_NAME = re.compile(r"[a-z][a-z_]{0,31}")
#: The file name of the model inside the package (``src/digitnet/models/``).
SHIPPED_MODEL_NAME = "handwriting.npz"


_T = TypeVar("_T")

#: What reading a damaged archive raises, besides our own ModelFileError.
_UNREADABLE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    OSError,
    zlib.error,  # a damaged deflate stream
    NotImplementedError,  # an unknown compression method
    RuntimeError,  # an encrypted member
    UnicodeDecodeError,  # a member name flagged as UTF-8 that is not
)


@dataclass
class SavedModel:
    """What a model file holds: the network, how it came to be, and its parameter sets.

    ``parameter_sets[name]`` lists arrays shaped like ``network.weights + network.biases``.
    """

    network: Network | ConvNetwork
    settings: TrainingSettings | None
    history: History | None
    metadata: dict[str, Any]
    parameter_sets: dict[str, list[NDArray[Any]]] = field(default_factory=dict)


def shipped_model_path() -> Path:
    """The model that ships inside the package, trained by ``digitnet train --preset
    handwriting`` (its recipe, seed and accuracy are in its metadata): what commands use
    when no model is named and there is no default model."""
    return Path(__file__).parent / "models" / SHIPPED_MODEL_NAME


def save(
    path: str | os.PathLike[str],
    network: Network | ConvNetwork,
    *,
    history: History | None = None,
    extra: dict[str, Any] | None = None,
    replace: bool = True,
    parameter_sets: Mapping[str, Sequence[NDArray[Any]]] | None = None,
) -> Path:
    """Write ``network`` (and its training history, settings included) to ``path`` atomically.

    ``parameter_sets`` maps a name (lowercase letters and ``_``) to arrays shaped like
    ``network.weights + network.biases``, in that order. Returns the path written; ``.npz``
    is not appended, the name is used as given. With ``replace`` False an existing file is
    never overwritten: FileExistsError instead. A network :func:`load` would refuse (see
    :meth:`Network.overflow_problem`) is a ModelFileError.
    """
    path = Path(path)
    problem = network.overflow_problem()
    if problem is not None:
        raise ModelFileError(f"{path}: not saved: {problem}")
    sets = dict(parameter_sets or {})
    _check_parameter_sets(sets, network)
    metadata: dict[str, Any] = {
        "format": FORMAT_NAME,
        "format_version": (
            CONV_FORMAT_VERSION if isinstance(network, ConvNetwork) else DENSE_FORMAT_VERSION
        ),
        "digitnet_version": __version__,
        **({"layers": network.spec} if isinstance(network, ConvNetwork) else {}),
        "sizes": list(network.sizes),
        "dtype": np.dtype(network.dtype).name,
        "activation": network.hidden_activation.name,
        "output": network.output_activation.name,
        "cost": history.settings.cost if history else None,
        "training": history.settings.to_dict() if history else None,
        "history": history.to_dict() if history else None,
        **(extra or {}),
        "parameter_sets": list(sets),
    }
    arrays: dict[str, NDArray[Any]] = {
        METADATA_KEY: np.frombuffer(json.dumps(metadata).encode(), dtype=np.uint8)
    }
    for l, (w, b) in enumerate(zip(network.weights, network.biases)):
        arrays[f"weights_{l}"], arrays[f"biases_{l}"] = w, b
    for name, parameters in sets.items():
        for key, array in zip(_parameter_keys(network.num_layers - 1, name), parameters):
            arrays[key] = np.asarray(array, dtype=network.dtype)
    if not path.parent.is_dir():
        raise ModelFileError(f"{path}: folder {path.parent} does not exist")
    try:
        with atomic_open(path, "wb", replace=replace) as f:
            np.savez(f, **arrays)  # type: ignore[arg-type]
    except OSError as exc:
        if isinstance(exc, FileExistsError) and not replace:
            raise
        raise ModelFileError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    return path


def _parameter_keys(n_layers: int, prefix: str = "") -> list[str]:
    """Member names of a parameter set, in the order ``weights + biases``."""
    start = f"{prefix}_" if prefix else ""
    return [f"{start}weights_{l}" for l in range(n_layers)] + [
        f"{start}biases_{l}" for l in range(n_layers)
    ]


def _check_parameter_sets(
    sets: Mapping[str, Sequence[NDArray[Any]]], network: Network | ConvNetwork
) -> None:
    if len(sets) > MAX_PARAMETER_SETS:
        raise ModelFileError(f"at most {MAX_PARAMETER_SETS} parameter sets, got {len(sets)}")
    shapes = [p.shape for p in network.weights + network.biases]
    for name, parameters in sets.items():
        if not PARAMETER_SET_NAME.fullmatch(name):
            raise ModelFileError(f"parameter set name {name!r} is not lowercase letters and _")
        if [np.shape(p) for p in parameters] != shapes:
            raise ModelFileError(f"parameter set {name!r} is not shaped like the network")


def load(path: str | os.PathLike[str]) -> SavedModel:
    """Read a model file written by :func:`save`.

    Raises
    ------
    ModelFileError
        If the file is missing, is not a digitnet model, is damaged, comes from a newer
        format version, or its arrays do not match its declared sizes.
    """
    return _read_archive(Path(path), _read)


def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The metadata record of a model file, checked as :func:`load` checks it, without its
    arrays: what a listing of many models needs.

    Raises
    ------
    ModelFileError
        As :func:`load`, for a file that is missing, damaged or not a digitnet model.
    """
    return _read_archive(Path(path), _read_metadata)


def _read_archive(path: Path, reader: Callable[[zipfile.ZipFile, Path], _T]) -> _T:
    """``reader(archive, path)`` on the zip file at ``path``; its failures as ModelFileError."""
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file")
    try:
        with zipfile.ZipFile(path) as archive:
            return reader(archive, path)
    except _UNREADABLE as exc:
        raise ModelFileError(f"{path}: {_what_is_wrong(path)} ({_detail(exc)})") from exc


def is_model_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is, by its content and whatever its name, a digitnet model file.

    True for a regular file that starts as a zip archive does and holds our metadata
    record, or that starts so but cannot be read as an archive (a model cut short, which
    :func:`load` then reports as truncated); False for anything else, such as an image.
    """
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO would block the read
            return False
        with open(path, "rb") as stream:
            if stream.read(len(ZIP_MEMBER_SIGNATURE)) != ZIP_MEMBER_SIGNATURE:
                return False
    except OSError:
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return f"{METADATA_KEY}.npy" in archive.namelist()
    except _UNREADABLE:
        return True


def _what_is_wrong(path: Path) -> str:
    """Why an unreadable file is refused: a zip archive that broke, or not an archive at all.

    A .npz begins with a zip member's signature; a file that starts so but cannot be read
    was cut short (an interrupted copy or download) or damaged on the way.
    """
    try:
        with path.open("rb") as stream:
            start = stream.read(len(ZIP_MEMBER_SIGNATURE))
    except OSError:
        start = b""
    if start == ZIP_MEMBER_SIGNATURE:
        return "truncated or damaged model file"
    return "not a digitnet model file"


def _detail(exc: Exception) -> str:
    """``exc``'s message on one line (it may quote the file's own text), or its class name."""
    return " ".join(str(exc).split()) or type(exc).__name__


def _read(archive: zipfile.ZipFile, path: Path) -> SavedModel:
    names = archive.namelist()
    if len(set(names)) != len(names):  # zipfile would read the last copy of a name
        twice = sorted({n for n in names if names.count(n) > 1})[0]
        raise ModelFileError(f"{path}: not a digitnet model file (member {twice!r} twice)")
    metadata = _read_metadata(archive, path)
    sizes, dtype, layers = metadata["sizes"], DTYPES[metadata["dtype"]], metadata.get("layers")
    shapes: list[tuple[int, ...]]
    if layers is None:
        shapes = [(n_out, n_in) for n_out, n_in in zip(sizes[1:], sizes[:-1])]
    else:
        shapes = network_shapes(layers)[1]
    n_layers = len(shapes)
    shapes += [shape[:1] for shape in shapes]
    sets: dict[str, list[NDArray[Any]]] = {}
    for name in ["", *metadata["parameter_sets"]]:
        keys = _parameter_keys(n_layers, name)
        sets[name] = [_read_array(archive, path, k, s, dtype) for k, s in zip(keys, shapes)]
    parameters = sets.pop("")
    weights, biases = parameters[:n_layers], parameters[n_layers:]
    network: Network | ConvNetwork
    try:
        if layers is None:
            network = Network.from_parameters(
                weights, biases, activation=metadata["activation"], output=metadata["output"]
            )
        else:
            network = ConvNetwork.from_parameters(
                layers, weights, biases, activation=metadata["activation"]
            )
        settings = TrainingSettings(**metadata["training"]) if metadata["training"] else None
        history = History.from_dict(metadata["history"]) if metadata["history"] else None
    except (DigitnetError, TypeError, KeyError, ValueError) as exc:
        raise ModelFileError(f"{path}: damaged metadata ({_detail(exc)})") from exc
    problem = network.overflow_problem()
    if problem is not None:
        raise ModelFileError(f"{path}: not a usable network: {problem}")
    return SavedModel(network, settings, history, metadata, sets)


def _read_metadata(archive: zipfile.ZipFile, path: Path) -> dict[str, Any]:
    raw = _read_array(archive, path, METADATA_KEY, None, np.uint8, MAX_METADATA_BYTES)
    try:
        metadata = json.loads(raw.tobytes().decode("utf-8"))
    # ValueError also covers integers too long to convert; RecursionError, deep nesting.
    except (ValueError, RecursionError) as exc:
        raise ModelFileError(f"{path}: metadata is not valid JSON") from exc
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT_NAME:
        raise ModelFileError(f"{path}: not a digitnet model file (no digitnet metadata)")
    version = metadata.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ModelFileError(f"{path}: bad format version {version!r}")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: format version {version} is newer than this digitnet reads "
            f"({FORMAT_VERSION}); upgrade digitnet"
        )
    sizes = metadata.get("sizes")
    if (
        not isinstance(sizes, list)
        or len(sizes) < 2
        or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in sizes)
    ):
        raise ModelFileError(f"{path}: bad layer sizes {sizes!r}")
    layers = metadata.setdefault("layers", None) if version >= CONV_FORMAT_VERSION else None
    if layers is None:
        metadata.pop("layers", None)
        count = sum(a * b + a for a, b in zip(sizes[1:], sizes[:-1]))
    else:
        count = _conv_parameters(layers, path)
    if count > MAX_PARAMETERS:
        raise ModelFileError(f"{path}: network {sizes} is over {MAX_PARAMETERS} parameters")
    # isinstance first: a list or dict from the JSON cannot be looked up in a dict.
    if not isinstance(metadata.get("dtype"), str) or metadata["dtype"] not in DTYPES:
        raise ModelFileError(f"{path}: unsupported dtype {metadata.get('dtype')!r}")
    activation = metadata.get("activation")
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ModelFileError(f"{path}: unknown activation {activation!r}")
    output = metadata.setdefault("output", "sigmoid")  # files before softmax have no "output"
    if not isinstance(output, str) or output not in OUTPUT_ACTIVATIONS:
        raise ModelFileError(f"{path}: unknown output activation {output!r}")
    for key in ("training", "history"):
        if not isinstance(metadata.get(key), (dict, type(None))):
            raise ModelFileError(f"{path}: damaged metadata field {key!r}")
    sets = metadata.setdefault("parameter_sets", [])  # files before checkpoints had none
    if (
        not isinstance(sets, list)
        or len(sets) > MAX_PARAMETER_SETS
        or len(set(map(str, sets))) != len(sets)
        or not all(isinstance(n, str) and PARAMETER_SET_NAME.fullmatch(n) for n in sets)
    ):
        raise ModelFileError(f"{path}: bad parameter sets {sets!r}")
    return metadata


def _conv_parameters(layers: Any, path: Path) -> int:
    """The weights and biases of a conv network of ``layers`` (its spec), checked."""
    if not isinstance(layers, str):
        raise ModelFileError(f"{path}: bad conv layers {layers!r}")
    try:
        shapes = network_shapes(layers)[1]
    except DigitnetError as exc:
        raise ModelFileError(f"{path}: bad conv layers ({_detail(exc)})") from exc
    return sum(math.prod(shape) + shape[0] for shape in shapes)


def _read_array(
    archive: zipfile.ZipFile,
    path: Path,
    key: str,
    shape: tuple[int, ...] | None,
    dtype: type[np.generic],
    max_bytes: int | None = None,
) -> NDArray[Any]:
    """Read member ``key``.npy after checking its header: shape, dtype, no object arrays."""
    try:
        with archive.open(f"{key}.npy") as member:
            found_shape, fortran, found_dtype = _read_npy_header(member)
            if any(n < 0 for n in found_shape):  # numpy accepts them; read(-1) reads all
                raise ModelFileError(f"{path}: array {key!r} has shape {list(found_shape)}")
            expected_shape = shape if shape is not None else found_shape[:1]
            if fortran:
                raise ModelFileError(f"{path}: array {key!r} is in Fortran order, expected C order")
            if found_dtype != np.dtype(dtype) or found_shape != expected_shape:
                raise ModelFileError(
                    f"{path}: array {key!r} is {found_dtype}{list(found_shape)}, "
                    f"expected {np.dtype(dtype)}{list(expected_shape)}"
                )
            n_bytes = int(np.prod(found_shape)) * np.dtype(dtype).itemsize
            if max_bytes is not None and n_bytes > max_bytes:
                raise ModelFileError(f"{path}: array {key!r} is over {max_bytes} bytes")
            data = _read_at_most(member, n_bytes)
            # Reading to the end is also what makes zipfile check the member's CRC-32.
            beyond = member.read(1) if len(data) == n_bytes else b""
    except KeyError as exc:
        raise ModelFileError(f"{path}: not a digitnet model file (no {key!r} array)") from exc
    except ModelFileError:  # a ValueError too, but already says what is wrong
        raise
    except ValueError as exc:  # a malformed .npy header
        raise ModelFileError(f"{path}: array {key!r} is damaged ({_detail(exc)})") from exc
    if len(data) != n_bytes:
        raise ModelFileError(f"{path}: array {key!r} is truncated")
    if beyond:
        raise ModelFileError(
            f"{path}: array {key!r} holds more bytes than its shape {list(found_shape)} declares"
        )
    array = np.frombuffer(data, dtype=dtype).reshape(found_shape)
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise ModelFileError(f"{path}: array {key!r} holds non-finite values")
    return array


def _read_npy_header(member: IO[bytes]) -> tuple[tuple[int, ...], bool, np.dtype[Any]]:
    """Shape, Fortran order and dtype from a .npy header; ValueError if it is malformed.

    numpy's parser also raises TypeError (an unhashable key), SyntaxError or TokenError
    (from its fallback for Python 2 headers), and warns for Python 2 headers and deprecated
    dtypes: all mean a file digitnet did not write, and none may escape as such.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            version = np.lib.format.read_magic(member)
            if version == (1, 0):
                return np.lib.format.read_array_header_1_0(member)  # type: ignore[no-any-return]
            if version == (2, 0):
                return np.lib.format.read_array_header_2_0(member)  # type: ignore[no-any-return]
        except (TypeError, SyntaxError, tokenize.TokenError, Warning) as exc:
            raise ValueError(f"malformed .npy header ({type(exc).__name__})") from exc
    raise ValueError(f"unsupported .npy version {version}")


def _read_at_most(member: IO[bytes], n_bytes: int) -> bytearray:
    """Up to ``n_bytes`` from ``member``, in chunks, so memory grows with the bytes there are.

    ``read(n)`` allocates ``n`` bytes before reading when the zip entry claims to be that
    long: one call with what a header declares would allocate it all for a tiny file.
    """
    data = bytearray()
    while len(data) < n_bytes:
        chunk = member.read(min(n_bytes - len(data), READ_CHUNK_BYTES))
        if not chunk:
            break
        data += chunk
    return data
