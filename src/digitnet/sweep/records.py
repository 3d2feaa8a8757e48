"""What one run of a sweep measured, and its file: ``runs/<id>.json``, written as it ends.

A :class:`RunRecord` holds the run's settings and seed, its accuracy after each epoch, the
best validation accuracy and the test accuracy at that epoch, how long it took and where it
ran. :func:`save_record` writes it atomically under the run's :func:`~digitnet.sweep.space.
run_id`; :func:`load_record` reads it back, so that a sweep resumed skips what is done.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from digitnet.atomic import atomic_open
from digitnet.errors import ConfigError

#: The folder, inside a sweep's folder, of one JSON file per finished run.
RUNS_FOLDER = "runs"


@dataclass(frozen=True)
class RunRecord:
    """One finished run of a sweep.

    Attributes
    ----------
    id : str
        The run's :func:`~digitnet.sweep.space.run_id`, its file's name.
    preset : str
        The recipe its options override.
    options : dict
        The options of its point of the grid, by name (lists for sizes).
    seed : int
    validation, test : tuple of float
        Accuracy after each epoch, 0-1.
    best_epoch : int or None
        The epoch of best validation accuracy (1-based); None if no epoch ended.
    best_validation, test_accuracy : float or None
        The validation accuracy at ``best_epoch`` and the test accuracy there (the honest
        figure: chosen without looking at the test set).
    end : str
        Why the run ended (a :class:`~digitnet.history.RunEnd` value).
    engine : str or None
    seconds : float
        Wall time of the training, the data's loading not included.
    where : str
        ``host:pid`` of the process that ran it.
    backend : str
        ``local`` or the Dask scheduler's address.
    """

    id: str
    preset: str
    options: dict[str, Any]
    seed: int
    validation: tuple[float, ...]
    test: tuple[float, ...]
    best_epoch: int | None
    best_validation: float | None
    test_accuracy: float | None
    end: str
    engine: str | None
    seconds: float
    where: str
    backend: str

    @property
    def epochs_run(self) -> int:
        return len(self.validation)

    def to_json(self) -> str:
        """One line of JSON; the options keep their order (the grid's)."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> RunRecord:
        """The record of ``text``; ConfigError if it is not one."""
        try:
            data = json.loads(text)
            names = {f.name for f in fields(cls)}
            if not isinstance(data, dict) or set(data) != names:
                raise ValueError("not a run record")
            data["validation"] = tuple(data["validation"])
            data["test"] = tuple(data["test"])
            return cls(**data)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"not a sweep's run record: {exc}") from None


def record_path(folder: str | os.PathLike[str], run_id: str) -> Path:
    """Where the record of ``run_id`` lives in the sweep's ``folder``."""
    return Path(folder) / RUNS_FOLDER / f"{run_id}.json"


def save_record(folder: str | os.PathLike[str], record: RunRecord) -> Path:
    """Write ``record`` into ``folder/runs/`` atomically: a kill leaves it whole or absent."""
    path = record_path(folder, record.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path, "w") as stream:
        stream.write(record.to_json() + "\n")
    return path


def load_record(folder: str | os.PathLike[str], run_id: str) -> RunRecord | None:
    """The record of ``run_id`` in ``folder``, or None if that run has not finished there."""
    path = record_path(folder, run_id)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        record = RunRecord.from_json(text)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    if record.id != run_id:
        raise ConfigError(f"{path}: holds run {record.id!r}, not {run_id!r}")
    return record
