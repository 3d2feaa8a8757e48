"""The ``digitnet`` command line: the only module that prints, draws progress or exits.

A :class:`~digitnet.errors.DigitnetError` (a user's mistake) becomes Click's usual
``Error: ...`` on stderr with exit code 1; usage errors exit with 2; a traceback is a bug.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

import click
import numpy as np
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from digitnet import __version__
from digitnet.activations import ACTIVATIONS
from digitnet.checkpoint import Checkpoint, checkpoint_path, load_checkpoint, save_checkpoint
from digitnet.costs import COSTS
from digitnet.data import Dataset, MnistSplit, load_mnist
from digitnet.data.mnist import check_classifier_sizes
from digitnet.errors import DigitnetError, ImageError, MissingExtra
from digitnet.history import RunEnd
from digitnet.metrics import confusion_matrix
from digitnet.modelfile import DEFAULT_MODEL, SavedModel, load, save
from digitnet.network import DTYPES, INITIALISATIONS
from digitnet.recipes import PRESETS, recipe
from digitnet.schedules import SCHEDULES
from digitnet.training import (
    ENGINES,
    MAX_SEED,
    History,
    TrainingSettings,
    fresh_seed,
    train,
)

#: Where ``train`` saves and ``predict``/``evaluate`` look when no model is named.
#: Below this best validation accuracy a run is called stalled (chance is 10%).
STALLED_ACCURACY = 0.2
#: The sum `digitnet gates` works out with its NAND-only adder.
GATES_DEMO_BITS = 4
GATES_DEMO_SUM = (5, 9)

# Progress bars draw on stdout's console so that the lines printed above them stay in order;
# on a pipe rich draws no bars at all and the lines come out alone.
stdout = Console(highlight=False, soft_wrap=True)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


class DigitnetGroup(click.Group):
    """A group that turns a DigitnetError into ``Error: ...`` and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DigitnetError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=DigitnetGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="digitnet")
def main() -> None:
    """Neural networks that recognise handwritten digits, from scratch.

    Start with `digitnet train` (the book's experiment: [784, 30, 10] on MNIST), then
    `digitnet predict IMAGE...` on your own digits.
    """


def parse_sizes(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[int, ...] | None:
    """``"784,30,10"`` -> ``(784, 30, 10)``; a usage error for anything else."""
    if value is None:
        return None
    try:
        sizes = tuple(int(part) for part in value.split(","))
    except ValueError:
        raise click.BadParameter(
            f"expected comma-separated integers like 784,30,10, got {value!r}"
        ) from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise click.BadParameter(f"need at least two positive layer sizes, got {value!r}")
    if sizes[0] != 784 or sizes[-1] != 10:
        raise click.BadParameter(
            f"MNIST needs 784 inputs and 10 outputs (e.g. 784,30,10), got {value!r}"
        )
    return sizes


data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of the MNIST files [default: $DIGITNET_DATA, else a per-user cache].",
)


