"""POST /api/step's request and answer: one step of learning on one digit, laid open.

The request names the digit (its 784 pixels in [0, 1], or an MNIST test digit by index),
the right answer, the learning rate and how many steps; the answer is every number of
the last step (:class:`~digitnet.explain.step.LearningStep`) as JSON. Numbers are sent as
computed (float64, JSON's own round trip keeps every bit), except the first layer's
``dC/dw`` pictures, which are sent as integers scaled to [-1000, 1000];
a number the step threw to infinity or NaN is sent as null.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from digitnet.costs import one_hot
from digitnet.errors import ConfigError
from digitnet.explain.step import MAX_STEPS, LearningStep
from digitnet.mnist_shape import MNIST_PIXELS, MNIST_SIDE, N_DIGITS
from digitnet.network import Network
from digitnet.web.validation import is_int, reject_unknown
from digitnet.web.views import PIXEL_DECIMALS

#: The fields a step request may have, with their defaults (None: required).
STEP_FIELDS: dict[str, Any] = {
    "pixels": None,
    "index": None,
    "label": None,
    "learning_rate": 3.0,  # the book's eta
    "steps": 1,
}
#: First-layer neurons whose dC/dw pictures are sent, those with the largest |delta|
#: (``|dC/dw_j| = |delta_j| |x|``): every neuron of the book's 30; 64 x 784 numbers at most.
GRADIENT_NEURONS = 64
#: The pictures are sent as integers, ``dC/dw / max_abs`` times this, rounded: the page
#: draws 256 levels, and integers take a third less JSON and time than rounded floats.
PICTURE_SCALE = 1000
WHAT = "a step of learning"  # what error messages call the request


@dataclass(frozen=True)
class StepRequest:
    """A checked request: ``pixels`` (784 floats in [0, 1]) or an MNIST test ``index``;
    ``label`` None (only with an index) is that MNIST digit's own."""

    pixels: NDArray[np.float64] | None
    index: int | None
    label: int | None
    learning_rate: float
    steps: int


def parse_step_request(fields: Mapping[str, Any]) -> StepRequest:
    """The request's fields, checked; each mistake is a one-line ConfigError (422)."""
    reject_unknown(fields, STEP_FIELDS, WHAT)
    values = {**STEP_FIELDS, **fields}
    if (values["pixels"] is None) == (values["index"] is None):
        raise ConfigError(f"{WHAT}: give either 'pixels' (784 numbers) or 'index', not both")
    pixels = None if values["pixels"] is None else _pixels(values["pixels"])
    index = values["index"]
    if index is not None and (not is_int(index) or index < 0):
        raise ConfigError(f"{WHAT}: 'index' must be an MNIST test digit's index, got {index!r}")
    label = values["label"]
    if (label is not None or index is None) and (not is_int(label) or not 0 <= label < N_DIGITS):
        raise ConfigError(f"{WHAT}: 'label' must be the right digit, 0 to 9, got {label!r}")
    rate = values["learning_rate"]
    if isinstance(rate, bool) or not isinstance(rate, (int, float)):
        raise ConfigError(f"{WHAT}: 'learning_rate' must be a number, got {rate!r}")
    steps = values["steps"]
    if not is_int(steps) or not 1 <= steps <= MAX_STEPS:
        raise ConfigError(f"{WHAT}: 'steps' must be from 1 to {MAX_STEPS}, got {steps!r}")
    return StepRequest(pixels, index, label, float(rate), steps)


def _pixels(value: Any) -> NDArray[np.float64]:
    if not isinstance(value, list) or len(value) != MNIST_PIXELS:
        size = f"{len(value)} items" if isinstance(value, list) else type(value).__name__
        raise ConfigError(f"{WHAT}: 'pixels' must be a list of {MNIST_PIXELS} numbers, got {size}")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        raise ConfigError(f"{WHAT}: 'pixels' must hold numbers only")
    pixels = np.array(value, dtype=np.float64)
    if not ((pixels >= 0) & (pixels <= 1)).all():
        raise ConfigError(f"{WHAT}: 'pixels' must be grey levels from 0 to 1")
    return pixels


