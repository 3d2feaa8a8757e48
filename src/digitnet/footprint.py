"""What a training run holds in memory: an upper bound, known before anything is allocated.

A run of :func:`digitnet.training.train` on a network of ``P`` parameters (weights and
biases) holds, in the network's dtype of ``b`` bytes a number:

- the parameters, their gradients and the update rule's buffers: ``P`` each, one more for
  momentum's velocities and one for the L2 term, one more for early stopping's best weights;
- each mini-batch's work (NumPy steps, the largest engine): every layer's outputs, errors
  and scratch, ``3 m H`` for ``m`` examples and ``H`` neurons past the input, the dropout
  copies and masks, the batch's pixels; for the mini-batch size and a shorter last batch;
- the one-hot targets of the ``n`` training examples (``n x n_out``), the shuffled order
  (``8 n`` bytes) and, with distortions, a distorted copy of the uint8 images;
- the measurement of a monitored set, :func:`~digitnet.measuring.rows_per_check` rows at a
  time: every layer's activations for them and a layer's temporaries.

The images themselves (the caller's) are not counted, nor the distortions' own work.
"""

from __future__ import annotations

import numpy as np

from digitnet.measuring import rows_per_check
from digitnet.network import n_parameters
from digitnet.recipes import Recipe

#: Temporaries of one layer's ``sigma(a w^T + b)`` (the product, the sum, the exponential,
#: the quotient) and of the cost on the outputs, in rows of that layer.
LAYER_TEMPORARIES = 4


def training_bytes(recipe: Recipe, n_examples: int, n_monitored: int) -> int:
    """An upper bound on the bytes ``train`` allocates for ``recipe`` on ``n_examples``
    training examples, measuring a monitored set of ``n_monitored`` after each epoch."""
    sizes, settings = recipe.sizes, recipe.settings
    b = np.dtype(recipe.dtype).itemsize
    parameters = n_parameters(sizes)
    copies = 3 + bool(settings.momentum) + bool(settings.l2) + (settings.early_stopping is not None)
    m = min(settings.mini_batch_size, n_examples)
    neurons, hidden = sum(sizes[1:]), sum(sizes[1:-1])
    batch_rows = m + n_examples % m  # buffers for m, and for a shorter last batch
    per_row = 3 * neurons + (3 * hidden if settings.dropout else 0) + 2 * sizes[0]
    rows = min(rows_per_check(parameters), max(n_monitored, 1))
    measuring = rows * (sum(sizes) + LAYER_TEMPORARIES * max(sizes[1:]))
    per_example = sizes[-1] * b + 8 + (sizes[0] if settings.augment else 0)
    batches = batch_rows * per_row
    return b * (copies * parameters + batches + measuring) + n_examples * per_example
