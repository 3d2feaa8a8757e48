"""Where ``digitnet train`` keeps its model, and the one line that says so.

A run is saved as a new file of the models folder (:mod:`digitnet.models_store`), which
becomes the default only as the store's rule or ``--make-default/--keep-default`` say; with
``--out`` it is written there instead, saying what it replaced. Nothing is saved of a run
with no finished epoch or with weights no model file may hold (a diverged run).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from digitnet.cli.progress import stdout
from digitnet.conv.network import AnyNetwork
from digitnet.errors import ModelFileError
from digitnet.history import VALIDATION, History
from digitnet.modelfile import read_metadata, save
from digitnet.models_store import user_store


def keep_model(
    network: AnyNetwork,
    history: History,
    *,
    out: Path | None,
    make_default: bool | None,
    extra: dict[str, Any],
) -> None:
    """Save the trained ``network`` as the options say, and say where in one line."""
    if history.epochs_run == 0:
        return  # report_outcome has said that nothing is saved
    problem = network.overflow_problem()
    if problem is not None:
        stdout.print(f"Nothing saved: {problem}.")
        return
    if out is not None:
        replaced = replaced_model(out)
        save(out, network, history=history, extra=extra)
        stdout.print(f"Saved the model to {out}{replaced}.")
        return
    saved = user_store().add(network, history, extra=extra, make_default=make_default)
    if saved.is_default:
        stdout.print(f"Saved the model to {saved.model.path}; it is now the default model.")
        return
    stays = (
        "no default model yet"
        if saved.default is None
        else f"the default stays {saved.default.name}"
    )
    stdout.print(
        f"Saved the model to {saved.model.path}; {stays}, as {saved.reason} "
        f"(make it the default with `digitnet models use {saved.model.name}`)."
    )


def replaced_model(path: Path) -> str:
    """``, replacing a model of validation accuracy 95.49%`` if ``path`` holds one."""
    if not path.exists():
        return ""
    try:
        record = read_metadata(path).get("history")
        accuracy = History.from_dict(record).final_accuracy(VALIDATION) if record else None
    except (ModelFileError, TypeError):
        return ", replacing a file that was not a readable digitnet model"
    if accuracy is None:
        return ", replacing an earlier model"
    return f", replacing a model of validation accuracy {accuracy:.2%}"
