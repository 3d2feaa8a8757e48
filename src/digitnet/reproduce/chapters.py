"""The chapters whose tables can be reproduced, and each one's rows."""

from __future__ import annotations

from collections.abc import Sequence

from digitnet.errors import ConfigError
from digitnet.reproduce.chapter6 import chapter6_experiments
from digitnet.reproduce.table import Experiment, experiments

#: The book's chapters with a table here: 1 (networks of sigmoid neurons and the baselines)
#: and 6 (convolutional networks).
CHAPTERS = (1, 6)


def chapter_experiments(
    chapter: int = 1,
    mode: str = "full",
    *,
    svm: bool = True,
    epochs: int | None = None,
    training_size: int | None = None,
    handwriting: int | None = None,
) -> tuple[Experiment, ...]:
    """The rows of ``chapter``'s table: :func:`~digitnet.reproduce.table.experiments` for
    chapter 1 (``svm`` its SVM rows), :func:`~digitnet.reproduce.chapter6.chapter6_experiments`
    for chapter 6; the other arguments as theirs."""
    overrides = {"epochs": epochs, "training_size": training_size, "handwriting": handwriting}
    if chapter == 1:
        return experiments(mode, svm=svm, **overrides)
    if chapter == 6:
        return chapter6_experiments(mode, **overrides)
    raise ConfigError(f"chapter must be one of {', '.join(map(str, CHAPTERS))}, got {chapter!r}")


def select_rows(rows: Sequence[Experiment], keys: Sequence[str]) -> tuple[Experiment, ...]:
    """The ``rows`` whose keys are in ``keys``, in the table's order, each ensemble row with
    the row it combines (row h of chapter 6 brings row g).

    Raises ConfigError for no keys or a key that is no row's, naming the keys there are.
    """
    known = {row.key: row for row in rows}
    if not keys:
        raise ConfigError(f"name at least one row of the table: {', '.join(known)}")
    unknown = [key for key in keys if key not in known]
    if unknown:
        raise ConfigError(
            f"no row {', '.join(map(repr, unknown))} in this table; its rows are {', '.join(known)}"
        )
    wanted = set(keys)
    wanted |= {known[key].ensemble_of for key in keys if known[key].ensemble_of is not None}
    return tuple(row for row in rows if row.key in wanted)
