"""The files a reproduction leaves: the Markdown report and three CSV files of every figure.

:func:`summary_csv` has a line per row, :func:`runs_csv` one per run and :func:`curves_csv`
one per run and epoch; :func:`write_reports` writes them and the report atomically.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from digitnet.atomic import atomic_open
from digitnet.history import STALLED_ACCURACY
from digitnet.reproduce.report import markdown
from digitnet.reproduce.runs import RunResult
from digitnet.reproduce.statistics import RowSummary, summarise_all
from digitnet.reproduce.table import NETWORK, Experiment
from digitnet.sweep.table import csv_text

SUMMARY_COLUMNS = (
    "key", "experiment", "method", "sizes", "learning_rate", "init", "epochs", "training_size",
    "book_accuracy", "book_note", "runs", "mean", "std", "median", "min", "max", "stalled",
    "stalled_below", "diverged", "mean_test_at_best_validation", "mean_saturation_start",
    "mean_saturation_end", "mean_z_spread_start", "mean_seconds", "mean_handwriting", "missing",
)  # fmt: skip


def summary_csv(summaries: Sequence[RowSummary]) -> str:
    """One line per row: its settings and statistics (accuracies as fractions, 0-1)."""
    records = []
    for s in summaries:
        e = s.experiment
        network = e.method == NETWORK
        records.append((
            e.key, e.title, e.method, " ".join(map(str, e.sizes)),
            e.learning_rate if network else None, e.init if network else None,
            e.epochs if network else None, e.training_size, e.book_accuracy, e.book_note,
            s.runs, s.mean, s.std, s.median, s.low, s.high, s.stalled,
            STALLED_ACCURACY if network else None, s.diverged, s.test_at_best_validation,
            s.saturation_start, s.saturation_end, s.z_spread_start, round(s.seconds, 3),
            s.handwriting, s.missing,
        ))  # fmt: skip
    return csv_text(SUMMARY_COLUMNS, records)


RUN_COLUMNS = (
    "key", "seed", "accuracy", "correct", "total", "best_epoch", "test_at_best_validation",
    "stalled", "saturation_start", "saturation_end", "z_spread_start", "diverged_epoch",
    "engine", "seconds", "handwriting", "missing",
)  # fmt: skip


def runs_csv(rows: Sequence[Experiment], results: Sequence[RunResult]) -> str:
    """One line per run (``accuracy``: best-epoch test accuracy for a network)."""
    networks = {e.key for e in rows if e.method == NETWORK}
    records = []
    for r in results:
        stalled = int(r.stalled) if r.key in networks else None
        records.append((
            r.key, r.seed, r.accuracy, r.correct, r.total, r.best_epoch,
            r.test_at_best_validation, stalled, r.saturation_start, r.saturation_end,
            r.z_spread_start, r.diverged_epoch, r.engine, round(r.seconds, 3), r.handwriting,
            r.missing,
        ))  # fmt: skip
    return csv_text(RUN_COLUMNS, records)


def curves_csv(results: Sequence[RunResult]) -> str:
    """One line per network run and epoch: validation and test accuracy."""
    records = [
        (r.key, r.seed, epoch, validation, test)
        for r in results
        for epoch, (validation, test) in enumerate(zip(r.validation, r.test), start=1)
    ]
    return csv_text(("key", "seed", "epoch", "validation", "test"), records)


#: The files :func:`write_reports` writes into its folder.
REPORT_FILES = {
    "table": "results.md",
    "summary": "summary.csv",
    "runs": "runs.csv",
    "curves": "curves.csv",
}


def write_reports(
    out_dir: str | os.PathLike[str],
    rows: Sequence[Experiment],
    results: Sequence[RunResult],
) -> dict[str, Path]:
    """Write the Markdown report and the three CSV files into ``out_dir``, each atomically.

    Returns
    -------
    dict of str to Path
        The files written, keyed as in :data:`REPORT_FILES`.
    """
    folder = Path(out_dir)
    summaries = summarise_all(rows, results)
    contents: Mapping[str, str] = {
        "table": markdown(rows, summaries),
        "summary": summary_csv(summaries),
        "runs": runs_csv(rows, results),
        "curves": curves_csv(results),
    }
    written = {}
    for what, text in contents.items():
        path = folder / REPORT_FILES[what]
        with atomic_open(path, "w") as stream:
            stream.write(text)
        written[what] = path
    return written
