"""A sweep's tables: one tidy line per run, and the statistics of each setting over its seeds.

:func:`summarise` groups the runs by setting (their options, every seed together) and gives
the mean, sample standard deviation, median and min-max of the test accuracy at the epoch
of best validation accuracy; :func:`write_tables` writes ``runs.csv``, ``runs.jsonl`` (the
whole records, per-epoch accuracies included) and ``summary.csv``, each atomically. Nothing
in them depends on when or where the runs ran but the ``seconds`` and ``where`` columns of
the runs, so a resumed sweep gives the same summary as an uninterrupted one.
"""

from __future__ import annotations

import csv
import io
import os
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digitnet.atomic import atomic_open
from digitnet.sweep.records import RunRecord

#: Significant digits of the accuracies in the CSV files: 10,000 images need 4.
CSV_DIGITS = 6

#: The files :func:`write_tables` writes into the sweep's folder.
TABLE_FILES = {"runs": "runs.csv", "records": "runs.jsonl", "summary": "summary.csv"}

RUN_COLUMNS = (
    "seed", "test_accuracy", "best_validation", "best_epoch", "epochs_run", "end",
    "engine_used", "seconds", "where", "id",
)  # fmt: skip
SUMMARY_COLUMNS = ("runs", "mean", "sd", "median", "min", "max", "mean_best_validation")


def format_value(value: Any) -> str:
    """An option's value as the command line spells it: sizes ``784,30,10``, ``true``."""
    if isinstance(value, list | tuple):
        return ",".join(map(str, value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    return str(value)


@dataclass(frozen=True)
class SettingSummary:
    """The runs of one setting (its ``options``), over their seeds: test accuracy statistics.

    ``sd`` is the sample standard deviation (None for one run); ``mean_best_validation`` the
    mean of the best validation accuracies.
    """

    options: dict[str, Any]
    runs: int
    mean: float | None
    sd: float | None
    median: float | None
    low: float | None
    high: float | None
    mean_best_validation: float | None


def _key(options: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple((name, format_value(value)) for name, value in options.items())


def summarise(records: Sequence[RunRecord]) -> list[SettingSummary]:
    """One summary per setting, in the order the settings first appear in ``records``."""
    groups: dict[tuple[tuple[str, str], ...], list[RunRecord]] = {}
    for record in records:
        groups.setdefault(_key(record.options), []).append(record)
    summaries = []
    for runs in groups.values():
        accuracies = [r.test_accuracy for r in runs if r.test_accuracy is not None]
        validations = [r.best_validation for r in runs if r.best_validation is not None]
        summaries.append(
            SettingSummary(
                options=runs[0].options,
                runs=len(accuracies),
                mean=statistics.fmean(accuracies) if accuracies else None,
                sd=statistics.stdev(accuracies) if len(accuracies) > 1 else None,
                median=statistics.median(accuracies) if accuracies else None,
                low=min(accuracies, default=None),
                high=max(accuracies, default=None),
                mean_best_validation=statistics.fmean(validations) if validations else None,
            )
        )
    return summaries


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return format(value, f".{CSV_DIGITS}g")
    return value


def csv_text(header: Sequence[str], lines: Sequence[Sequence[Any]]) -> str:
    """CSV text of ``header`` and ``lines``: floats to ``CSV_DIGITS`` significant digits,
    ``None`` as an empty cell. The sweep's tables and the reproduction's files both use it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[_cell(v) for v in line] for line in lines])
    return buffer.getvalue()


def option_names(records: Sequence[RunRecord] | Sequence[SettingSummary]) -> list[str]:
    """Every option named by a record (or summary), in the order they first appear."""
    return list(dict.fromkeys(name for r in records for name in r.options))


def _options(options: dict[str, Any], names: Sequence[str]) -> list[Any]:
    return [format_value(options[n]) if n in options else None for n in names]


def _run_figures(r: RunRecord) -> list[Any]:
    """A run's cells after its options, in the order of :data:`RUN_COLUMNS`."""
    figures = [r.seed, r.test_accuracy, r.best_validation, r.best_epoch, r.epochs_run, r.end]
    return [*figures, r.engine, round(r.seconds, 3), r.where, r.id]


def runs_csv(records: Sequence[RunRecord]) -> str:
    """One line per run: its options, seed and figures (accuracies as fractions, 0-1)."""
    names = option_names(records)
    lines = [[*_options(r.options, names), *_run_figures(r)] for r in records]
    return csv_text([*names, *RUN_COLUMNS], lines)


def summary_csv(summaries: Sequence[SettingSummary]) -> str:
    """One line per setting: its options and the statistics of its runs."""
    names = option_names(summaries)
    figures = [(s.runs, s.mean, s.sd, s.median, s.low, s.high, s.mean_best_validation)
                  for s in summaries]  # fmt: skip
    lines = [[*_options(s.options, names), *row] for s, row in zip(summaries, figures)]
    return csv_text([*names, *SUMMARY_COLUMNS], lines)


def write_tables(out_dir: str | os.PathLike[str], records: Sequence[RunRecord]) -> dict[str, Path]:
    """Write ``runs.csv``, ``runs.jsonl`` and ``summary.csv`` into ``out_dir``, atomically.

    Returns the files written, keyed as in :data:`TABLE_FILES`.
    """
    contents = {
        "runs": runs_csv(records),
        "records": "".join(r.to_json() + "\n" for r in records),
        "summary": summary_csv(summarise(records)),
    }
    written = {}
    for what, text in contents.items():
        path = Path(out_dir) / TABLE_FILES[what]
        with atomic_open(path, "w") as stream:
            stream.write(text)
        written[what] = path
    return written
