"""The chapter's table as data: every experiment of chapter 1, with the book's figures.

Chapter 1 quotes a handful of figures on MNIST's 10,000 test images: 95.42% for a
[784, 30, 10] network trained with learning rate 3.0, 96.59% for [784, 100, 10], "far worse"
for learning rates 0.001 and 100, and the baselines a network has to beat (average darkness
2,225, an SVM 9,435). :func:`experiments` lists those rows (``"full"``: the book's 30
epochs; ``"quick"``: a short look, 2 seeds and 4 epochs, SVMs on a slice), and :func:`jobs`
the runs they make, one per row and seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from digitnet.baselines import BOOK_CORRECT, BOOK_TEST_IMAGES, DARKNESS, RANDOM_GUESS, SVM
from digitnet.errors import ConfigError
from digitnet.handwriting import DEFAULT_PER_STYLE

#: How much to run: "full" is the book's 30 epochs on all 50,000 training images; "quick"
#: takes well under two minutes on two cores and is a look, not a reproduction.
MODES = ("full", "quick")

#: Epochs and seeds per row. Rows b and c, the initialisations compared, get more seeds,
#: because the book's initialisation makes [784, 100, 10] sometimes stall and sometimes not.
FULL_EPOCHS = 30
FULL_SEEDS = 3
FULL_SEEDS_COMPARED = 5
QUICK_EPOCHS = 4
QUICK_SEEDS = 2
#: Seeds are 1, 2, 3, ...: rows with the same sizes then start from the same random draws
#: and shuffle alike, so rows b and c differ only in the scale of the initial weights.
FIRST_SEED = 1
#: Quick mode trains the SVMs on only the first this-many training images (seconds, not
#: minutes); their rows say so.
QUICK_SVM_TRAINING_SIZE = 3_000
#: Images per style of digitnet's own handwriting set (:mod:`digitnet.handwriting`) that
#: each trained network is also scored on: the whole set, or a small one for a quick look.
FULL_HANDWRITING = DEFAULT_PER_STYLE
QUICK_HANDWRITING = 20

#: Everything the networks share: the chapter's sigmoid neurons, quadratic cost and
#: mini-batches of 10, computed in float32 by the fastest engine (the compiled kernel).
MINI_BATCH_SIZE = 10
COST = "quadratic"
DTYPE = "float32"
ENGINE = "auto"

#: What a row runs: a network, one of the chapter's baselines (named in
#: :mod:`digitnet.baselines`), or an ensemble of another row's networks (chapter 6), which
#: trains nothing and is counted once that row's runs are done.
NETWORK = "network"
ENSEMBLE = "ensemble"
METHODS = (NETWORK, RANDOM_GUESS, DARKNESS, SVM, ENSEMBLE)


@dataclass(frozen=True)
class Experiment:
    """One row of the table: a network or a baseline, run once per seed.

    Attributes
    ----------
    key : str
        Short name: ``"a"`` to ``"g"`` for the networks, ``"random"``, ``"darkness"``,
        ``"svm-auto"``, ``"svm-scale"`` for the baselines.
    title : str
        What the row is, in words, e.g. ``"[784, 30, 10], learning rate 3, N(0, 1) weights"``.
    label : str
        The same, short, for the table: ``"[784, 30, 10], rate 3"``.
    method : {"network", "random guess", "average darkness", "SVM"}
    sizes, learning_rate, init, epochs, cost, l2
        The network and its training (unused by baselines); ``init`` is a key of
        :data:`digitnet.network.INITIALISATIONS`, ``cost`` of :data:`digitnet.costs.COSTS`,
        ``l2`` the L2 regularisation's lambda.
    seeds : tuple of int
        One run per seed; a deterministic baseline has a single "seed" that it ignores.
    gamma : {"auto", "scale"} or None
        The SVM's kernel width.
    training_size : int or None
        Train on only the first this-many of the 50,000 training images (None: all).
    book_accuracy : float or None
        The book's figure on the test images, when chapter 1 gives one.
    book_note : str
        What the book says instead of a number (e.g. "far worse"), or "".
    handwriting : int
        Images per style of digitnet's own handwriting set that a trained network is also
        scored on (0: none).
    chapter : int
        The book's chapter the row comes from (1 or 6): which caption the table gets.
    layers : str or None
        A conv network's layers (:mod:`digitnet.conv.spec`) instead of ``sizes``.
    activation : str
        The hidden layers' activation.
    dropout : float
        Dropout on the inputs of the fully-connected layers (conv networks).
    expand : bool
        Train on the book's expanded set: each image and its four one-pixel shifts.
    keep_outputs : bool
        Keep each run's output probabilities on the test images, for an ensemble row.
    ensemble_of : str or None
        For an ensemble row, the key of the row whose networks it combines (all its seeds).
    """

    key: str
    title: str
    label: str
    method: str = NETWORK
    sizes: tuple[int, ...] = ()
    learning_rate: float = 3.0
    init: str = "normal"
    epochs: int = FULL_EPOCHS
    seeds: tuple[int, ...] = (FIRST_SEED,)
    gamma: str | None = None
    training_size: int | None = None
    book_accuracy: float | None = None
    book_note: str = ""
    cost: str = COST
    l2: float = 0.0
    handwriting: int = 0
    chapter: int = 1
    layers: str | None = None
    activation: str = "sigmoid"
    dropout: float = 0.0
    expand: bool = False
    keep_outputs: bool = False
    ensemble_of: str | None = None

    @property
    def book(self) -> str:
        """The book's figure as the table shows it: ``"95.42%"``, ``"far worse"`` or ``""``."""
        if self.book_accuracy is not None:
            return f"{self.book_accuracy:.2%}"
        return self.book_note


