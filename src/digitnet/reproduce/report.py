"""The table in words: a line per run, the table's cells, the caption, the teacher's paragraph.

:func:`describe_run` says how a run ended, :func:`table_rows` gives the cells the CLI and
:func:`markdown` show, :func:`caption` what the numbers mean, and :func:`explanation` why the
book's [784, 100, 10] lags the same network with scaled weights, in the measured numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from digitnet.activations import SIGMOID
from digitnet.data.mnist import N_TRAINING
from digitnet.handwriting import DEFAULT_SEED, STYLES
from digitnet.history import STALLED_ACCURACY
from digitnet.reproduce.chapter6 import CHAPTER as CHAPTER6
from digitnet.reproduce.chapter6 import DROPOUT_EPOCHS, NETWORK3_L2_SCALE
from digitnet.reproduce.chapter6 import FULL_EPOCHS as CHAPTER6_EPOCHS
from digitnet.reproduce.runs import RunResult
from digitnet.reproduce.statistics import RowSummary
from digitnet.reproduce.table import (
    COST,
    DTYPE,
    ENSEMBLE,
    FIRST_SEED,
    FULL_EPOCHS,
    MINI_BATCH_SIZE,
    NETWORK,
    Experiment,
)
from digitnet.saturation import SATURATION_LEVEL, SATURATION_SAMPLE

#: |z| above which a sigmoid neuron counts as saturated: sigma'(z) < SATURATION_LEVEL / 4,
#: that is |z| > 4.6 (see :mod:`digitnet.saturation`).
SATURATED_Z = -math.log(
    (1 - math.sqrt(1 - 4 * SATURATION_LEVEL * SIGMOID.peak_derivative))
    / (1 + math.sqrt(1 - 4 * SATURATION_LEVEL * SIGMOID.peak_derivative))
)

#: Saturation at the end of training above which the explanation calls it confidence: a
#: trained network's neurons sit near 0 or 1 on many images (about half or more after a
#: few epochs at learning rate 3).
CONFIDENT_SATURATION = 0.25


def describe_run(result: RunResult, experiment: Experiment) -> str:
    """One line on a finished run, e.g. ``a. [784, 30, 10] ..., seed 1: best test accuracy
    95.31% at epoch 27 (12.3 s)``."""
    network = experiment.method == NETWORK
    keyed = experiment.method in (NETWORK, ENSEMBLE)
    name = f"{experiment.key}. {experiment.title}" if keyed else experiment.title
    if len(experiment.seeds) > 1:
        name += f", seed {result.seed}"
    if result.accuracy is None:
        return f"{name}: {result.missing}"
    if not network:
        return f"{name}: {result.accuracy:.2%} ({result.seconds:.1f} s)"
    stalled = " (stalled)" if result.stalled else ""
    diverged = f", diverged at epoch {result.diverged_epoch}" if result.diverged_epoch else ""
    return (
        f"{name}: best test accuracy {result.accuracy:.2%} at epoch {result.best_epoch}"
        f"{stalled}{diverged} ({result.seconds:.1f} s)"
    )


#: The table's columns; :func:`table_rows` gives the cells, for Markdown and for the CLI.
TABLE_HEADER = (
    "experiment",
    "book",
    "ours (best epoch)",
    "min-max",
    "own handwriting",
    "runs",
    "stalled",
    "saturation",
)


#: The book column of a row for which chapter 1 gives no figure.
NO_BOOK_FIGURE = "—"


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.2%}"


def table_rows(summaries: Sequence[RowSummary]) -> list[tuple[str, ...]]:
    """The cells of :data:`TABLE_HEADER` for each row, as plain text."""
    rows: list[tuple[str, ...]] = []
    for s in summaries:
        e = s.experiment
        name = f"{e.key}. {e.label}" if e.method in (NETWORK, ENSEMBLE) else e.label
        book = e.book or NO_BOOK_FIGURE
        if s.mean is None:
            rows.append((name, book, s.missing or "", "", "", "0", "", ""))
            continue
        ours = _percent(s.mean) + (f" ± {100 * s.std:.2f}" if s.std is not None else "")
        spread = ""
        if s.runs > 1 and s.low is not None and s.high is not None:
            spread = f"{100 * s.low:.2f}-{100 * s.high:.2f}"
        stalled = "" if s.stalled is None else str(s.stalled)
        if s.diverged:
            stalled += f" ({s.diverged} diverged)"
        saturation = ""
        if s.saturation_start is not None and s.saturation_end is not None:
            saturation = f"{s.saturation_start:.0%} → {s.saturation_end:.0%}"
        own = _percent(s.handwriting)
        rows.append((name, book, ours, spread, own, str(s.runs), stalled, saturation))
    return rows


def title(rows: Sequence[Experiment]) -> str:
    """The table's title: ``"Chapter 1's results, reproduced"``."""
    return f"Chapter {rows[0].chapter if rows else 1}'s results, reproduced"


