"""Checkpoints: everything needed to resume training exactly where an epoch ended.

A checkpoint is a model file (:mod:`digitnet.modelfile`) that also holds the rest of the
run's :class:`~digitnet.training_state.TrainingState`: the generator's state in its
metadata, and the momentum's velocities and early stopping's best parameters as parameter
sets (arrays, never pickle). It is written atomically after every epoch, so a crash or a
``kill -9`` at any moment leaves the previous checkpoint or the new one, never a broken one;
resuming from it repeats the uninterrupted run bit for bit (the trainer is deterministic),
except that a time budget's clock loses the part of an epoch that a kill cut short.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from digitnet.conv.network import AnyNetwork, ConvNetwork
from digitnet.errors import ConfigError, ModelFileError
from digitnet.history import History
from digitnet.modelfile import SavedModel, load, save
from digitnet.settings import TrainingSettings
from digitnet.training_state import TrainingState

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

CHECKPOINT_NAME = "checkpoint.npz"
#: The file whose lock says that a training run is using the folder.
LOCK_NAME = ".lock"
#: The only bit generator a checkpoint may name: a file never chooses code to run.
BIT_GENERATOR = "PCG64"
#: The parameter sets of a checkpoint: the momentum's velocities, early stopping's best epoch.
VELOCITIES, BEST = "velocities", "best"


@dataclass
class Checkpoint:
    """A network and the state of its training run (history, generator, velocities, best)."""

    saved: SavedModel
    state: TrainingState
    extra: dict[str, Any]

    @property
    def network(self) -> AnyNetwork:
        return self.saved.network

    @property
    def history(self) -> History:
        assert self.state.history is not None  # load_checkpoint checked it
        return self.state.history

    @property
    def settings(self) -> TrainingSettings:
        return self.history.settings

    @property
    def rng(self) -> np.random.Generator:
        return self.state.rng


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
    network: AnyNetwork,
    state: TrainingState,
    *,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write ``directory/checkpoint.npz`` atomically (the folder is created if missing).

    ``state`` is the run's after an epoch (``state.history`` set), as
    :func:`~digitnet.training.train` leaves it for its ``on_epoch`` callback.
    """
    assert state.history is not None, "a checkpoint is taken after an epoch"
    generator = state.rng.bit_generator.state
    if generator["bit_generator"] != BIT_GENERATOR:
        raise ConfigError(
            f"checkpoints store {BIT_GENERATOR} generators, not {generator['bit_generator']}"
        )
    Path(directory).mkdir(parents=True, exist_ok=True)  # a killed save's temp: see atomic
    record = {"epoch": state.history.epochs_run, "rng_state": generator, **(extra or {})}
    sets = {VELOCITIES: state.velocities} if state.velocities else {}
    if state.best is not None:
        sets[BEST] = state.best
    return save(
        checkpoint_path(directory),
        network,
        history=state.history,
        extra={"checkpoint": record},
        parameter_sets=sets,
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
    state = TrainingState(
        np.random.Generator(generator),
        saved.history,
        velocities=saved.parameter_sets.get(VELOCITIES, []),
        best=saved.parameter_sets.get(BEST),
    )
    parameters = saved.network.weights + saved.network.biases
    try:
        state.check_resumable(saved.history.settings, parameters)
    except ConfigError as exc:
        raise ModelFileError(f"{path}: {exc}") from exc
    extra = {k: v for k, v in record.items() if k not in ("epoch", "rng_state")}
    return Checkpoint(saved, state, extra)


def recorded_values(checkpoint: Checkpoint) -> dict[str, Any]:
    """What a resumed run takes from its checkpoint, by name.

    Every field of the run's :class:`~digitnet.training.TrainingSettings`, and the network's
    ``sizes``, ``layers`` (a conv network's spec, else None), ``activation`` (its name) and
    ``dtype`` (its name), and the ``training_size``
    and ``validation_size`` the checkpoint's extra record holds (None: the whole training
    set; the last sixth of the training file).
    """
    values = checkpoint.history.settings.to_dict()
    values |= {
        "sizes": checkpoint.network.sizes,
        "layers": network.spec if isinstance(network := checkpoint.network, ConvNetwork) else None,
        "activation": checkpoint.network.hidden_activation.name,
        "dtype": np.dtype(checkpoint.network.dtype).name,
        "training_size": checkpoint.extra.get("training_size"),
        "validation_size": checkpoint.extra.get("validation_size"),
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
