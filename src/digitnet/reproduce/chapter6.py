"""Chapter 6's table as data: the book's convolutional networks, row by row, with its figures.

The book's ``network3.py`` (Theano) trained, with mini-batches of 10, 60 epochs at learning
rate 0.1 unless a row says otherwise, and reports the best epoch's test accuracy:

==  ===============================================================  ======
a   one fully-connected layer of 100 sigmoid neurons, softmax 10     97.80%
b   + a conv-pool layer before it: 20 maps of 5x5, 2x2 max-pooling   98.78%
c   + a second conv-pool layer: 40 maps of 5x5, 2x2 max-pooling      99.06%
d   ReLU everywhere, L2 lambda 0.1, learning rate 0.03                99.23%
e   the expanded training set (each image and its four 1-px shifts)  99.37%
f   + a second fully-connected layer of 100                          99.43%
g   two fully-connected layers of 1,000, dropout 0.5, 40 epochs      99.60%
h   an ensemble of five networks of row g                            99.67%
==  ===============================================================  ======

Where digitnet differs (said in the README): the initial weights are N(0, 1/n_in) for the
sigmoid rows and He's N(0, 2/n_in) for the ReLU ones (``network3.py`` drew N(0, 1/n_out)
and a zero softmax layer); ``network3.py``'s L2 term is ``lambda/2 sum w^2`` per *mini-batch*
divided by the number of mini-batches, ``mini_batch_size`` times digitnet's per-example
``lambda/2n sum w^2``, so its lambda 0.1 is digitnet's 1.0; and the ensemble averages the
five networks' probabilities where the book let them vote (see :mod:`digitnet.ensemble`).
"""

from __future__ import annotations

from typing import Any

from digitnet.recipes import BOOK_CONV_LAYERS
from digitnet.reproduce.table import (
    ENSEMBLE,
    FIRST_SEED,
    FULL_SEEDS,
    MINI_BATCH_SIZE,
    QUICK_HANDWRITING,
    Experiment,
    check_overrides,
)

CHAPTER = 6
#: The book's epochs, and those of its dropout row.
FULL_EPOCHS = 60
DROPOUT_EPOCHS = 40
#: Networks in the book's ensemble; quick mode combines fewer.
ENSEMBLE_SIZE = 5
QUICK_ENSEMBLE_SIZE = 3
#: Quick mode: 1 seed a row, 1 epoch on the first this-many training images.
QUICK_EPOCHS = 1
QUICK_TRAINING_SIZE = 2_000
#: Images per style of the handwriting set each network is scored on in full mode.
FULL_HANDWRITING = 50
#: ``network3.py``'s L2 term per mini-batch is this many times digitnet's per example.
NETWORK3_L2_SCALE = MINI_BATCH_SIZE
COST = "log-likelihood"
FC = "fc:100,softmax:10"


def _seeds(count: int) -> tuple[int, ...]:
    return tuple(range(FIRST_SEED, FIRST_SEED + count))


def chapter6_experiments(
    mode: str = "full",
    *,
    epochs: int | None = None,
    training_size: int | None = None,
    handwriting: int | None = None,
) -> tuple[Experiment, ...]:
    """The chapter's rows a-h (see the module's table).

    Parameters
    ----------
    mode : {"full", "quick"}
        "full": the book's 60 epochs (40 for row g) on all 50,000 training images, 3 seeds
        a row and 5 for row g, whose five networks row h combines. "quick": 1 epoch on the
        first 2,000 images, 1 seed a row and 3 for row g: a look, not a reproduction.
    epochs, training_size, handwriting
        As for :func:`digitnet.reproduce.table.experiments` (for tests); ``epochs`` replaces
        every row's.
    """
    check_overrides(mode, epochs, training_size, handwriting)
    quick = mode == "quick"
    if quick:
        training_size = training_size or QUICK_TRAINING_SIZE
    net: dict[str, Any] = {
        "chapter": CHAPTER,
        "epochs": epochs or (QUICK_EPOCHS if quick else FULL_EPOCHS),
        "training_size": training_size,
        "seeds": _seeds(1 if quick else FULL_SEEDS),
        "handwriting": (QUICK_HANDWRITING if quick else FULL_HANDWRITING)
        if handwriting is None
        else handwriting,
        "cost": COST,
        "learning_rate": 0.1,
        "init": "scaled",
    }
    relu = net | {"activation": "relu", "init": "he", "learning_rate": 0.03,
                  "l2": 0.1 * NETWORK3_L2_SCALE}  # fmt: skip
    one_conv = "conv:20x5x5,pool:2"
    ensemble = ENSEMBLE_SIZE if not quick else QUICK_ENSEMBLE_SIZE
    dropout = relu | {"l2": 0.0, "dropout": 0.5, "expand": True, "keep_outputs": True,
                      "epochs": epochs or (QUICK_EPOCHS if quick else DROPOUT_EPOCHS),
                      "seeds": _seeds(ensemble)}  # fmt: skip
    return (
        Experiment("a", "fully-connected 100 sigmoid, softmax 10, rate 0.1",
                   "fc 100, sigmoid", layers=FC, book_accuracy=0.9780, **net),
        Experiment("b", "conv 20x5x5, pool 2, fc 100, softmax 10, sigmoid, rate 0.1",
                   "+ conv-pool 20x5x5", layers=f"{one_conv},{FC}", book_accuracy=0.9878,
                   **net),
        Experiment("c", "conv 20x5x5, pool 2, conv 40x5x5, pool 2, fc 100, softmax 10, "
                   "sigmoid, rate 0.1", "+ conv-pool 40x5x5", layers=f"{BOOK_CONV_LAYERS},{FC}",
                   book_accuracy=0.9906, **net),
        Experiment("d", "row c with ReLU, L2 (the book's lambda 0.1), rate 0.03",
                   "ReLU, L2 0.1, rate 0.03", layers=f"{BOOK_CONV_LAYERS},{FC}",
                   book_accuracy=0.9923, **relu),
        Experiment("e", "row d on the expanded set (each image and its four 1-pixel shifts)",
                   "+ expanded data", layers=f"{BOOK_CONV_LAYERS},{FC}", expand=True,
                   book_accuracy=0.9937, **relu),
        Experiment("f", "row e with a second fully-connected layer of 100",
                   "+ second fc 100", layers=f"{BOOK_CONV_LAYERS},fc:100,{FC}", expand=True,
                   book_accuracy=0.9943, **relu),
        Experiment("g", "two fully-connected layers of 1,000, dropout 0.5, no L2, expanded set",
                   "fc 1,000 x 2, dropout 0.5", layers=f"{BOOK_CONV_LAYERS},fc:1000,fc:1000,"
                   "softmax:10", book_accuracy=0.9960, **dropout),
        Experiment("h", f"an ensemble of row g's {ensemble} networks (mean probability)",
                   f"ensemble of {ensemble} of g", method=ENSEMBLE, ensemble_of="g",
                   chapter=CHAPTER, book_accuracy=0.9967, seeds=()),
    )  # fmt: skip
