"""One step of learning on one example, laid open: the forward pass, the cost, the errors
backpropagated (the book's four equations), the gradients and the step of gradient descent.

For one input ``x`` (784,) and its right digit, with ``y`` the one-hot desired output:

    z^l = w^l a^(l-1) + b^l,  a^l = f(z^l)               the forward pass, a^0 = x
    delta^L = (a^L - y) * sigma'(z^L)                     (BP1, quadratic cost; a - y for
                                                          cross-entropy and log-likelihood)
    delta^l = ((w^(l+1))^T delta^(l+1)) * f'(z^l)         (BP2)
    dC/db^l = delta^l                                     (BP3)
    dC/dw^l_jk = a^(l-1)_k delta^l_j                      (BP4)
    w <- w - eta dC/dw,  b <- b - eta dC/db               the step

Every number comes from :func:`digitnet.backprop.backward_pass`, the readable reference
that trains networks, on a float64 copy: the network given is never changed. The step is
plain gradient descent on the one example (no momentum, L2 or dropout), the book's
``update_mini_batch`` on a mini-batch of one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from digitnet.backprop import backward_pass, descend, update_mini_batch
from digitnet.costs import COSTS, LOG_LIKELIHOOD, QUADRATIC, Cost, one_hot
from digitnet.errors import ConfigError
from digitnet.network import Network
from digitnet.pixels import as_unit_interval
from digitnet.saturation import SATURATION_LEVEL
from digitnet.settings import LIMITS

FloatArray = NDArray[np.floating]  # float64 here: the steps are taken on a float64 copy

#: Steps one call may take on the same example.
MAX_STEPS = 100


@dataclass(frozen=True)
class LearningStep:
    """One example's step of gradient descent, every intermediate as float64 arrays.

    ``zs[l]``, ``activations[l + 1]``, ``derivatives[l]`` (``f'(z)``, None for a softmax
    output layer, whose cost gives the output error directly) and ``deltas[l]`` are
    weight layer ``l``'s, each of shape ``(n_l,)``; ``activations[0]`` is the input.
    ``nabla_b`` and ``nabla_w`` are shaped like the network's biases and weights
    ``(n_out, n_in)``. ``activations_after`` are the network's after the step;
    ``right_outputs`` and ``costs`` the right digit's output and the cost before each step
    and after the last (``steps + 1`` numbers each).
    """

    label: int
    learning_rate: float
    cost_name: str
    steps: int
    zs: list[FloatArray]
    activations: list[FloatArray]
    derivatives: list[FloatArray | None]
    deltas: list[FloatArray]
    nabla_b: list[FloatArray]
    nabla_w: list[FloatArray]
    activations_after: list[FloatArray]
    right_outputs: FloatArray
    costs: FloatArray

    @property
    def outputs(self) -> FloatArray:
        """The output activations before the step, ``a^L``."""
        return self.activations[-1]

    @property
    def cost(self) -> float:
        """The cost before the (last) step, ``C``."""
        return float(self.costs[-2])

    @property
    def cost_after(self) -> float:
        """The cost after the step."""
        return float(self.costs[-1])

    @property
    def diverged(self) -> bool:
        """True if the step threw the outputs to infinity or NaN (a learning rate far too
        large): the numbers after it are then no use."""
        return not all(np.isfinite(a).all() for a in self.activations_after)

    @property
    def outputs_after(self) -> FloatArray:
        """The output activations after the step."""
        return self.activations_after[-1]

    def saturated(self, l: int, network: Network, *, after: bool = False) -> NDArray[np.bool_]:
        """Which neurons of weight layer ``l`` are saturated before the step (or ``after``
        it): ``f'(z)`` below ``SATURATION_LEVEL`` of its peak (see
        :mod:`digitnet.saturation`), so they hardly learn. All False for a softmax layer,
        which has no derivative of its own."""
        activation = network.activation_of_layer(l)
        a = (self.activations_after if after else self.activations)[l + 1]
        if activation.derivative_from_output is None:
            return np.zeros(a.shape, dtype=bool)
        return activation.derivative_from_output(a) < SATURATION_LEVEL * activation.peak_derivative


def cost_of(network: Network, cost_name: str | None) -> Cost:
    """The cost a model learns with: ``cost_name`` (its training settings' ``cost``),
    log-likelihood for a softmax output layer, else quadratic (chapter 1's)."""
    if network.output_activation.name == "softmax":
        return LOG_LIKELIHOOD
    cost = COSTS.get(cost_name or QUADRATIC.name, QUADRATIC)
    return cost if cost.output_activation == network.output_activation.name else QUADRATIC


def learning_step(
    network: Network,
    x: NDArray[np.floating],
    label: int,
    *,
    learning_rate: float,
    cost: Cost = QUADRATIC,
    steps: int = 1,
) -> LearningStep:
    """Take ``steps`` steps of gradient descent on one example and lay the last one open.

    Parameters
    ----------
    network : Network
        The network before the first step; it is not changed (the steps are taken on a
        float64 copy).
    x : ndarray of shape (n_in,)
        The input, pixels in [0, 1].
    label : int
        The right digit, ``0 <= label < n_out``.
    learning_rate : float
        ``eta``, within the trainer's bounds (``LIMITS["learning_rate"]``).
    cost : Cost
        The cost of the step (see :func:`cost_of`).
    steps : int
        ``1 <= steps <= MAX_STEPS``: the first ``steps - 1`` are taken as training takes
        them (``update_mini_batch``), the last one is returned with its intermediates.

    Raises
    ------
    ConfigError
        If the label, learning rate, step count or input does not fit.
    """
    _check_arguments(network, label, learning_rate, steps)
    inputs = as_unit_interval(x, np.float64).reshape(1, -1)
    if inputs.shape[1] != network.sizes[0] or not np.isfinite(inputs).all():
        raise ConfigError(
            f"input must be {network.sizes[0]} finite numbers, got shape {np.shape(x)}"
        )
    learner = network.astype("float64")
    with np.errstate(over="ignore", invalid="ignore"):  # a diverged step is a result
        return _steps(learner, inputs, label, learning_rate, cost, steps)


def _check_arguments(network: Network, label: int, learning_rate: float, steps: int) -> None:
    n_out = network.sizes[-1]
    if isinstance(label, bool) or not isinstance(label, (int, np.integer)):
        raise ConfigError(f"label must be an integer, got {label!r}")
    if not 0 <= label < n_out:
        raise ConfigError(f"label must be a digit from 0 to {n_out - 1}, got {label}")
    rate = LIMITS["learning_rate"]
    number = isinstance(learning_rate, (int, float, np.number)) and not isinstance(
        learning_rate, bool
    )
    if not number or not rate.contains(float(learning_rate)):
        raise ConfigError(f"learning_rate must be {rate.describe()}, got {learning_rate!r}")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)):
        raise ConfigError(f"steps must be an integer, got {steps!r}")
    if not 1 <= steps <= MAX_STEPS:
        raise ConfigError(f"steps must be from 1 to {MAX_STEPS}, got {steps}")


