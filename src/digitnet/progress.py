"""Ready-made progress callbacks for :func:`digitnet.train` and :func:`digitnet.sgd`.

The training loop never prints; it calls ``on_epoch(history)`` after each epoch and
``on_batch(batches_done, batches_total)`` about 100 times within one. These callbacks
write a run's progress to stderr (or any text stream) for Python users, as
``digitnet train`` does in a terminal:

>>> from digitnet import Network, load_mnist, sgd                       # doctest: +SKIP
>>> from digitnet.progress import print_batches, print_epoch            # doctest: +SKIP
>>> data = load_mnist()                                                  # doctest: +SKIP
>>> history = sgd(Network([784, 30, 10], seed=1), data.training, epochs=1, seed=1,
...               monitor={"validation": data.validation},
...               on_epoch=print_epoch, on_batch=print_batches)         # doctest: +SKIP
Epoch 1/1: validation 9096 / 10000 (90.96%), cost 0.0714, saturated 83%, 0.30 s
"""

from __future__ import annotations

import sys
from typing import TextIO

from digitnet.history import History


def epoch_line(history: History) -> str:
    """``Epoch 1/30: validation 9129 / 10000 (91.29%), test ..., cost 0.0123, 0.28 s``.

    The accuracy on each monitored set, the cost on the first; a schedule adds the learning
    rate; sigmoid and tanh networks add the share of saturated hidden neurons (see
    :mod:`digitnet.saturation`).
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


def print_epoch(history: History, *, file: TextIO | None = None) -> None:
    """An ``on_epoch`` callback: :func:`epoch_line` on ``file`` (default stderr)."""
    stream = sys.stderr if file is None else file
    print(epoch_line(history), file=stream, flush=True)


def print_batches(done: int, total: int, *, file: TextIO | None = None) -> None:
    """An ``on_batch`` callback: ``batch 2500/5000 (50%)`` redrawn in place on ``file``.

    The line is rewritten with a carriage return, as pip and curl do, and erased at the end
    of the epoch so that :func:`print_epoch`'s line takes its place.
    """
    stream = sys.stderr if file is None else file
    text = f"batch {done}/{total} ({done / total:.0%})"
    end = "\r" + " " * len(text) + "\r" if done >= total else ""
    print(f"\r{text}{end}", end="", file=stream, flush=True)
