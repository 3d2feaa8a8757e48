"""What several commands take: layer sizes, durations, the MNIST folder, a model, a folder."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, ClassVar

import click
import numpy as np

from digitnet.cli.progress import download_progress
from digitnet.data import (
    DATA_ENV_VAR,
    MNIST_FILES,
    MNIST_PIXELS,
    N_DIGITS,
    DownloadError,
    MnistSplit,
    load_mnist,
)
from digitnet.errors import DataError, DigitnetError
from digitnet.modelfile import SavedModel, load, shipped_model_path
from digitnet.models_store import user_store


def parse_sizes(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[int, ...] | None:
    """``"784,30,10"`` -> ``(784, 30, 10)``; a usage error for anything else."""
    if value is None:
        return None
    try:
        sizes = tuple(int(part) for part in value.split(","))
    except ValueError:
        raise click.BadParameter(
            f"expected comma-separated integers like 784,30,10, got {value!r}"
        ) from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise click.BadParameter(f"need at least two positive layer sizes, got {value!r}")
    if sizes[0] != MNIST_PIXELS or sizes[-1] != N_DIGITS:
        raise click.BadParameter(
            f"MNIST needs {MNIST_PIXELS} inputs and {N_DIGITS} outputs (e.g. 784,30,10), "
            f"got {value!r}"
        )
    return sizes


class Duration(click.ParamType):
    """Seconds, or a number with a unit: ``90``, ``90s``, ``13.5m``, ``1h``.

    With ``none_is_infinite``, ``none`` is accepted too, as infinitely long.
    """

    name = "duration"
    units: ClassVar[dict[str, float]] = {"s": 1.0, "m": 60.0, "h": 3600.0}

    def __init__(self, *, none_is_infinite: bool = False) -> None:
        self.none_is_infinite = none_is_infinite

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        if isinstance(value, (int, float)):
            return float(value)
        text = str(value).strip().lower()
        if self.none_is_infinite and text == "none":
            return math.inf
        scale = self.units.get(text[-1:], None)
        try:
            seconds = float(text[:-1] if scale else text) * (scale or 1.0)
        except ValueError:
            self.fail(f"expected seconds or a duration like 90s, 13.5m or 1h, got {value!r}")
        if not 0 < seconds < float("inf"):
            self.fail(f"must be a positive duration, got {value!r}")
        return seconds


data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of the MNIST files [default: $DIGITNET_DATA, else a per-user cache].",
)

#: MODEL, a .npz file; commands given none use the default model (`digitnet models`).
model_argument = click.argument(
    "model", required=False, type=click.Path(dir_okay=False, path_type=Path)
)


def load_data(data_dir: Path | None, *, validation_size: int | None = None) -> MnistSplit:
    """MNIST (or data in its form) as raw uint8 pixels (a quarter of float32's memory),
    downloading MNIST if missing; ``validation_size`` as :func:`~digitnet.data.load_mnist`.

    A ``--data-dir`` that does not exist is a mistake to name, not a place to download to
    (``digitnet data download --data-dir DIR`` does that); a failed download says how to
    work offline.
    """
    if data_dir is not None and not data_dir.expanduser().exists():
        raise DataError(
            f"no MNIST files in {data_dir}: no such folder (fetch them into it with "
            f"`digitnet data download --data-dir {data_dir}`)"
        )
    try:
        with download_progress() as report:
            return load_mnist(
                data_dir, dtype=np.uint8, progress=report, validation_size=validation_size
            )
    except DownloadError as exc:
        raise DataError(f"{exc}. {offline_hint(exc.folder)}") from exc


def offline_hint(folder: Path) -> str:
    """How to give digitnet MNIST without a network, in one sentence."""
    return (
        f"Offline? Put the four MNIST files ({', '.join(MNIST_FILES)}) in {folder}, "
        f"copy them there with `digitnet data import FOLDER`, or name the folder that holds "
        f"them with --data-dir or ${DATA_ENV_VAR}"
    )


def default_model_path() -> Path | None:
    """The default model's file (see :mod:`digitnet.models_store`); while the models folder
    holds no model at all, the one shipped in the package
    (:func:`~digitnet.modelfile.shipped_model_path`); else None. A user who kept models but
    chose none as the default is asked to choose, not handed the shipped one."""
    store = user_store()
    default = store.default()
    if default is not None:
        return default.path
    shipped = shipped_model_path()
    return shipped if shipped.is_file() and not store.models() else None


def load_model(path: Path | None) -> tuple[Path, SavedModel]:
    """Load ``path``, or the default model, saying how to make one when there is none."""
    if path is None:
        path = default_model_path()
    if path is None:
        store = user_store()
        saved = len(store.models())
        if saved:
            raise DigitnetError(
                f"no model given and no default model; make one of the {saved} in "
                f"{store.folder} the default with `digitnet models use NAME` (or pass MODEL.npz)"
            )
        raise DigitnetError(
            f"no model given and no default model in {store.home}; "
            f"train one with `digitnet train` (or pass MODEL.npz)"
        )
    return path, load(path)


def create_folder(path: Path) -> Path:
    """``path`` with ``~`` expanded, created with its parents if missing."""
    path = path.expanduser()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DigitnetError(f"{path}: cannot create the folder: {exc.strerror or exc}") from exc
    return path