def _steps(
    learner: Network,
    inputs: FloatArray,
    label: int,
    learning_rate: float,
    cost: Cost,
    steps: int,
) -> LearningStep:
    """:func:`learning_step` on ``learner``, which it changes, and ``inputs`` (1, n_in)."""
    targets = one_hot([label], learner.sizes[-1])
    right_outputs: list[float] = []
    costs: list[float] = []

    def record(outputs: NDArray[np.floating]) -> None:
        right_outputs.append(float(outputs[0, label]))
        costs.append(cost.value(outputs, targets))

    for _ in range(steps - 1):
        record(learner.feedforward(inputs))
        update_mini_batch(learner, inputs, targets, learning_rate, cost)
    laid_open = backward_pass(learner, inputs, targets, cost)
    activations = [a[0] for a in laid_open.activations]
    derivatives = [
        None if (f := learner.activation_of_layer(l).derivative_from_output) is None else f(a)
        for l, a in enumerate(activations[1:])
    ]
    record(laid_open.activations[-1])
    descend(learner, laid_open.nabla_b, laid_open.nabla_w, learning_rate)
    after = learner.activations_for(inputs)
    record(after[-1])
    return LearningStep(
        label=int(label),
        learning_rate=float(learning_rate),
        cost_name=cost.name,
        steps=int(steps),
        zs=[z[0] for z in laid_open.zs],
        activations=activations,
        derivatives=derivatives,
        deltas=[d[0] for d in laid_open.deltas],
        nabla_b=laid_open.nabla_b,
        nabla_w=laid_open.nabla_w,
        activations_after=[a[0] for a in after],
        right_outputs=np.array(right_outputs),
        costs=np.array(costs),
    )
