"""The models folder: every trained model kept in a file of its own, and which is the default.

::

    <home>/models/20250314-101502-784-30-10-95.49.npz   one file per run, never overwritten
    <home>/default-model                               the default's name, one line
    <home>/model.npz                                   the single default of earlier
                                                        versions, still read and listed

``home`` is ``$DIGITNET_HOME``, else the per-user data folder (platformdirs). A name is the
time the run was saved, its layer sizes and its final validation accuracy. Every write is
atomic: a new model is linked in under a name no other file has (two runs never take the
same), the pointer replaced whole. Without a pointer the earlier ``model.npz`` is the
default, so an existing setup keeps working.

A new run becomes the default on its own only when it ended healthily
(:meth:`~digitnet.history.History.unhealthy`) and is at least as accurate on the validation
set as the default it would replace: no quick experiment, diverged or interrupted run takes
the place of a better model unasked, and none is ever deleted.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir

from digitnet.atomic import atomic_open
from digitnet.conv.network import AnyNetwork
from digitnet.errors import DigitnetError, ModelFileError
from digitnet.history import VALIDATION, History
from digitnet.modelfile import read_metadata, save

HOME_ENV_VAR = "DIGITNET_HOME"
MODELS_FOLDER = "models"
POINTER_NAME = "default-model"
LEGACY_NAME = "model"  # <home>/model.npz
SUFFIX = ".npz"
#: Runs saved in the same second get -2, -3, ... after their name.
MAX_SAME_NAME = 1000
#: Networks deeper than this are named by their depth, not every size.
MAX_SIZES_IN_NAME = 6


def models_home() -> Path:
    """``$DIGITNET_HOME``, else the per-user data folder; read at each call."""
    override = os.environ.get(HOME_ENV_VAR)
    return Path(override).expanduser() if override else Path(user_data_dir("digitnet"))


@dataclass(frozen=True)
class StoredModel:
    """One model file of the store, with what its metadata says (None if unreadable)."""

    name: str
    path: Path
    metadata: dict[str, Any] | None
    history: History | None
    problem: str | None = None  # why the file cannot be read

    @property
    def saved_at(self) -> datetime:
        stamp = (self.metadata or {}).get("saved_at")
        if isinstance(stamp, str):
            try:
                return datetime.fromisoformat(stamp)
            except ValueError:
                pass
        return datetime.fromtimestamp(self.path.stat().st_mtime).astimezone()

    @property
    def sizes(self) -> list[int] | None:
        return None if self.metadata is None else list(self.metadata["sizes"])

    def accuracy(self, name: str = VALIDATION) -> float | None:
        """The final accuracy on monitored set ``name`` (see History.final_accuracy)."""
        return None if self.history is None else self.history.final_accuracy(name)

    @property
    def training_size(self) -> int | None:
        size = (self.metadata or {}).get("training_size")
        return size if isinstance(size, int) and not isinstance(size, bool) else None


@dataclass(frozen=True)
class Saved:
    """What :meth:`ModelStore.add` did: the new model, whether it is now the default, why not."""

    model: StoredModel
    is_default: bool
    reason: str | None  # why it did not become the default
    default: StoredModel | None  # the default afterwards


class ModelStore:
    """The models under ``home`` (see the module's docstring)."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.folder = home / MODELS_FOLDER
        self.pointer = home / POINTER_NAME
        self.legacy = home / f"{LEGACY_NAME}{SUFFIX}"

    def models(self) -> list[StoredModel]:
        """Every model, the earlier single default first, then oldest to newest."""
        paths = self.folder.glob(f"*{SUFFIX}") if self.folder.is_dir() else []
        models = sorted(
            (self._read(path) for path in paths if path.is_file()),
            key=lambda model: (model.saved_at, model.name),
        )
        return [self._read(self.legacy), *models] if self.legacy.is_file() else models

    def find(self, name: str) -> StoredModel:
        """The model called ``name`` (``.npz`` may be added); a one-line error if none is."""
        name = name.removesuffix(SUFFIX)
        if name and not name.startswith(".") and "/" not in name and os.sep not in name:
            for path in (self.folder / f"{name}{SUFFIX}", self.legacy):
                if self._name(path) == name and path.is_file():
                    return self._read(path)
        raise ModelFileError(
            f"no model {name!r} in {self.folder}; `digitnet models` lists the models there"
        )

    def default_name(self) -> str | None:
        """The default model's name: the pointer's, else the earlier model.npz's, else None."""
        try:
            name = self.pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return LEGACY_NAME if self.legacy.is_file() else None
        except (OSError, UnicodeDecodeError) as exc:
            raise ModelFileError(f"{self.pointer}: cannot read the default's name ({exc})") from exc
        return name or None

    def default(self) -> StoredModel | None:
        """The default model, or None; a one-line error if the pointer names a missing one."""
        name = self.default_name()
        if name is None:
            return None
        try:
            return self.find(name)
        except ModelFileError:
            raise ModelFileError(
                f"the default model {name!r} is missing from {self.folder}; choose another "
                f"with `digitnet models use NAME`"
            ) from None

    def use(self, name: str) -> StoredModel:
        """Make model ``name`` the default (the pointer is replaced atomically)."""
        model = self.find(name)
        if model.problem is not None:
            raise ModelFileError(f"{model.path}: cannot be the default: {model.problem}")
        self.home.mkdir(parents=True, exist_ok=True)
        with atomic_open(self.pointer, "w") as stream:
            stream.write(model.name + "\n")
        return model

    def remove(self, name: str) -> StoredModel:
        """Delete model ``name``; the default cannot be removed."""
        model = self.find(name)
        if model.name == self.default_name():
            raise DigitnetError(
                f"{model.name} is the default model; make another the default first "
                f"(`digitnet models use NAME`)"
            )
        model.path.unlink()
        return model

    def add(
        self,
        network: AnyNetwork,
        history: History,
        *,
        extra: dict[str, Any] | None = None,
        make_default: bool | None = None,
        now: datetime | None = None,
    ) -> Saved:
        """Save a new model under a fresh name; make it the default as ``make_default`` says.

        ``make_default`` True or False decides; None decides by the run: a healthy run at
        least as accurate on the validation set as the current default (or with no default)
        becomes the default, any other is kept beside it.
        """
        now = (now or datetime.now()).astimezone()
        record = {**(extra or {}), "saved_at": now.isoformat(timespec="seconds")}
        path = self._save_new(network, history, record, now)
        model = self._read(path)
        previous = self._default_or_none()
        reason = self._why_not_default(model, previous) if make_default is None else None
        if make_default is False:
            reason = "asked"
        if reason is None:
            self.use(model.name)
            return Saved(model, True, None, model)
        return Saved(model, False, reason, previous)

    def _save_new(
        self, network: AnyNetwork, history: History, record: dict[str, Any], now: datetime
    ) -> Path:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ModelFileError(
                f"{self.folder}: cannot create the folder ({exc.strerror or exc})"
            ) from None
        stem = model_stem(network, history, now)
        for attempt in range(1, MAX_SAME_NAME + 1):
            path = self.folder / f"{stem}{'' if attempt == 1 else f'-{attempt}'}{SUFFIX}"
            try:
                return save(path, network, history=history, extra=record, replace=False)
            except FileExistsError:
                continue
        raise ModelFileError(f"{self.folder}: no free name for {stem}{SUFFIX}")

    def _default_or_none(self) -> StoredModel | None:
        try:
            return self.default()
        except ModelFileError:  # a missing default: nothing to compare with
            return None

    def _why_not_default(self, model: StoredModel, previous: StoredModel | None) -> str | None:
        assert model.history is not None
        unhealthy = model.history.unhealthy()
        if unhealthy is not None:
            return unhealthy
        if previous is None:
            return None
        new, old = model.accuracy(), previous.accuracy()
        if new is not None and old is not None and new < old:
            return f"that one is more accurate ({old:.2%} against {new:.2%})"
        return None

    def _name(self, path: Path) -> str:
        return LEGACY_NAME if path == self.legacy else path.name.removesuffix(SUFFIX)

    def _read(self, path: Path) -> StoredModel:
        name = self._name(path)
        try:
            metadata = read_metadata(path)
            record = metadata.get("history")
            history = History.from_dict(record) if record is not None else None
        except (DigitnetError, TypeError, KeyError) as exc:
            return StoredModel(name, path, None, None, problem=str(exc))
        return StoredModel(name, path, metadata, history)


def model_stem(network: AnyNetwork, history: History, now: datetime) -> str:
    """``20250314-101502-784-30-10-95.49``: when, the layer sizes, the validation accuracy."""
    sizes = network.sizes
    shape = (
        "-".join(map(str, sizes))
        if len(sizes) <= MAX_SIZES_IN_NAME
        else f"{sizes[0]}-{len(sizes) - 2}-hidden-{sizes[-1]}"
    )
    accuracy = history.final_accuracy(VALIDATION)
    parts = [f"{now:%Y%m%d-%H%M%S}", shape]
    if accuracy is not None:
        parts.append(f"{100 * accuracy:.2f}")
    return "-".join(parts)


def user_store() -> ModelStore:
    """The store of this user (or of ``$DIGITNET_HOME``)."""
    return ModelStore(models_home())