def caption(rows: Sequence[Experiment]) -> str:
    """What the table's numbers are: the data, the networks' settings, the definitions."""
    if rows and rows[0].chapter == CHAPTER6:
        return _chapter6_caption(rows)
    networks = [e for e in rows if e.method == NETWORK]
    text = "Accuracy on MNIST's 10,000 test images."
    if networks:
        epochs = sorted({e.epochs for e in networks})
        sizes = sorted({e.training_size or N_TRAINING for e in networks})
        epochs_text = "/".join(str(n) for n in epochs) + (" epoch" if epochs == [1] else " epochs")
        sizes_text = "/".join(f"{n:,}" for n in sizes)
        text += (
            f" Networks: sigmoid neurons, {COST} cost unless the row says otherwise, "
            f"mini-batches of {MINI_BATCH_SIZE}, "
            f"{epochs_text} on {sizes_text} training images, {DTYPE}, the book's "
            f"N(0, 1) initial weights unless the row says N(0, 1/n_in); one run per seed "
            f"({FIRST_SEED}, {FIRST_SEED + 1}, ...). 'Best epoch' is the highest test "
            f"accuracy of any epoch, the figure the book quotes: the mean over the runs "
            f"± their sample standard deviation, and the lowest and highest run, in percent. "
            f"A run is stalled when it stays near chance: no epoch's validation accuracy "
            f"reaches {STALLED_ACCURACY:.0%} (a run that learns what its network can, however "
            f"little, has not stalled). Saturation is the share of hidden neuron-image pairs, on "
            f"{SATURATION_SAMPLE:,} validation images, with sigma'(z) < "
            f"{SATURATION_LEVEL * SIGMOID.peak_derivative:g} (|z| > {SATURATED_Z:.1f}): "
            f"before training → after the last epoch, the mean over the runs."
        )
        scored = sorted({e.handwriting for e in networks if e.handwriting})
        if scored:
            text += (
                f" 'Own handwriting' is the last epoch's accuracy on digitnet's own set of "
                f"non-MNIST digits ({'/'.join(str(n * len(STYLES)) for n in scored)} images "
                f"drawn with the seed {DEFAULT_SEED} in {len(STYLES)} styles: "
                f"{', '.join(STYLES)}), read through digitnet's pipeline, the mean over the "
                f"runs."
            )
        if epochs != [FULL_EPOCHS] or sizes != [N_TRAINING]:
            text += (
                " This is a short run, not a reproduction: the book's figures are for "
                f"{FULL_EPOCHS} epochs on all 50,000 training images."
            )
    return text


def _chapter6_caption(rows: Sequence[Experiment]) -> str:
    networks = [e for e in rows if e.method == NETWORK]
    epochs = sorted({e.epochs for e in networks})
    sizes = sorted({e.training_size or N_TRAINING for e in networks})
    ensemble = next((e for e in rows if e.method == ENSEMBLE), None)
    text = (
        "Accuracy on MNIST's 10,000 test images. Networks: softmax output, log-likelihood "
        f"cost, mini-batches of {MINI_BATCH_SIZE}, "
        f"{'/'.join(map(str, epochs))} {'epoch' if epochs == [1] else 'epochs'} on "
        f"{'/'.join(f'{n:,}' for n in sizes)} "
        f"training images (five times as many, shifted by a pixel, where the row says "
        f"'expanded'), {DTYPE}; N(0, 1/n_in) initial weights for sigmoid rows, He's for ReLU "
        f"rows; the book's L2 lambda 0.1 is digitnet's {0.1 * NETWORK3_L2_SCALE:g} (network3.py "
        f"divides its term by the number of mini-batches, digitnet by the number of images). "
        f"One run per seed ({FIRST_SEED}, {FIRST_SEED + 1}, ...). 'Best epoch' is the highest "
        f"test accuracy of any epoch, the figure the book quotes: the mean over the runs ± "
        f"their sample standard deviation, and the lowest and highest run, in percent."
    )
    if ensemble is not None:
        text += (
            f" Row {ensemble.key} averages the output probabilities of row "
            f"{ensemble.ensemble_of}'s networks after their last epoch (the book let its five "
            f"vote), one figure."
        )
    short = any(e.epochs < (DROPOUT_EPOCHS if e.dropout else CHAPTER6_EPOCHS) for e in networks)
    if short or sizes != [N_TRAINING]:
        text += (
            " This is a short run, not a reproduction: the book's figures are for "
            f"{CHAPTER6_EPOCHS} epochs ({DROPOUT_EPOCHS} for the dropout row) on all "
            f"50,000 training images."
        )
    return text


