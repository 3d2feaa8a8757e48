"""footprint.training_bytes bounds what a training run allocates, and not by much."""

from __future__ import annotations

import tracemalloc
from typing import Any

import numpy as np
import pytest

from digitnet.footprint import training_bytes
from digitnet.network import n_parameters
from digitnet.recipes import recipe
from digitnet.training import train

N_EXAMPLES, N_MONITORED = 3_000, 1_500
#: How far above the measured peak the bound may be: it counts every buffer at once and the
#: largest engine's; measured, it is 1.2 to 1.8 times the peak.
LOOSENESS = 2.0


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (N_EXAMPLES, 784), dtype=np.uint8)
    return images, rng.integers(0, 10, N_EXAMPLES)


@pytest.mark.parametrize(
    "overrides",
    [
        {"sizes": (784, 100, 10), "mini_batch_size": 7},
        {"sizes": (784, 100, 10), "mini_batch_size": 1000},
        {"sizes": (784, 300, 100, 10), "mini_batch_size": 500},
        {"sizes": (784, 200, 10), "mini_batch_size": 64, "momentum": 0.9, "l2": 1.0},
        {"sizes": (784, 200, 10), "mini_batch_size": 64, "dropout": 0.5},
        {"sizes": (784, 50, 10), "mini_batch_size": 2_999, "early_stopping": 2},
        {"sizes": (784, 200, 10), "mini_batch_size": 3_000, "engine": "reference"},
    ],
)
def test_the_bound_holds_what_a_run_allocates(data: Any, overrides: dict[str, Any]) -> None:
    chosen = recipe("book", **{"epochs": 2, "seed": 1, "engine": "numpy", **overrides})
    network = chosen.build()  # the bound counts the network too: it is made for the run
    monitored = {"validation": (data[0][:N_MONITORED], data[1][:N_MONITORED])}
    tracemalloc.start()
    try:
        train(network, data, chosen.settings, monitor=monitored)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    used = peak + n_parameters(chosen.sizes) * np.dtype(chosen.dtype).itemsize
    bound = training_bytes(chosen, N_EXAMPLES, N_MONITORED)
    assert used <= bound <= LOOSENESS * used


def test_a_wide_network_is_measured_in_chunks_of_bounded_memory() -> None:
    """[784, 12000, 10] on 50,000 digits with 10,000 monitored: its parameters (three copies:
    the weights, gradients, update) and under 16 MB more (its 10,000 validation rows fed
    forward at once held 10,000 x 12,794 activations, 512 MB)."""
    chosen = recipe("book", sizes=(784, 12_000, 10), mini_batch_size=10)
    parameters_bytes = 3 * n_parameters(chosen.sizes) * 4
    assert training_bytes(chosen, 50_000, 10_000) - parameters_bytes < 16 * 2**20


def test_the_bound_grows_with_the_mini_batch_and_the_dtype() -> None:
    small = recipe("book", sizes=(784, 1000, 10), mini_batch_size=10)
    assert training_bytes(small.replace(mini_batch_size=1000), 50_000, 10_000) > training_bytes(
        small, 50_000, 10_000
    )
    assert training_bytes(small.replace(dtype="float64"), 50_000, 10_000) > training_bytes(
        small, 50_000, 10_000
    )