def _seeds(count: int) -> tuple[int, ...]:
    return tuple(range(FIRST_SEED, FIRST_SEED + count))


def check_overrides(
    mode: str, epochs: int | None, training_size: int | None, handwriting: int | None
) -> None:
    """Refuse a mode or an override of :func:`experiments` that is not one, in one line."""
    if mode not in MODES:
        raise ConfigError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if handwriting is not None and (
        isinstance(handwriting, bool) or not isinstance(handwriting, int) or handwriting < 0
    ):
        raise ConfigError(f"handwriting must be a whole number or None, got {handwriting!r}")
    for name, value in (("epochs", epochs), ("training_size", training_size)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ConfigError(f"{name} must be a positive integer or None, got {value!r}")
        if value is not None and value < 1:
            raise ConfigError(f"{name} must be a positive integer or None, got {value!r}")


def experiments(
    mode: str = "full",
    *,
    svm: bool = True,
    epochs: int | None = None,
    training_size: int | None = None,
    handwriting: int | None = None,
) -> tuple[Experiment, ...]:
    """The chapter's experiments: six networks (rows a-f), chapter 3's (row g), the baselines.

    Parameters
    ----------
    mode : {"full", "quick"}
        "full": 30 epochs, 3 seeds a row (5 for rows b and c), SVMs on all 50,000 training
        images (about 4 minutes each). "quick": 4 epochs, 2 seeds a row, SVMs on the first
        3,000 images.
    svm : bool
        Include the two SVM rows (they need scikit-learn).
    epochs : int, optional
        Train the networks this many epochs instead of the mode's (for tests).
    training_size : int, optional
        Train everything on only the first this-many training images (for tests).
    handwriting : int, optional
        Images per style of the handwriting set each network is scored on, instead of the
        mode's (200 full, 20 quick); 0 for none.

    Returns
    -------
    tuple of Experiment
        Rows a-g, then random guess, average darkness and the SVMs.
    """
    check_overrides(mode, epochs, training_size, handwriting)
    quick = mode == "quick"
    n_epochs = epochs or (QUICK_EPOCHS if quick else FULL_EPOCHS)
    seeds = _seeds(QUICK_SEEDS if quick else FULL_SEEDS)
    compared = _seeds(QUICK_SEEDS if quick else FULL_SEEDS_COMPARED)
    if handwriting is None:
        handwriting = QUICK_HANDWRITING if quick else FULL_HANDWRITING
    net: dict[str, Any] = {
        "epochs": n_epochs,
        "training_size": training_size,
        "seeds": seeds,
        "handwriting": handwriting,
    }
    rows = [
        Experiment("a", "[784, 30, 10], learning rate 3, N(0, 1) weights (the book's)",
                   "[784, 30, 10], rate 3", sizes=(784, 30, 10), book_accuracy=0.9542, **net),
        Experiment("b", "[784, 100, 10], learning rate 3, N(0, 1) weights (the book's)",
                   "[784, 100, 10], rate 3", sizes=(784, 100, 10), book_accuracy=0.9659,
                   **(net | {"seeds": compared})),
        Experiment("c", "[784, 100, 10], learning rate 3, N(0, 1/n_in) weights (chapter 3)",
                   "[784, 100, 10], rate 3, N(0, 1/n_in)", sizes=(784, 100, 10),
                   init="scaled", **(net | {"seeds": compared})),
        Experiment("d", "[784, 30, 10], learning rate 0.001, N(0, 1) weights",
                   "[784, 30, 10], rate 0.001", sizes=(784, 30, 10), learning_rate=0.001,
                   book_note="far worse", **net),
        Experiment("e", "[784, 30, 10], learning rate 100, N(0, 1) weights",
                   "[784, 30, 10], rate 100", sizes=(784, 30, 10), learning_rate=100.0,
                   book_note="far worse", **net),
        Experiment("f", "[784, 10], no hidden layer, learning rate 3, N(0, 1) weights",
                   "[784, 10], rate 3", sizes=(784, 10), **net),
        Experiment("g", "chapter 3: [784, 100, 10], cross-entropy, L2 lambda 5, learning "
                   "rate 0.1, N(0, 1/n_in) weights (the book: 98.04% after 60 epochs)",
                   "ch. 3: [784, 100, 10], cross-entropy, L2 5, rate 0.1, N(0, 1/n_in)",
                   sizes=(784, 100, 10), learning_rate=0.1, init="scaled",
                   cost="cross-entropy", l2=5.0, book_accuracy=0.9804, **net),
        Experiment("random", "random guess (chance: 10%)", "random guess",
                   method=RANDOM_GUESS, seeds=seeds),
        Experiment("darkness", "average darkness", "average darkness", method=DARKNESS,
                   book_accuracy=BOOK_CORRECT["darkness"] / BOOK_TEST_IMAGES,
                   training_size=training_size),
    ]  # fmt: skip
    if svm:
        svm_size = QUICK_SVM_TRAINING_SIZE if quick else None
        if training_size is not None:
            svm_size = min(svm_size or training_size, training_size)
        title_note = f", first {svm_size:,} training images" if svm_size else ""
        label_note = f" ({svm_size:,} images)" if svm_size else ""
        rows += [
            Experiment("svm-auto", f'SVM, gamma="auto" (1/784, the book\'s){title_note}',
                       f'SVM, gamma="auto"{label_note}', method=SVM, gamma="auto",
                       training_size=svm_size,
                       book_accuracy=BOOK_CORRECT["auto"] / BOOK_TEST_IMAGES),
            Experiment("svm-scale", f'SVM, gamma="scale" (today\'s default){title_note}',
                       f'SVM, gamma="scale"{label_note}', method=SVM, gamma="scale",
                       training_size=svm_size),
        ]  # fmt: skip
    return tuple(rows)


@dataclass(frozen=True)
class Job:
    """One run: an experiment with one of its seeds."""

    experiment: Experiment
    seed: int


def jobs(rows: Sequence[Experiment]) -> list[Job]:
    """Every run of ``rows``, row by row, seed by seed; an ensemble row runs nothing itself."""
    return [
        Job(experiment, seed)
        for experiment in rows
        if experiment.method != ENSEMBLE
        for seed in experiment.seeds
    ]
