"""The NumPy engine's general step against the readable reference, step for step."""

import numpy as np
import pytest
from tolerances import FLOAT64_SMALL_NETWORK_ATOL

from digitnet.costs import COSTS
from digitnet.engines.numpy_steps import NumpyStep
from digitnet.engines.reference import reference_step
from digitnet.network import Network
from digitnet.optimizer import GradientDescent

STEPS = 6

CASES = {
    "sigmoid quadratic": dict(),
    "cross-entropy, L2": dict(cost="cross-entropy", l2_per_example=0.01),
    "tanh, momentum": dict(activation="tanh", cost="cross-entropy", momentum=0.9),
    "relu softmax, nesterov, decay": dict(
        activation="relu", cost="log-likelihood", momentum=0.9, nesterov=True, weight_decay=0.05
    ),
    "relu softmax, dropout, momentum": dict(
        activation="relu", cost="log-likelihood", momentum=0.5, dropout=0.3
    ),
    "sigmoid, dropout, L2": dict(dropout=0.5, l2_per_example=0.02),
}


def make(case, sizes, seed):
    options = dict(case)
    cost = COSTS[options.pop("cost", "quadratic")]
    activation = options.pop("activation", "sigmoid")
    dropout = options.pop("dropout", 0.0)
    net = Network(
        sizes, seed=seed, activation=activation, output=cost.output_activation, init="scaled"
    )
    return net, cost, dropout, options


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
@pytest.mark.parametrize("sizes", [[12, 7, 5], [12, 9, 6, 5], [12, 5]], ids=str)
def test_general_step_equals_the_reference(case, sizes):
    if len(sizes) == 2 and case.get("dropout"):
        pytest.skip("dropout needs a hidden layer")
    rng = np.random.default_rng(0)
    m = 8
    batches = [(rng.random((m, 12)), np.eye(5)[rng.integers(0, 5, m)]) for _ in range(STEPS)]
    fast_net, cost, dropout, options = make(case, sizes, seed=1)
    slow_net, *_ = make(case, sizes, seed=1)
    fast = NumpyStep(
        fast_net, m, cost, GradientDescent(fast_net, **options), dropout=dropout,
        rng=np.random.default_rng(7),
    )  # fmt: skip
    slow = reference_step(
        slow_net, cost, GradientDescent(slow_net, **options), dropout=dropout,
        rng=np.random.default_rng(7),
    )  # fmt: skip
    for i, (x, y) in enumerate(batches):
        learning_rate = 0.5 / (1 + i)  # a changing rate, as a schedule makes
        fast(x, y, learning_rate)
        slow(x, y, learning_rate)
    changed = any(
        not np.allclose(p, q) for p, q in zip(fast_net.weights, make(case, sizes, 1)[0].weights)
    )
    assert changed
    for p, q in zip(fast_net.weights + fast_net.biases, slow_net.weights + slow_net.biases):
        np.testing.assert_allclose(p, q, rtol=0, atol=FLOAT64_SMALL_NETWORK_ATOL)


def test_general_step_allocates_its_buffers_once():
    net = Network([12, 7, 5], seed=2, activation="relu", output="softmax", init="he")
    step = NumpyStep(net, 4, COSTS["log-likelihood"], GradientDescent(net, momentum=0.9))
    buffers = [id(a) for a in step.outputs + step.deltas + step.nabla_w + step.nabla_b]
    x, y = np.random.default_rng(3).random((4, 12)), np.eye(5)[[0, 1, 2, 3]]
    step(x, y, 0.1)
    step(x, y, 0.1)
    assert [id(a) for a in step.outputs + step.deltas + step.nabla_w + step.nabla_b] == buffers
