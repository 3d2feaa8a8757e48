"""``digitnet baselines``: what a network has to beat, on the 10,000 test images."""

from __future__ import annotations

import time
from pathlib import Path

import click
from rich.table import Table

from digitnet.cli.options import data_dir_option, load_data
from digitnet.cli.progress import spinner, stdout
from digitnet.data import N_TRAINING
from digitnet.errors import MissingExtra

#: The seed of `digitnet baselines`' random guess, so that its row is the same every run.
RANDOM_GUESS_SEED = 0


@click.command("baselines")
@click.option(
    "--svm/--no-svm",
    default=True,
    show_default=True,
    help="Also train the SVMs (needs digitnet[baselines]; about 4 minutes each on all "
    "50,000 training images).",
)
@click.option(
    "--svm-training-size",
    type=click.IntRange(1, N_TRAINING),
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
                with spinner(f"Training the SVM ({label}) on {n:,} images..."):
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