def markdown_table(summaries: Sequence[RowSummary]) -> str:
    """The table in Markdown (GitHub's pipe tables)."""
    lines = [
        "| " + " | ".join(TABLE_HEADER) + " |",
        "|" + "|".join(":--" if i == 0 else "--:" for i in range(len(TABLE_HEADER))) + "|",
    ]
    lines += ["| " + " | ".join(cells) + " |" for cells in table_rows(summaries)]
    return "\n".join(lines)


def explanation(summaries: Sequence[RowSummary]) -> str | None:
    """A teacher's paragraph on why row b lags row c, with the measured numbers.

    None unless rows b and c both ran networks with hidden layers.
    """
    by_key = {s.experiment.key: s for s in summaries}
    book, scaled = by_key.get("b"), by_key.get("c")
    if book is None or scaled is None or book.experiment.chapter != 1:
        return None
    needed = ("mean", "median", "low", "saturation_start", "saturation_end", "z_spread_start")
    if any(getattr(s, name) is None for s in (book, scaled) for name in needed):
        return None
    # checked above; the asserts tell mypy
    assert book.mean is not None and scaled.mean is not None
    assert scaled.saturation_end is not None
    outcome = (
        "So the network learned with the few neurons left in the steep middle"
        if book.mean < scaled.mean
        else "In these runs the network made up for it with the neurons left in the steep "
        "middle (with more seeds or epochs the gap may show)"
    )
    ending = (
        ": a trained neuron is confidently near 0 or 1 on the images it has learned to tell "
        "apart. Saturation does its harm at the start, before a neuron has learned anything."
        if scaled.saturation_end >= CONFIDENT_SATURATION
        else "."
    )
    return (
        f"Why the book's [784, 100, 10] and the same network with 1/sqrt(n_in) weights "
        f"differ. A hidden neuron learns in proportion to sigma'(z), and sigma' is almost 0 "
        f"once |z| is above {SATURATED_Z:.1f}, on the sigmoid's flat tails. With the book's "
        f"N(0, 1) weights, z = w . x + b adds up every inked pixel times a random weight: in "
        f"these runs it started with a standard deviation of {book.z_spread_start:.1f}, so "
        f"{book.saturation_start:.0%} of the hidden neuron-image pairs on the validation set "
        f"began saturated, and those neurons barely moved. {outcome}: its best-epoch test "
        f"accuracy was {_percent(book.mean)} on average (median {_percent(book.median)}, "
        f"lowest {_percent(book.low)} over {book.runs} runs). Drawing the weights from "
        f"N(0, 1/n_in), 1/sqrt(784) = 1/28 as large, leaves z with a standard deviation of "
        f"{scaled.z_spread_start:.1f}: "
        f"{scaled.saturation_start:.0%} of the pairs began saturated, every neuron could "
        f"learn from the first mini-batch, and the same network reached "
        f"{_percent(scaled.mean)} (median {_percent(scaled.median)}, lowest "
        f"{_percent(scaled.low)} over {scaled.runs} runs). By the last "
        f"epoch {scaled.saturation_end:.0%} of its pairs were saturated (against "
        f"{book.saturation_end:.0%} with N(0, 1))" + ending
    )


def markdown(rows: Sequence[Experiment], summaries: Sequence[RowSummary]) -> str:
    """The report: a title, the caption, the table and the explanation, in Markdown."""
    parts = [
        f"# {title(rows)}",
        caption(rows),
        markdown_table(summaries),
    ]
    paragraph = explanation(summaries)
    if paragraph is not None:
        parts.append(paragraph)
    return "\n\n".join(parts) + "\n"