@contextmanager
def download_progress() -> Iterator[Callable[[str, int, int | None], None]]:
    """A progress callback for downloads that draws one bar per file on stderr."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        console=stdout,
        transient=True,
        disable=not stdout.is_terminal,
    ) as progress:
        tasks: dict[str, Any] = {}

        def report(name: str, done: int, total: int | None) -> None:
            if name not in tasks:
                tasks[name] = progress.add_task(f"downloading {name}", total=total)
            progress.update(tasks[name], completed=done, total=total)

        yield report


def load_data(data_dir: Path | None) -> MnistSplit:
    """MNIST as raw uint8 pixels (a quarter of float32's memory), downloading if missing."""
    with download_progress() as report:
        return load_mnist(data_dir, dtype=np.uint8, progress=report)


class Duration(click.ParamType):
    """Seconds, or a number with a unit: ``90``, ``90s``, ``13.5m``, ``1h``."""

    name = "duration"
    units: ClassVar[dict[str, float]] = {"s": 1.0, "m": 60.0, "h": 3600.0}

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        if isinstance(value, (int, float)):
            return float(value)
        text = str(value).strip().lower()
        scale = self.units.get(text[-1:], None)
        try:
            seconds = float(text[:-1] if scale else text) * (scale or 1.0)
        except ValueError:
            self.fail(f"expected seconds or a duration like 90s, 13.5m or 1h, got {value!r}")
        if not 0 < seconds < float("inf"):
            self.fail(f"must be a positive duration, got {value!r}")
        return seconds


#: Options of `train` that a preset sets, mapped to where the preset keeps them.
NETWORK_OPTIONS = ("sizes", "activation", "init")
SETTINGS_OPTIONS = (
    "epochs", "mini_batch_size", "learning_rate", "cost", "l2", "momentum", "nesterov",
    "weight_decay", "dropout", "schedule", "patience", "early_stopping", "time_budget", "augment",
)  # fmt: skip


def preset_help() -> str:
    return "; ".join(
        f"{name}: {list(p.sizes)} {p.activation}, {p.settings.cost} cost"
        for name, p in PRESETS.items()
    )


@main.command("train")
@click.option(
    "--preset",
    type=click.Choice(sorted(PRESETS)),
    default="book",
    show_default=True,
    help="A ready recipe; options given as well override it. " + preset_help() + ".",
)
@click.option(
    "--sizes",
    default=None,
    callback=parse_sizes,
    help="Neurons per layer, input first [784,30,10].",
)
@click.option("--epochs", type=click.IntRange(min=1), default=None, help="[30]")
@click.option("--mini-batch-size", type=click.IntRange(min=1), default=None, help="[10]")
@click.option(
    "--learning-rate",
    type=click.FloatRange(min=0, min_open=True, max=1e6),
    default=None,
    help="Step size eta of gradient descent (the peak rate of a schedule) [3.0].",
)
@click.option(
    "--activation",
    type=click.Choice(list(ACTIVATIONS)),
    default=None,
    help="Activation of the hidden neurons [sigmoid].",
)
@click.option(
    "--cost",
    type=click.Choice(list(COSTS)),
    default=None,
    help="quadratic, cross-entropy, or log-likelihood with a softmax output layer [quadratic].",
)
@click.option(
    "--init",
    type=click.Choice(list(INITIALISATIONS)),
    default=None,
    help="Initial weights: normal N(0,1) (chapter 1), scaled N(0,1/n_in), he N(0,2/n_in) [normal].",
)
@click.option(
    "--l2",
    type=click.FloatRange(min=0, max=1e6),
    default=None,
    help="L2 regularisation lambda, scaled by the training-set size as in the book [0].",
)
@click.option("--momentum", type=click.FloatRange(0, 1, max_open=True), default=None, help="[0]")
@click.option("--nesterov/--no-nesterov", default=None, help="Nesterov momentum [no].")
@click.option(
    "--weight-decay",
    type=click.FloatRange(min=0, max=1e3),
    default=None,
    help="Decoupled weight decay d: w <- w - eta d w each step [0].",
)
@click.option(
    "--dropout",
    type=click.FloatRange(0, 1, max_open=True),
    default=None,
    help="Probability of dropping each hidden neuron from a mini-batch [0].",
)
@click.option(
    "--schedule",
    type=click.Choice(SCHEDULES),
    default=None,
    help="Learning rate: constant; plateau (halve after --patience epochs without a better "
    "validation accuracy, stop at 1/128); cosine (down to 0 over the run) [constant].",
)
@click.option("--patience", type=click.IntRange(min=1), default=None, help="[10]")
@click.option(
    "--early-stopping",
    type=click.IntRange(min=1),
    default=None,
    metavar="EPOCHS",
    help="Stop after EPOCHS without a better validation accuracy; keep the best epoch's weights.",
)
@click.option(
    "--time-budget",
    type=Duration(),
    default=None,
    help="Stop after this long (e.g. 90s, 13.5m); a cosine schedule spans it.",
)
@click.option(
    "--augment/--no-augment",
    default=None,
    help="Train on fresh random distortions of the images each epoch [no].",
)
@click.option(
    "--seed",
    type=click.IntRange(0, MAX_SEED),
    default=None,
    help="Seed for the initial weights and the shuffling [default: random, recorded in the model].",
)
@click.option("--dtype", type=click.Choice(sorted(DTYPES)), default="float32", show_default=True)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_MODEL,
    show_default=True,
    help="Where to save the trained model.",
)
@click.option(
    "--training-size",
    type=click.IntRange(1, 50_000),
    default=None,
    help="Train on only the first N of the 50,000 training images (for quick experiments).",
)
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default="auto",
    show_default=True,
    help="compiled: the Numba kernel (digitnet[fast]); numpy: NumPy only; "
    "reference: the readable backprop; auto: the fastest available.",
)
@click.option(
    "--checkpoint",
    "checkpoint_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Save a checkpoint in this folder after every epoch (atomically), for --resume.",
)
@click.option(
    "--resume",
    is_flag=True,
    help="Go on with the run saved by --checkpoint DIR, with its settings, from its last epoch.",
)
@data_dir_option
@click.pass_context
def train_command(
    ctx: click.Context,
    preset: str,
    seed: int | None,
    dtype: str,
    out: Path,
    training_size: int | None,
    engine: str,
    checkpoint_dir: Path | None,
    resume: bool,
    data_dir: Path | None,
    **options: Any,
) -> None:
    """Train a network on MNIST by mini-batch stochastic gradient descent.

    The defaults are the book's experiment (--preset book); --preset best is the most
    accurate network this project trains in under 15 minutes. After each epoch it prints
    the accuracy on the 10,000 validation images (the last 10,000 of MNIST's training file)
    and on the 10,000 test images, and the cost on the validation images. Ctrl-C stops and
    keeps the model so far; with --checkpoint, --resume later ends exactly as an
    uninterrupted run would.
    """
    if resume and checkpoint_dir is None:
        raise click.UsageError("--resume needs --checkpoint DIR, the folder of the run")
    out = out.expanduser()
    out.parent.mkdir(parents=True, exist_ok=True)
    history: History | None = None
    if resume:
        assert checkpoint_dir is not None
        checkpoint = load_checkpoint(checkpoint_dir)
        refuse_changed_options(ctx, checkpoint)
        network, history, rng = checkpoint.network, checkpoint.history, checkpoint.rng
        settings, training_size = history.settings, checkpoint.extra.get("training_size")
        stdout.print(
            f"Resuming {network} from {checkpoint_path(checkpoint_dir)}: "
            f"{history.epochs_run} of {settings.epochs} epochs done"
        )
    else:
        if seed is None:
            seed = fresh_seed()
        given = {name: value for name, value in options.items() if value is not None}
        chosen = recipe(preset, seed=seed, engine=engine, dtype=dtype, **given)
        settings = chosen.settings
        if checkpoint_dir is not None and (settings.momentum or settings.early_stopping):
            raise DigitnetError(
                "--checkpoint cannot resume runs with momentum or early stopping yet"
            )
        network = chosen.build()
        rng = np.random.default_rng(seed)
    data = load_data(data_dir)
    training = data.training
    if training_size is not None:
        training = Dataset(training.images[:training_size], training.labels[:training_size])
    record = {"training_size": training_size}  # with the settings: all it takes to repeat it
    if not resume:
        stdout.print(f"Training {network} on {len(training):,} images: {describe(settings)}")
    with Progress(
        TextColumn("epoch {task.fields[epoch]}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
        console=stdout,
        transient=True,
        disable=not stdout.is_terminal,
    ) as progress:
        task = progress.add_task("", total=1, epoch=1)

        def on_batch(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        def on_epoch(history: History) -> None:
            progress.update(task, completed=0, epoch=history.epochs_run + 1)
            stdout.print(epoch_line(history))
            if checkpoint_dir is not None:
                save_checkpoint(checkpoint_dir, network, history, rng, extra=record)

        history = train(
            network,
            training,
            settings,
            monitor={"validation": data.validation, "test": data.test},
            on_batch=on_batch,
            on_epoch=on_epoch,
            rng=rng,
            history=history,
        )
    report_outcome(history)
    save(out, network, settings=settings, history=history, extra=record)
    stdout.print(f"Saved the model to {out}")
    if history.interrupted and checkpoint_dir is not None:
        stdout.print(
            f"The checkpoint holds epoch {history.epochs_run}; go on with: "
            f"digitnet train --checkpoint {checkpoint_dir} --resume"
        )


def describe(settings: TrainingSettings) -> str:
    """The settings in words: ``30 epochs, mini-batch 10, learning rate 3, seed 1``."""
    epochs = f"{settings.epochs} epoch" + ("s" if settings.epochs != 1 else "")
    if settings.time_budget is not None:
        epochs = f"up to {epochs} or {settings.time_budget / 60:g} minutes"
    rate = f"learning rate {settings.learning_rate:g}"
    if settings.schedule != "constant":
        rate += f" ({settings.schedule} schedule)"
    parts = [epochs, f"mini-batch {settings.mini_batch_size}", rate]
    if settings.cost != "quadratic":
        parts.append(f"{settings.cost} cost")
    if settings.momentum:
        kind = "Nesterov momentum" if settings.nesterov else "momentum"
        parts.append(f"{kind} {settings.momentum:g}")
    for name, label in (
        ("l2", "L2 lambda"),
        ("weight_decay", "weight decay"),
        ("dropout", "dropout"),
    ):
        if getattr(settings, name):
            parts.append(f"{label} {getattr(settings, name):g}")
    if settings.early_stopping is not None:
        parts.append(f"keeping the best epoch's weights (patience {settings.early_stopping})")
    if settings.augment:
        parts.append("fresh distortions each epoch")
    parts.append(f"seed {settings.seed}")
    return ", ".join(parts)


#: Options that a resumed run takes from its checkpoint: (option, settings field).
RESUMED_OPTIONS = (("seed", "seed"), ("engine", "engine"), *((n, n) for n in SETTINGS_OPTIONS))


def refuse_changed_options(ctx: click.Context, checkpoint: Checkpoint) -> None:
    """A resumed run keeps its settings: an option given with another value is an error."""
    settings = checkpoint.history.settings
    given = {
        name: ctx.params[name]
        for name in ctx.params
        if ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE
    }
    stored = {option: getattr(settings, field) for option, field in RESUMED_OPTIONS}
    stored |= {
        "sizes": checkpoint.network.sizes,
        "activation": checkpoint.network.activation.name,
        "dtype": np.dtype(checkpoint.network.dtype).name,
        "training_size": checkpoint.extra.get("training_size"),
    }
    for name, value in given.items():
        if name in stored and value != stored[name]:
            option = "--" + name.replace("_", "-")
            raise DigitnetError(
                f"{option} {value} differs from the checkpoint's {stored[name]}; "
                f"drop it to resume the run as it was"
            )


def epoch_line(history: History) -> str:
    """``Epoch 1/30: validation 9129 / 10000 (91.29%), test ..., cost 0.0123, 0.28 s``.

    A schedule adds the learning rate; sigmoid and tanh networks add the share of
    saturated hidden neurons (see :mod:`digitnet.saturation`).
    """
    parts = [
        f"{name} {history.correct[name][-1]} / {history.total[name]} "
        f"({history.accuracy[name][-1]:.2%})"
        for name in history.correct
    ]
    first = next(iter(history.cost), None)
    if first is not None:
        parts.append(f"cost {history.cost[first][-1]:.4f}")
    if history.settings.schedule != "constant" and history.learning_rates:
        parts.append(f"rate {history.learning_rates[-1]:.3g}")
    saturation = history.saturation[-1] if history.saturation else None
    if saturation is not None and history.settings.cost != "log-likelihood":
        parts.append(f"saturated {saturation:.0%}")
    return (
        f"Epoch {history.epochs_run}/{history.settings.epochs}: {', '.join(parts)}, "
        f"{history.seconds[-1]:.2f} s"
    )


#: Why a run ended early, as `report_outcome` says it.
STOP_REASONS = {
    RunEnd.TIME_BUDGET: "Stopped at the time budget after {epochs} epochs.",
    RunEnd.EARLY_STOPPING: (
        "Stopped early after {epochs} epochs: validation accuracy stopped improving."
    ),
    RunEnd.RATE_EXHAUSTED: (
        "Stopped after {epochs} epochs: the plateau schedule brought the rate down to 1/128."
    ),
}


def report_outcome(history: History) -> None:
    """One line each for divergence, a stall, an interruption, an early end, the best epoch."""
    if history.epochs_run == 0:
        stdout.print("Interrupted before the first epoch ended.")
        return
    if history.interrupted:
        stdout.print(f"Interrupted after {history.epochs_run} epochs; keeping the model so far.")
    if history.end in STOP_REASONS:
        stdout.print(STOP_REASONS[history.end].format(epochs=history.epochs_run))
    if history.diverged_epoch is not None:
        stdout.print(
            f"Training diverged at epoch {history.diverged_epoch}: the weights became "
            f"non-finite; try a smaller --learning-rate."
        )
        if history.kept_epoch is None:
            return
    best = history.best_epoch("validation")
    validation = history.accuracy["validation"][best - 1]
    test = history.accuracy["test"]
    stdout.print(
        f"Best epoch {best} by validation accuracy: validation {validation:.2%}, "
        f"test {test[best - 1]:.2%} (best test accuracy of any epoch {max(test):.2%})"
    )
    if history.kept_epoch is not None:
        stdout.print(f"The model keeps the weights of epoch {history.kept_epoch}.")
    mean_seconds = sum(history.seconds) / len(history.seconds)
    stdout.print(
        f"Training took {mean_seconds:.3f} s per epoch on average ({history.engine} engine), "
        f"{history.elapsed:.1f} s in all with evaluation."
    )
    if validation < STALLED_ACCURACY:
        stdout.print(
            f"The network stalled near chance ({validation:.1%}): the learning rate "
            f"{history.settings.learning_rate:g} is probably too large or too small."
        )


def load_model(path: Path | None) -> tuple[Path, SavedModel]:
    """Load ``path``, or the default model, saying how to make one when there is none."""
    if path is None:
        path = DEFAULT_MODEL
        if not path.exists():
            raise DigitnetError(
                f"no model given and no default model at {path}; "
                f"train one with `digitnet train` (or pass MODEL.npz)"
            )
    return path, load(path)


@main.command("evaluate")
@click.argument("model", required=False, type=click.Path(dir_okay=False, path_type=Path))
@data_dir_option
def evaluate_command(model: Path | None, data_dir: Path | None) -> None:
    """Accuracy of MODEL on the 10,000 MNIST test images, per digit, and the confusion matrix.

    MODEL defaults to the model `digitnet train` saved last.
    """
    path, saved = load_model(model)
    network = saved.network
    check_classifier_sizes(network.sizes, str(path))
    test = load_data(data_dir).test
    predicted = network.predict(test.images)
    confusion = confusion_matrix(test.labels, predicted)
    correct, total = int(np.trace(confusion)), len(test.labels)
    stdout.print(f"{path}: {correct} / {total} test images correct ({correct / total:.2%})")
    table = Table(title="Confusion matrix (rows: true digit, columns: predicted)")
    table.add_column("digit", justify="right")
    for d in range(10):
        table.add_column(str(d), justify="right")
    table.add_column("accuracy", justify="right")
    for d in range(10):
        row_total = int(confusion[d].sum())
        accuracy = confusion[d, d] / row_total if row_total else float("nan")
        table.add_row(str(d), *(str(v) for v in confusion[d]), f"{accuracy:.1%}")
    stdout.print(table)


#: What `digitnet plot` writes: digitnet.plots.FORMATS, named here so that the CLI does not
#: import matplotlib (an extra) until it draws.
PLOT_FORMATS = ("png", "svg")


@main.command("plot")
@click.argument("model", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder for the image files (created if missing).",
)
@click.option(
    "--format", "image_format", type=click.Choice(PLOT_FORMATS), default="png", show_default=True
)
@data_dir_option
def plot_command(
    model: Path | None, out_dir: Path, image_format: str, data_dir: Path | None
) -> None:
    """Draw MODEL's training and its test results as image files (needs digitnet[plots]).

    Writes into --out-dir: curves (accuracy and cost per epoch on each monitored data set),
    weights (each hidden neuron's incoming weights as a 28x28 image), confusion (the
    confusion matrix on the 10,000 test images) and mistakes (test digits the model gets
    wrong). MODEL defaults to the model `digitnet train` saved last.
    """
    try:
        from digitnet import plots
    except ModuleNotFoundError as exc:
        if exc.name != "matplotlib":
            raise
        raise DigitnetError(
            "`digitnet plot` needs matplotlib: pip install 'digitnet[plots]'"
        ) from exc
    path, saved = load_model(model)
    network = saved.network
    check_classifier_sizes(network.sizes, str(path))
    out_dir = out_dir.expanduser()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DigitnetError(f"{out_dir}: cannot create the folder: {exc.strerror or exc}") from exc
    test = load_data(data_dir).test
    predicted = network.predict(test.images)

    def write(name: str, figure: Any, what: str) -> None:
        written = plots.save_figure(figure, out_dir / f"{name}.{image_format}", image_format)
        click.echo(f"Wrote {written}: {what}")

    history = saved.history
    if history is None or not any(history.correct.values()):
        click.echo(f"{path} holds no training history: skipping the training curves.")
    else:
        write("curves", plots.training_curves(history), "accuracy and cost per epoch")
    write("weights", plots.hidden_weights(network), "the first layer's incoming weights")
    confusion = confusion_matrix(test.labels, predicted)
    write("confusion", plots.confusion_matrix_figure(confusion), "the test confusion matrix")
    mistakes = plots.misclassified_gallery(test.images, test.labels, predicted)
    write("mistakes", mistakes, "test digits the model gets wrong")


#: The seed of `digitnet baselines`' random guess, so that its row is the same every run.
RANDOM_GUESS_SEED = 0


@main.command("baselines")
@click.option(
    "--svm/--no-svm",
    default=True,
    show_default=True,
    help="Also train the SVMs (needs digitnet[baselines]; about 4 minutes each on all "
    "50,000 training images).",
)
@click.option(
    "--svm-training-size",
    type=click.IntRange(1, 50_000),
    default=None,
    help="Train the SVMs on only the first N training images (a quick look: seconds for 2,000).",
)
@data_dir_option
def baselines_command(svm: bool, svm_training_size: int | None, data_dir: Path | None) -> None:
    """What a network has to beat: the chapter's baselines on the 10,000 test images.

    A random guess; the average-darkness classifier (the digit whose mean total ink in the
    50,000 training images is nearest); and a support vector machine (scikit-learn's SVC,
    RBF kernel, C = 1) with the book's gamma = 1/784 (gamma="auto") and with today's
    default gamma="scale". The SVMs are slow: about 4 minutes each on all 50,000 training
    images (use --svm-training-size or --no-svm for a quick run).
    """
    from digitnet.baselines import (
        BOOK_CORRECT,
        DARKNESS,
        INSTALL_HINT,
        RANDOM_GUESS,
        SVM,
        baseline_correct,
    )

    data = load_data(data_dir)
    train, test = data.training, data.test
    table = Table(title=f"Baselines on the {len(test):,} MNIST test images")
    for name in ("method", f"correct / {len(test):,}", "accuracy", "the book", "seconds"):
        table.add_column(name, justify="left" if name == "method" else "right")

    def add_row(method: str, correct: int, seconds: float, book: int | None = None) -> None:
        book_text = f"{book:,}" if book is not None else ""
        table.add_row(
            method, f"{correct:,}", f"{correct / len(test):.2%}", book_text, f"{seconds:.1f}"
        )

    start = time.perf_counter()
    correct = baseline_correct(RANDOM_GUESS, train, test, seed=RANDOM_GUESS_SEED)
    add_row(f"random guess (seed {RANDOM_GUESS_SEED})", correct, time.perf_counter() - start)
    start = time.perf_counter()
    correct = baseline_correct(DARKNESS, train, test)
    add_row("average darkness", correct, time.perf_counter() - start, BOOK_CORRECT["darkness"])
    missing = False  # scikit-learn, found absent by the first SVM
    if svm:
        n = len(train) if svm_training_size is None else min(svm_training_size, len(train))
        for gamma, label in (
            ("auto", 'gamma="auto" (1/784, the book\'s)'),
            ("scale", 'gamma="scale" (today\'s default)'),
        ):
            method = f"SVM {label}" + (f", first {n:,} images" if n < len(train) else "")
            if missing:
                table.add_row(method, "needs scikit-learn", "", "", "")
                continue
            start = time.perf_counter()
            try:
                with stdout.status(f"Training the SVM ({label}) on {n:,} images..."):
                    correct = baseline_correct(
                        SVM, train, test, gamma=gamma, training_size=svm_training_size
                    )
            except MissingExtra:
                missing = True
                table.add_row(method, "needs scikit-learn", "", "", "")
                continue
            book = BOOK_CORRECT.get(gamma) if n == len(train) else None
            add_row(method, correct, time.perf_counter() - start, book)
    stdout.print(table)
    if missing:
        stdout.print(f"The SVM rows need scikit-learn: {INSTALL_HINT}", markup=False)


@main.command("predict")
@click.argument("args", nargs=-1, required=True, metavar="[MODEL] IMAGE...")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per image.")
def predict_command(args: Sequence[str], as_json: bool) -> None:
    """Classify your own images of one handwritten digit each (PNG, JPEG, ...).

    Any size, dark ink on light paper or light on dark, colour or grey: each image is
    converted the way MNIST was made (grey, cropped to the ink, scaled into 20x20, centred
    by centre of mass in 28x28). MODEL (a .npz file) defaults to the model `digitnet train`
    saved last. Confidence is the winning output's share of all ten output activations;
    an answer is marked unsure when no output reaches 0.5 or the runner-up is over half the
    winner.
    """
    from digitnet.decision import decide
    from digitnet.imaging import preprocess

    model = Path(args[0]) if args[0].lower().endswith(".npz") else None
    images = list(args[1:] if model is not None else args)
    if not images:
        raise click.UsageError("give at least one IMAGE to classify")
    path, saved = load_model(model)
    if saved.network.sizes[0] != 784:
        raise DigitnetError(
            f"{path}: network {list(saved.network.sizes)} does not take 28x28 images"
        )
    failures = 0
    for image in images:
        try:
            pixels = preprocess(image)
        except ImageError as exc:
            failures += 1
            click.echo(f"Error: {exc}", err=True)
            continue
        outputs = saved.network.feedforward(pixels).astype(np.float64)
        decision = decide(outputs)
        if as_json:
            record = {
                "file": image,
                "digit": decision.digit,
                "confidence": round(decision.confidence, 4),
                "unsure": decision.unsure,
                "outputs": [round(float(a), 6) for a in outputs],
            }
            click.echo(json.dumps(record))
        else:
            unsure = f" (unsure: {decision.reason})" if decision.unsure else ""
            click.echo(f"{image}: {decision.digit} (confidence {decision.confidence:.2f}){unsure}")
    if failures:
        sys.exit(1)


@main.command("gates")
def gates_command() -> None:
    """Perceptrons as logic gates: truth tables, NAND-only adders and the learning rule."""
    from digitnet.perceptron import (
        AND,
        NAND,
        NOT,
        OR,
        add_bits,
        format_truth_table,
        half_adder,
        learn_perceptron,
        ripple_carry_adder,
        truth_table,
    )

    for gate in (AND, OR, NOT, NAND):
        weights = ", ".join(f"{w:g}" for w in gate.weights)
        click.echo(f"{gate.name}: weights ({weights}), bias {gate.bias:g}")
        click.echo(format_truth_table(gate))
        click.echo()
    click.echo("Half adder made only of NAND perceptrons (sum = x1 XOR x2, carry = x1 AND x2):")
    click.echo(format_truth_table(half_adder()))
    click.echo()
    n_gates = len(ripple_carry_adder(GATES_DEMO_BITS).gates)
    a, b = GATES_DEMO_SUM
    click.echo(
        f"A {GATES_DEMO_BITS}-bit adder of {n_gates} NAND perceptrons: "
        f"{a} + {b} = {add_bits(a, b, GATES_DEMO_BITS)}"
    )
    click.echo()
    click.echo("The perceptron learning rule, from each gate's truth table:")
    for gate in (AND, OR, NAND):
        rows = truth_table(gate)
        inputs = np.array([row[0] for row in rows])
        targets = np.array([row[1][0] for row in rows])
        result = learn_perceptron(inputs, targets)
        learned = result.perceptron
        weights = ", ".join(f"{w:g}" for w in learned.weights)
        click.echo(
            f"  {gate.name}: learned weights ({weights}), bias {learned.bias:g} "
            f"in {result.epochs} epochs"
        )
    xor = learn_perceptron(np.array([[0, 0], [0, 1], [1, 0], [1, 1]]), np.array([0, 1, 1, 0]))
    click.echo(f"  XOR: {xor.reason}")


@main.command("serve")
@click.argument("model", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; 0.0.0.0 lets other machines in (careful).",
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="0: any free."
)
@data_dir_option
def serve_command(model: Path | None, host: str, port: int, data_dir: Path | None) -> None:
    """Open the web app: draw a digit and watch the network read it, train, play with gates.

    MODEL defaults to the model `digitnet train` saved last. A network trained on the page
    becomes the current model at once and is saved to MODEL (or to that default).
    """
    try:
        import uvicorn

        from digitnet.web import create_app
        from digitnet.web.server import LOOPBACK_HOSTS
    except ModuleNotFoundError as exc:
        raise DigitnetError(
            f"`digitnet serve` needs {exc.name}: pip install 'digitnet[web]'"
        ) from None
    path = (model or DEFAULT_MODEL).expanduser()
    loopback = is_loopback(host)
    app = create_app(path, data_dir=data_dir, allowed_hosts=LOOPBACK_HOSTS if loopback else None)
    listener = listen_socket(host, port)
    if not loopback:
        stderr.print(
            f"Warning: {host} is not a loopback address: anyone who can reach this machine "
            f"can use the page, and train and save models."
        )
    if path.exists():
        stdout.print(f"Model: {path}")
    else:
        stdout.print(f"No model at {path} yet: train one on the page; it will be saved there.")
    stdout.print(f"Serving digitnet on {page_url(host, listener)} (Ctrl-C to stop)")
    config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=5)
    uvicorn.Server(config).run(sockets=[listener])


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def listen_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host``:``port``, so a busy port is a one-line error."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise DigitnetError(f"--host {host}: cannot resolve it ({exc.strerror})") from None
    listener = socket.socket(family, kind, proto)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(address)
        listener.listen()  # from now on connections wait in the queue for the server
    except OSError as exc:
        listener.close()
        raise DigitnetError(f"cannot listen on {host} port {port}: {exc.strerror}") from None
    return listener


def page_url(host: str, listener: socket.socket) -> str:
    """The address to open in a browser on this machine."""
    address = ipaddress.ip_address(listener.getsockname()[0].split("%")[0])
    port = listener.getsockname()[1]
    if address.is_unspecified:  # 0.0.0.0 or ::, reachable here through loopback
        address = ipaddress.ip_address("127.0.0.1" if address.version == 4 else "::1")
    name = "localhost" if host == "localhost" else str(address)
    return f"http://[{name}]:{port}/" if ":" in name else f"http://{name}:{port}/"


#: Columns `digitnet reproduce` may use for its table when stdout is not a terminal, and
#: the narrowest the experiments' names may get in a narrow terminal.
REPRODUCE_TABLE_WIDTH = 160
REPRODUCE_NAME_WIDTH = 20


@main.command("reproduce")
@click.option(
    "--quick",
    is_flag=True,
    help="A short look in well under two minutes: 2 seeds and 4 epochs a row, the SVMs on "
    "the first 3,000 training images.",
)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reproduce-results"),
    show_default=True,
    help="Folder for the report, the CSV files and the curves (created if missing).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 2),
    default=2,
    show_default=True,
    help="Runs at once: 2 runs each in its own process on one core; 1 runs them here.",
)
@click.option(
    "--svm/--no-svm",
    default=True,
    show_default=True,
    help="Include the SVM baselines (needs digitnet[baselines]; about 4 minutes each "
    "without --quick).",
)
@click.option("--epochs", type=click.IntRange(min=1), default=None, hidden=True)
@click.option("--training-size", type=click.IntRange(1, 50_000), default=None, hidden=True)
@data_dir_option
def reproduce_command(
    quick: bool,
    out_dir: Path,
    workers: int,
    svm: bool,
    epochs: int | None,
    training_size: int | None,
    data_dir: Path | None,
) -> None:
    """Chapter 1's results table in one command: every experiment, several seeds each.

    Trains [784, 30, 10] and [784, 100, 10] as the book did (learning rate 3.0, N(0, 1)
    weights), [784, 100, 10] with N(0, 1/n_in) weights, learning rates 0.001 and 100, and
    [784, 10] without a hidden layer, and chapter 3's [784, 100, 10] with cross-entropy,
    L2 and scaled weights (3 seeds a row, 5 for the two compared [784, 100, 10] rows, 30
    epochs), and runs the baselines: random guess, average darkness and the SVMs. The
    table puts the book's figures beside the mean, spread and stalled runs of ours; the
    files in --out-dir hold the report (results.md), the statistics per row and per run
    (CSV), and the accuracy curves of every row (curves.png, needs digitnet[plots]). The
    full run takes several minutes on two cores; --quick takes well under two.
    """
    from rich.progress import MofNCompleteColumn, TimeElapsedColumn
    from rich.text import Text

    from digitnet import reproduce

    rows = reproduce.experiments(
        "quick" if quick else "full", svm=svm, epochs=epochs, training_size=training_size
    )
    out_dir = out_dir.expanduser()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DigitnetError(f"{out_dir}: cannot create the folder: {exc.strerror or exc}") from exc
    load_data(data_dir)  # download now if missing; each worker then reads the files itself
    total = len(reproduce.jobs(rows))
    stdout.print(
        f"Reproducing chapter 1{' (quick look)' if quick else ''}: {len(rows)} rows, "
        f"{total} runs, {workers} at a time"
    )
    by_key = {experiment.key: experiment for experiment in rows}
    start = time.perf_counter()
    with Progress(
        TextColumn("runs"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stdout,
        transient=True,
        disable=not stdout.is_terminal,
    ) as progress:
        task = progress.add_task("", total=total)

        def on_result(done: int, total: int, result: reproduce.RunResult) -> None:
            progress.update(task, completed=done)
            line = reproduce.describe_run(result, by_key[result.key])
            stdout.print(f"[{done}/{total}] {line}", markup=False)

        results = reproduce.run(rows, data_dir=data_dir, workers=workers, on_result=on_result)
    stdout.print(f"All {total} runs took {time.perf_counter() - start:.0f} s.")
    summaries = reproduce.summarise_all(rows, results)
    table = Table(title="Chapter 1's results, reproduced")
    for i, name in enumerate(reproduce.TABLE_HEADER):  # only the experiment's name wraps
        if i == 0:
            table.add_column(name, min_width=REPRODUCE_NAME_WIDTH)
        else:
            table.add_column(name, justify="right", no_wrap=True)
    for cells in reproduce.table_rows(summaries):
        table.add_row(*(Text(cell) for cell in cells))  # text, not rich markup
    # On a pipe or in a file the table keeps its natural width rather than rich's 80 columns.
    wide = Console(highlight=False, width=REPRODUCE_TABLE_WIDTH)
    (stdout if stdout.is_terminal else wide).print(table)
    stdout.print(reproduce.caption(rows), markup=False)
    paragraph = reproduce.explanation(summaries)
    if paragraph is not None:
        stdout.print()
        stdout.print(paragraph, markup=False)
    stdout.print()
    for path in reproduce.write_reports(out_dir, rows, results).values():
        stdout.print(f"Wrote {path}", markup=False)
    write_reproduction_curves(out_dir / "curves.png", reproduce.row_curves(rows, results))


def write_reproduction_curves(path: Path, rows: Sequence[Any]) -> None:
    """Draw the rows' accuracy curves to ``path``, or say in one line what is missing."""
    if not rows:
        return
    try:
        from digitnet import plots
    except ModuleNotFoundError as exc:
        if exc.name != "matplotlib":
            raise
        stdout.print(
            f"Skipped {path.name}: drawing the curves needs matplotlib: "
            f"pip install 'digitnet[plots]'",
            markup=False,
        )
        return
    written = plots.save_figure(plots.reproduction_curves(rows), path)
    stdout.print(f"Wrote {written}: accuracy per epoch of each network row", markup=False)
