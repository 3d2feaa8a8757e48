"""The rounding bounds of tests/tolerances.py hold, and justify the constant tolerance."""

from __future__ import annotations

import math

import numpy as np
import pytest
from tolerances import (
    FLOAT64_SMALL_NETWORK_ATOL,
    BoundedNetwork,
    assert_within,
    gamma,
    inputs,
    tolerance,
    unit_roundoff,
)

from digitnet.costs import one_hot
from digitnet.network import Network

N_PIXELS = 784


def float32_sums(products: np.ndarray) -> dict[str, float]:
    """One float32 sum of ``products`` in each of several orders, as engines might add."""
    ordered = {
        "forward": products,
        "backward": products[::-1],
        "largest first": products[np.argsort(-np.abs(products))],
        "smallest first": products[np.argsort(np.abs(products))],
    }
    sums = {name: float(np.cumsum(p, dtype=np.float32)[-1]) for name, p in ordered.items()}
    sums["pairwise"] = float(np.sum(products, dtype=np.float32))
    return sums


@pytest.mark.parametrize("seed", range(5))
def test_a_float32_dot_product_in_any_order_is_within_gamma_n(seed: int) -> None:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, N_PIXELS).astype(np.float32) / np.float32(255)
    weights = rng.standard_normal(N_PIXELS).astype(np.float32)
    # A product of two float32 is exact in float64, and fsum rounds the sum once.
    products64 = pixels.astype(np.float64) * weights.astype(np.float64)
    exact = math.fsum(products64)
    bound = gamma(N_PIXELS, unit_roundoff(np.float32)) * np.abs(products64).sum()
    products32 = pixels * weights  # each rounded once, as the engines' products are
    sums = float32_sums(products32) | {"dot": float(np.dot(pixels, weights))}
    for order, total in sums.items():
        assert abs(total - exact) <= bound, order


def test_float32_feedforward_is_within_its_bound_of_float64() -> None:
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, (50, N_PIXELS)).astype(np.float64) / 255
    net64 = Network([N_PIXELS, 30, 10], seed=2)
    net32 = net64.astype("float32")
    bound32 = BoundedNetwork.of(net64, np.float32).feedforward(
        inputs(pixels, np.float32, rounded=True)
    )
    bound64 = BoundedNetwork.of(net64).feedforward(inputs(pixels, np.float64))
    assert_within(net32.feedforward(pixels), net64.feedforward(pixels), tolerance(bound32, bound64))


@pytest.mark.parametrize(
    ("sizes", "n", "m", "epochs", "learning_rate", "cross_entropy"),
    [
        ([20, 13, 10], 60, 10, 2, 0.5, True),  # test_compiled: the later costs
        ([20, 16, 12, 10], 70, 16, 2, 0.05, False),  # test_compiled: the update rules
        ([12, 9, 6, 5], 48, 8, 1, 0.5, False),  # test_numpy_engine: six steps
    ],
    ids=["later costs", "update rules", "numpy engine"],
)
def test_the_small_network_tolerance_is_fifty_times_the_plain_rules_bound(
    sizes: list[int], n: int, m: int, epochs: int, learning_rate: float, cross_entropy: bool
) -> None:
    rng = np.random.default_rng(3)
    images, labels = rng.random((n, sizes[0])), rng.integers(0, sizes[-1], n)
    batches = [np.arange(k, min(k + m, n)) for k in range(0, n, m)] * epochs
    bound = BoundedNetwork.of(Network(sizes, seed=4, init="scaled")).sgd(
        inputs(images, np.float64),
        one_hot(labels, sizes[-1]),
        batches,
        learning_rate,
        cross_entropy=cross_entropy,
    )
    worst = max(float(p.error.max()) for p in bound.parameters())
    assert worst < FLOAT64_SMALL_NETWORK_ATOL / 50
