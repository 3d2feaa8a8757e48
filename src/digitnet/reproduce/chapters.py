"""The chapters whose tables can be reproduced, and each one's rows."""

from __future__ import annotations

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
