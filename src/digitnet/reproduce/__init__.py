"""The chapter's results table, reproduced: every experiment, several seeds, one report.

Chapter 1 quotes a handful of figures on MNIST's 10,000 test images: 95.42% for a
[784, 30, 10] network trained with learning rate 3.0, 96.59% for [784, 100, 10], "far worse"
for learning rates 0.001 and 100, and the baselines a network has to beat (average darkness
2,225, an SVM 9,435). This package runs those experiments again, each with several seeds,
and reports what came out beside what the book says:

- :mod:`~digitnet.reproduce.table`: :func:`experiments` lists them (``"full"``: the
  book's 30 epochs; ``"quick"``: a short look, 2 seeds and 4 epochs, SVMs on a slice), and
  :func:`jobs` their runs, one per seed; :mod:`~digitnet.reproduce.chapter6` lists chapter
  6's convolutional networks and their ensemble the same way, and
  :func:`chapter_experiments` either chapter's rows (:func:`select_rows` some of them);
- :mod:`~digitnet.reproduce.result`: what a run measured (:class:`RunResult`), and an
  ensemble row's figure from the runs it combines (:func:`ensemble_result`);
- :mod:`~digitnet.reproduce.runs`: :func:`run` runs them, one run per process on all cores
  or on a Dask cluster (the sweeps' backends, :mod:`digitnet.sweep.backends`), reporting
  each finished run through a callback;
- :mod:`~digitnet.reproduce.statistics`: :func:`summarise` turns a row's runs into
  statistics (mean, standard deviation, min-max, stalled runs, saturation);
- :mod:`~digitnet.reproduce.report` renders them in words (:func:`table_rows`,
  :func:`caption`, :func:`explanation`, :func:`markdown`), and
  :mod:`~digitnet.reproduce.files` as CSV (:func:`summary_csv`, :func:`runs_csv`,
  :func:`curves_csv`); :func:`write_reports` writes the files atomically.

The book quotes a network's best epoch (the highest test accuracy of any epoch), so the
table reports the same statistic, labelled "best epoch"; the test accuracy at the epoch of
best *validation* accuracy, the honest choice, is in the CSV files beside it.
"""

from digitnet.reproduce.chapter6 import chapter6_experiments
from digitnet.reproduce.chapters import CHAPTERS, chapter_experiments, select_rows
from digitnet.reproduce.files import (
    REPORT_FILES,
    curves_csv,
    runs_csv,
    summary_csv,
    write_reports,
)
from digitnet.reproduce.report import (
    TABLE_HEADER,
    caption,
    describe_run,
    explanation,
    markdown,
    markdown_table,
    table_rows,
    title,
)
from digitnet.reproduce.result import RunResult, ensemble_result
from digitnet.reproduce.runs import (
    STOPPED,
    OnResult,
    expected_work,
    run,
    run_job,
)
from digitnet.reproduce.statistics import (
    CurveBand,
    RowCurves,
    RowSummary,
    row_curves,
    summarise,
    summarise_all,
)
from digitnet.reproduce.table import (
    DARKNESS,
    ENSEMBLE,
    METHODS,
    MODES,
    NETWORK,
    RANDOM_GUESS,
    SVM,
    Experiment,
    Job,
    experiments,
    jobs,
)

__all__ = [
    "CHAPTERS",
    "DARKNESS",
    "ENSEMBLE",
    "METHODS",
    "MODES",
    "NETWORK",
    "RANDOM_GUESS",
    "REPORT_FILES",
    "STOPPED",
    "SVM",
    "TABLE_HEADER",
    "CurveBand",
    "Experiment",
    "Job",
    "OnResult",
    "RowCurves",
    "RowSummary",
    "RunResult",
    "caption",
    "chapter6_experiments",
    "chapter_experiments",
    "curves_csv",
    "describe_run",
    "ensemble_result",
    "expected_work",
    "experiments",
    "explanation",
    "jobs",
    "markdown",
    "markdown_table",
    "row_curves",
    "run",
    "run_job",
    "runs_csv",
    "select_rows",
    "summarise",
    "summarise_all",
    "summary_csv",
    "table_rows",
    "title",
    "write_reports",
]
