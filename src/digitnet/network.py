"""A feedforward network: sigmoid neurons as in chapter 1 of the book, and its later variants.

Layer ``l`` has ``weights[l]`` of shape ``(n_out, n_in)`` - entry ``[j, k]`` is the weight
from neuron ``k`` in one layer to neuron ``j`` in the next, the book's convention - and
``biases[l]`` of shape ``(n_out,)``. The input layer has no biases. Batches are rows: an
input batch has shape ``(n_examples, n_features)``, so a layer computes
``a' = sigma(a @ w.T + b)``, the book's ``sigma(w a + b)`` applied to every row at once.
Hidden layers use one activation (sigmoid, tanh or ReLU); the output layer its own (sigmoid,
or softmax for the log-likelihood cost).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from digitnet.activations import ACTIVATIONS, OUTPUT_ACTIVATIONS, Activation
from digitnet.errors import ConfigError
from digitnet.pixels import as_unit_interval

#: Floating-point types a network can compute in.
DTYPES: dict[str, type[np.floating[Any]]] = {"float32": np.float32, "float64": np.float64}

#: Rows fed through the network at once by ``predict`` and ``evaluate``: big enough for
#: fast matrix products, small enough to bound memory.
EVALUATION_CHUNK = 10_000

#: How initial weights are drawn, name -> (weight standard deviation for ``n_in`` inputs,
#: whether biases are drawn from N(0, 1) or start at 0). "normal" is chapter 1's N(0, 1):
#: with 784 inputs ``z`` then has a standard deviation of about 10, so most sigmoid neurons
#: start saturated. "scaled" (chapter 3) keeps ``z`` near N(0, 1) with N(0, 1/n_in);
#: "he" is N(0, 2/n_in) with zero biases, the match for ReLU units, which are zero half the
#: time.
INITIALISATIONS: dict[str, tuple[Callable[[int], float], bool]] = {
    "normal": (lambda n_in: 1.0, True),
    "scaled": (lambda n_in: 1.0 / math.sqrt(n_in), True),
    "he": (lambda n_in: math.sqrt(2.0 / n_in), False),
}


def validate_sizes(sizes: Sequence[int]) -> tuple[int, ...]:
    """Check layer sizes: at least two layers (input and output), each a positive int."""
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__") or len(sizes) < 2:
        raise ConfigError(f"sizes must list at least two layers, got {sizes!r}")
    for n in sizes:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ConfigError(f"layer sizes must be positive integers, got {list(sizes)!r}")
    return tuple(int(n) for n in sizes)


def n_parameters(sizes: Sequence[int]) -> int:
    """Weights and biases of a network of ``sizes``, ``sum (n_in + 1) n_out``: also the
    multiply-adds of one example's forward pass."""
    return sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))


def resolve_dtype(dtype: DTypeLike) -> type[np.floating]:
    """Map ``"float32"``/``"float64"`` (or the NumPy types) to the NumPy type."""
    name = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    if name not in DTYPES:
        raise ConfigError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    return DTYPES[name]


def count_correct(predictions: ArrayLike, labels: ArrayLike) -> int:
    """How many ``predictions`` equal their ``labels`` (the book's count of images right).

    Raises ConfigError if the two do not have the same shape.
    """
    predictions, labels = np.asarray(predictions), np.asarray(labels)
    if predictions.shape != labels.shape:
        raise ConfigError(f"got {labels.shape} labels for {predictions.shape} predictions")
    return int(np.count_nonzero(predictions == labels))


