"""Seed and hyperparameter sweeps: many runs of ``train``'s options, here or on a cluster.

- :mod:`~digitnet.sweep.space`: a :class:`Sweep` is a grid over any of ``train``'s options
  and presets (or ``samples`` random points of it) times seeds; each :class:`Run` is named
  by :func:`run_id`, a hash of its resolved recipe and seed;
- :mod:`~digitnet.sweep.files`: the same from a TOML or YAML file (:func:`read_sweep_file`);
- :mod:`~digitnet.sweep.backends`: :func:`run_jobs` runs jobs in joblib's loky processes
  (:class:`Local`, BLAS threads pinned so that processes x threads <= cores) or on a Dask
  cluster (:class:`Dask`, MNIST scattered to each worker once); ``digitnet reproduce`` runs
  on it too;
- :mod:`~digitnet.sweep.execute`: :func:`run_sweep` runs what is not done yet and saves each
  :class:`RunRecord` as it ends (:mod:`~digitnet.sweep.records`: ``runs/<id>.json``,
  atomically), so that a stopped or killed sweep resumes;
- :mod:`~digitnet.sweep.table`: the tidy tables (:func:`write_tables`: ``runs.csv``,
  ``runs.jsonl``, ``summary.csv`` with mean, sd, median and min-max per setting).

>>> sweep = Sweep({"learning_rate": [0.5, 3.0], "epochs": 1}, seeds=(1, 2))
>>> len(sweep.runs()), sweep.swept
(4, ('learning_rate',))
"""

from digitnet.sweep.backends import (
    CONNECT_TIMEOUT,
    DEFAULT_WORKERS,
    Backend,
    Dask,
    Local,
    SchedulerUnreachable,
    run_jobs,
)
from digitnet.sweep.execute import run_sweep, train_run
from digitnet.sweep.files import read_sweep_file, seeds_of
from digitnet.sweep.records import RunRecord, load_record, record_path, save_record
from digitnet.sweep.shared import MnistFolder, mnist_folder, mnist_of
from digitnet.sweep.space import OPTIONS, Run, Sweep, run_id
from digitnet.sweep.table import (
    TABLE_FILES,
    SettingSummary,
    format_value,
    runs_csv,
    summarise,
    summary_csv,
    write_tables,
)

__all__ = [
    "CONNECT_TIMEOUT",
    "DEFAULT_WORKERS",
    "OPTIONS",
    "TABLE_FILES",
    "Backend",
    "Dask",
    "Local",
    "MnistFolder",
    "Run",
    "RunRecord",
    "SchedulerUnreachable",
    "SettingSummary",
    "Sweep",
    "format_value",
    "load_record",
    "mnist_folder",
    "mnist_of",
    "read_sweep_file",
    "record_path",
    "run_id",
    "run_jobs",
    "run_sweep",
    "runs_csv",
    "save_record",
    "seeds_of",
    "summarise",
    "summary_csv",
    "train_run",
    "write_tables",
]
