"""Checkpoints: everything needed to resume training exactly where an epoch ended.

A checkpoint is a model file (:mod:`digitnet.modelfile`) whose metadata also holds the
shuffling generator's state. It is written atomically after every epoch, so a crash or a
``kill -9`` at any moment leaves the previous checkpoint or the new one, never a broken one;
resuming from it repeats the uninterrupted run bit for bit (the trainer is deterministic).
Plain SGD keeps no other optimiser state.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from digitnet.errors import ConfigError, ModelFileError
from digitnet.history import History
from digitnet.modelfile import SavedModel, load, save
from digitnet.network import Network

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

CHECKPOINT_NAME = "checkpoint.npz"
#: The file whose lock says that a training run is using the folder.
LOCK_NAME = ".lock"
#: The only bit generator a checkpoint may name: a file never chooses code to run.
BIT_GENERATOR = "PCG64"


@dataclass
class Checkpoint:
    """A network, its training history so far and the generator that shuffles the next epoch."""

    saved: SavedModel
    rng: np.random.Generator
    extra: dict[str, Any]

    @property
    def network(self) -> Network:
        return self.saved.network

    @property
    def history(self) -> History:
        assert self.saved.history is not None  # load_checkpoint checked it
        return self.saved.history


def checkpoint_path(directory: str | os.PathLike[str]) -> Path:
    return Path(directory) / CHECKPOINT_NAME


@contextlib.contextmanager
def locked_folder(directory: str | os.PathLike[str]) -> Iterator[Path]:
    """Hold ``directory`` (created if missing) for one training run while the block runs.

    Two runs saving into one folder would each overwrite the other's checkpoint, so the
    second is refused. The lock is an ``flock``, which the kernel releases however the
    holder ends, ``kill -9`` included (on systems without ``flock`` nothing is locked).

    Raises
    ------
    ConfigError
        If another run holds the folder.
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        yield folder
        return
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise ConfigError(
                f"{folder}: another training run is using this checkpoint folder"
            ) from None
        yield folder
    finally:
        os.close(fd)


def save_checkpoint(
    directory: str | os.PathLike[str],
    network: Network,
    history: History,
    rng: np.random.Generator,
    *,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write ``directory/checkpoint.npz`` atomically (the folder is created if missing)."""
    state = rng.bit_generator.state
    if state["bit_generator"] != BIT_GENERATOR:
        raise ConfigError(
            f"checkpoints store {BIT_GENERATOR} generators, not {state['bit_generator']}"
        )
    Path(directory).mkdir(parents=True, exist_ok=True)  # a killed save's temp: see atomic
    record = {"epoch": history.epochs_run, "rng_state": state, **(extra or {})}
    return save(
        checkpoint_path(directory),
        network,
        history=history,
        extra={"checkpoint": record},
    )


def load_checkpoint(directory: str | os.PathLike[str]) -> Checkpoint:
    """Read ``directory/checkpoint.npz``; :class:`ModelFileError` if it is missing or damaged."""
    path = checkpoint_path(directory)
    saved = load(path)
    record = saved.metadata.get("checkpoint")
    if not isinstance(record, dict) or saved.history is None or saved.settings is None:
        raise ModelFileError(f"{path}: a model file, but not a training checkpoint")
    state = record.get("rng_state")
    if not isinstance(state, dict) or state.get("bit_generator") != BIT_GENERATOR:
        raise ModelFileError(f"{path}: no {BIT_GENERATOR} generator state in the checkpoint")
    generator = np.random.PCG64()
    try:
        generator.state = state  # type: ignore[assignment]  # checked by NumPy itself
    except (TypeError, ValueError, KeyError) as exc:
        raise ModelFileError(f"{path}: damaged generator state ({exc})") from exc
    if record.get("epoch") != saved.history.epochs_run:
        raise ModelFileError(f"{path}: the epoch count does not match the history")
    extra = {k: v for k, v in record.items() if k not in ("epoch", "rng_state")}
    return Checkpoint(saved, np.random.Generator(generator), extra)


def recorded_values(checkpoint: Checkpoint) -> dict[str, Any]:
    """What a resumed run takes from its checkpoint, by name.

    Every field of the run's :class:`~digitnet.training.TrainingSettings`, and the network's
    ``sizes``, ``activation`` (its name) and ``dtype`` (its name), and the ``training_size``
    the checkpoint's extra record holds (None: the whole training set).
    """
    values = checkpoint.history.settings.to_dict()
    values |= {
        "sizes": checkpoint.network.sizes,
        "activation": checkpoint.network.hidden_activation.name,
        "dtype": np.dtype(checkpoint.network.dtype).name,
        "training_size": checkpoint.extra.get("training_size"),
    }
    return values


def check_resumable(
    checkpoint: Checkpoint,
    given: Mapping[str, Any],
    *,
    label: Callable[[str], str] = str,
) -> None:
    """Refuse to resume with a value that differs from the run the checkpoint holds.

    A resumed run keeps its settings, so asking for other ones is a mistake, not a change.

    Parameters
    ----------
    checkpoint : Checkpoint
    given : mapping of str to object
        Values asked for, by the names of :func:`recorded_values` (``"learning_rate"``,
        ``"sizes"``, ...); other names (an output path, say) are not the checkpoint's to
        compare and pass.
    label : callable, optional
        Spells a name in the message, e.g. as the command line's option (``--learning-rate``).

    Raises
    ------
    ConfigError
        Naming the first value that differs, and the checkpoint's.
    """
    recorded = recorded_values(checkpoint)
    for name, value in given.items():
        if name in recorded and value != recorded[name]:
            raise ConfigError(
                f"{label(name)} {value} differs from the checkpoint's {recorded[name]}; "
                f"drop it to resume the run as it was"
            )