class Network:
    """A feedforward network, e.g. ``Network([784, 30, 10])``.

    Parameters
    ----------
    sizes : sequence of int
        Neurons per layer, input layer first.
    seed : int or numpy.random.Generator, optional
        Source of the initial weights and biases. The same seed gives the same values in
        float32 and float64.
    dtype : {"float32", "float64"}
        Type of the weights, the biases and every computation.
    activation : str
        Activation of the hidden layers, a key of ``ACTIVATIONS``.
    output : str
        Activation of the output layer, a key of ``OUTPUT_ACTIVATIONS``: "sigmoid", or
        "softmax" for the log-likelihood cost.
    init : str
        How the initial weights are drawn, a key of ``INITIALISATIONS``; the default is
        the book's chapter 1, N(0, 1) for every weight and bias.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        *,
        seed: int | np.random.Generator | None = None,
        dtype: DTypeLike = "float64",
        activation: str = "sigmoid",
        output: str = "sigmoid",
        init: str = "normal",
    ) -> None:
        self.sizes = validate_sizes(sizes)
        self.dtype = resolve_dtype(dtype)
        self.hidden_activation = _lookup(activation, ACTIVATIONS, "activation")
        self.output_activation = _lookup(output, OUTPUT_ACTIVATIONS, "output")
        weight_scale, random_biases = _lookup(init, INITIALISATIONS, "init")
        rng = np.random.default_rng(seed)
        layer_shapes = list(zip(self.sizes[1:], self.sizes[:-1]))
        self.biases: list[NDArray[np.floating]] = [
            (rng.standard_normal(n_out) if random_biases else np.zeros(n_out)).astype(self.dtype)
            for n_out, _ in layer_shapes
        ]
        self.weights: list[NDArray[np.floating]] = [
            (rng.standard_normal(shape) * weight_scale(shape[1])).astype(self.dtype)
            for shape in layer_shapes
        ]

    @classmethod
    def from_parameters(
        cls,
        weights: Sequence[ArrayLike],
        biases: Sequence[ArrayLike],
        *,
        activation: str = "sigmoid",
        output: str = "sigmoid",
    ) -> Network:
        """Build a network around given weights ``(n_out, n_in)`` and biases ``(n_out,)``."""
        arrays = [np.asarray(w) for w in weights]
        if not arrays or len(biases) != len(arrays) or any(w.ndim != 2 for w in arrays):
            raise ConfigError("weights must be a non-empty list of 2-D arrays, one per bias")
        sizes = [arrays[0].shape[1]] + [w.shape[0] for w in arrays]
        net = cls.__new__(cls)
        net.sizes = validate_sizes(sizes)
        net.dtype = resolve_dtype(arrays[0].dtype)
        net.hidden_activation = _lookup(activation, ACTIVATIONS, "activation")
        net.output_activation = _lookup(output, OUTPUT_ACTIVATIONS, "output")
        net.weights = [np.array(w, dtype=net.dtype) for w in arrays]
        net.biases = [np.array(b, dtype=net.dtype).reshape(-1) for b in biases]
        for l, (w, b) in enumerate(zip(net.weights, net.biases)):
            if w.shape != (sizes[l + 1], sizes[l]) or b.shape != (sizes[l + 1],):
                raise ConfigError(
                    f"layer {l + 1}: weights {w.shape} and biases {b.shape} do not chain "
                    f"with sizes {sizes}"
                )
        return net

    @property
    def num_layers(self) -> int:
        """Number of layers, input layer included (the book's ``num_layers``)."""
        return len(self.sizes)

    @property
    def multiply_adds(self) -> int:
        """Multiply-adds of one example's forward pass, :func:`n_parameters` of the sizes."""
        return n_parameters(self.sizes)

    def astype(self, dtype: DTypeLike) -> Network:
        """A copy of this network computing in ``dtype``."""
        net = Network.from_parameters(
            self.weights,
            self.biases,
            activation=self.hidden_activation.name,
            output=self.output_activation.name,
        )
        target = resolve_dtype(dtype)
        net.dtype = target
        net.weights = [w.astype(target) for w in net.weights]
        net.biases = [b.astype(target) for b in net.biases]
        return net

    def _as_batch(self, x: ArrayLike) -> NDArray[np.floating]:
        batch = as_unit_interval(x, self.dtype)
        if batch.ndim not in (1, 2) or batch.shape[-1] != self.sizes[0]:
            raise ConfigError(
                f"input must have shape (n_examples, {self.sizes[0]}) or ({self.sizes[0]},), "
                f"got {batch.shape}"
            )
        return batch

    def overflow_problem(self) -> str | None:
        """Why this network's numbers are unusable, or None (training calls this divergence).

        Non-finite weights (a diverged run) are unusable, and so are weights so large that
        ``feedforward`` could overflow on inputs in [0, 1]: with ``|a_i| <= A`` on a layer's
        inputs, every partial sum of ``z_j = sum_i w_ji a_i + b_j`` is at most
        ``A sum_i |w_ji| + |b_j|``, where A is 1 for the pixels and after a bounded activation
        (sigmoid, tanh, softmax) and that bound itself after relu. Keeping it under a quarter of
        the dtype's largest number leaves room for softmax's ``z - max(z)``, so a network that
        loads never makes NumPy warn or answer NaN.
        """
        parameters = self.weights + self.biases
        if not all(np.isfinite(p).all() for p in parameters):
            return "its weights are not finite numbers (the run diverged)"
        limit = float(np.finfo(self.dtype).max) / 4
        bound = 1.0
        for l, (w, b) in enumerate(zip(self.weights, self.biases)):
            with np.errstate(over="ignore", invalid="ignore"):  # the sums are compared, not used
                row_sums = np.abs(w).sum(axis=1, dtype=np.float64)
                largest = float(np.max(bound * row_sums + np.abs(b)))
            if not largest <= limit:
                return (
                    f"the weights of layer {l + 1} are so large that its sums can overflow "
                    f"{np.dtype(self.dtype).name} (up to {largest:.3g})"
                )
            activation = self.activation_of_layer(l)
            bound = largest if activation.bound is None else activation.bound
        return None

    def activation_of_layer(self, l: int) -> Activation:
        """The activation of weight layer ``l`` (0-based): hidden, or the output's for the last."""
        return self.output_activation if l == len(self.weights) - 1 else self.hidden_activation

    def feedforward(self, x: ArrayLike) -> NDArray[np.floating]:
        """The output activations for inputs ``x`` of shape ``(n_examples, n_in)`` or ``(n_in,)``.

        Layer by layer, ``a <- sigma(a w^T + b)``; the result has shape
        ``(n_examples, n_out)`` (or ``(n_out,)`` for one example).
        """
        return self.activations_for(x)[-1]

    def activations_for(self, x: ArrayLike) -> list[NDArray[np.floating]]:
        """Every layer's activations for ``x``, the input first and the output last."""
        activations = [self._as_batch(x)]
        for l, (w, b) in enumerate(zip(self.weights, self.biases)):
            activations.append(self.activation_of_layer(l).function(activations[-1] @ w.T + b))
        return activations

    def predict(self, x: ArrayLike) -> NDArray[np.intp]:
        """The digit each input is classified as: the index of the most active output neuron."""
        batch = self._as_batch(x)
        if batch.ndim == 1:
            return np.intp(np.argmax(self.feedforward(batch)))  # type: ignore[return-value]
        return np.concatenate(
            [
                np.argmax(self.feedforward(batch[i : i + EVALUATION_CHUNK]), axis=1)
                for i in range(0, max(len(batch), 1), EVALUATION_CHUNK)
            ]
        )

    def evaluate(self, x: ArrayLike, labels: ArrayLike) -> int:
        """How many of the inputs ``x`` are classified as their ``labels`` (the book's count)."""
        return count_correct(self.predict(x), labels)

    def __repr__(self) -> str:
        output = self.output_activation.name
        shown = "" if output == "sigmoid" else f", output={output!r}"
        return (
            f"Network({list(self.sizes)}, dtype={np.dtype(self.dtype).name}, "
            f"activation={self.hidden_activation.name!r}{shown})"
        )


def _lookup(name: str, registry: dict[str, Any], what: str) -> Any:
    if not isinstance(name, str) or name not in registry:
        raise ConfigError(f"{what} must be one of {', '.join(registry)}, got {name!r}")
    return registry[name]
