"""The reference engine: each mini-batch through the readable :mod:`digitnet.backprop`."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from digitnet.backprop import backprop, dropout_masks
from digitnet.costs import Cost
from digitnet.engines.numpy_steps import Step
from digitnet.network import Network
from digitnet.optimizer import GradientDescent

FloatArray = NDArray[np.floating]


def reference_step(
    network: Network,
    cost: Cost,
    optimizer: GradientDescent,
    *,
    dropout: float = 0.0,
    rng: np.random.Generator | None = None,
) -> Step:
    """The readable update: :func:`~digitnet.backprop.backprop`, then ``optimizer.step``."""

    def step(x: FloatArray, y: FloatArray, learning_rate: float) -> None:
        masks = dropout_masks(rng, network, x.shape[0], dropout) if dropout else None  # type: ignore[arg-type]
        nabla_b, nabla_w = backprop(network, x, y, cost, masks)
        optimizer.step(nabla_b, nabla_w, learning_rate)

    return step
