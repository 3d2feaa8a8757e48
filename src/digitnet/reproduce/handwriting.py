"""Each trained network of the table scored on digitnet's own handwriting set as well.

MNIST's test images say how well a network reads MNIST; :mod:`digitnet.handwriting` draws
digits of other hands, pens, apps, photos and pages, and this is the share of them a
network reads right through digitnet's own pipeline. The set is made once per process.
"""

from __future__ import annotations

import functools

from digitnet.conv.network import AnyNetwork
from digitnet.handwriting import DEFAULT_SEED, make_set
from digitnet.handwriting.score import ALL, Prepared, accuracy_by_style, prepare


@functools.lru_cache(maxsize=2)
def _prepared(per_style: int) -> Prepared:
    return prepare(make_set(per_style, seed=DEFAULT_SEED))


def handwriting_accuracy(network: AnyNetwork, per_style: int) -> float:
    """``network``'s accuracy on the set of ``per_style`` images of each style."""
    return accuracy_by_style(network, _prepared(per_style))[ALL]