def step_view(step: LearningStep, network: Network) -> dict[str, Any]:
    """POST /api/step: the last step's every number, layer by layer.

    ``layers[l]`` is weight layer ``l + 1`` of the book (the first hidden layer first):
    ``z``, ``a`` and ``derivative`` (``f'(z)``, null for softmax) of the forward pass,
    ``saturated`` (``f'(z)`` near 0: the neuron hardly learns), ``delta`` (BP1 for the
    output layer, BP2 for the others), ``nabla_b`` (BP3: ``dC/db = delta``), the size of
    ``dC/dw`` (BP4: ``nabla_w_shape``, ``nabla_w_max_abs``), and ``a_after``,
    ``saturated_after`` once the step is taken. ``first_layer_gradient`` is ``dC/dw`` of
    the first layer as one 28 x 28 picture per neuron (the ``neurons`` listed): integers
    ``round(scale dC/dw / max_abs)``, in ``[-scale, scale]``.
    """
    n_layers = len(network.weights)
    layers = []
    for l in range(n_layers):
        nabla_w, derivative = step.nabla_w[l], step.derivatives[l]
        layers.append(
            {
                "z": _numbers(step.zs[l]),
                "a": _numbers(step.activations[l + 1]),
                "derivative": None if derivative is None else _numbers(derivative),
                "saturated": step.saturated(l, network).tolist(),
                "delta": _numbers(step.deltas[l]),
                "nabla_b": _numbers(step.nabla_b[l]),
                "nabla_w_shape": list(nabla_w.shape),
                "nabla_w_max_abs": _number(np.abs(nabla_w).max()),
                "a_after": _numbers(step.activations_after[l + 1]),
                "saturated_after": step.saturated(l, network, after=True).tolist(),
            }
        )
    return {
        "label": step.label,
        "learning_rate": step.learning_rate,
        "cost": step.cost_name,
        "steps": step.steps,
        "sizes": list(network.sizes),
        "activation": network.hidden_activation.name,
        "output": network.output_activation.name,
        "pixels": np.round(step.activations[0], PIXEL_DECIMALS).tolist(),
        "y": one_hot([step.label], network.sizes[-1])[0].tolist(),
        "layers": layers,
        "cost_value": _number(step.cost),
        "cost_after": _number(step.cost_after),
        "outputs": _numbers(step.outputs),
        "outputs_after": _numbers(step.outputs_after),
        "right_outputs": _numbers(step.right_outputs),
        "diverged": step.diverged,
        "first_layer_gradient": _first_layer_gradient(step),
    }


def _first_layer_gradient(step: LearningStep) -> dict[str, Any]:
    delta, nabla_w = step.deltas[0], step.nabla_w[0]
    with np.errstate(invalid="ignore"):  # a NaN delta sorts last
        largest = np.argsort(-np.abs(delta), kind="stable")[:GRADIENT_NEURONS]
    neurons = np.sort(largest)
    shown = nabla_w[neurons]
    finite = np.isfinite(shown).all()
    max_abs = float(np.abs(shown).max()) if finite else 0.0
    scaled = shown / max_abs if finite and max_abs > 0 else np.zeros_like(shown)
    return {
        "neurons": neurons.tolist(),
        "pictures": np.rint(scaled * PICTURE_SCALE).astype(np.int32).tolist(),
        "scale": PICTURE_SCALE,
        "max_abs": max_abs if finite else None,
        "shape": [MNIST_SIDE, MNIST_SIDE],
    }


def _number(value: float) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None


def _numbers(values: NDArray[np.floating]) -> list[float | None]:
    """``values`` as a list of floats, with null for what is not finite."""
    if np.isfinite(values).all():
        return values.astype(np.float64).tolist()
    return [_number(v) for v in values]
