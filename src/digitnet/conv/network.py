"""A convolutional network: conv-pool layers, then fully-connected ones, a softmax output.

``ConvNetwork("conv:20x5x5,pool:2,conv:40x5x5,pool:2,fc:100,softmax:10")`` is the book's
chapter 6 network. It has the interface of :class:`~digitnet.network.Network` that training,
measuring and the model file read: ``sizes`` (neurons per layer, the input's 784 first),
``weights`` and ``biases`` (lists, updated in place by the optimizer), ``dtype``,
``feedforward``, ``activations_for``, ``predict``, ``evaluate``, ``overflow_problem``.

Inputs are rows of 784 pixels, as for every network of digitnet; the first layer sees them
as one 28 x 28 map. Weights: a conv layer's ``(F, K, K, C)`` (``F`` kernels over ``C``
maps), a fully-connected layer's ``(n_out, n_in)``; biases ``(F,)`` or ``(n_out,)``. The
last conv layer's maps reach the first fully-connected layer flattened row by row, the
maps of a pixel together (``(rows, columns, maps)`` order).

Dropout (the book's, in ``network3.py``) acts on the inputs of the fully-connected and
softmax layers; see :mod:`digitnet.conv.backprop`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from digitnet.activations import ACTIVATIONS, SOFTMAX, Activation
from digitnet.conv import fast
from digitnet.conv.layers import pad, padding_of
from digitnet.conv.spec import Conv, Layer, check_layers, format_layers, parse_layers
from digitnet.errors import ConfigError
from digitnet.mnist_shape import MNIST_SIDE
from digitnet.network import INITIALISATIONS, Network, count_correct, resolve_dtype
from digitnet.pixels import as_unit_interval

FloatArray = NDArray[np.floating]

#: Images fed forward at once by ``predict``, ``evaluate`` and ``feedforward``: the first
#: layer's im2col matrix of the book's network is then 14 MB in float32.
CONV_EVALUATION_CHUNK = 256

#: The shape of an image entering the first layer: rows, columns, maps.
Shape = tuple[int, int, int]


def layer_shapes(layers: Sequence[Layer], image: Shape) -> list[tuple[int, ...]]:
    """The output shape of every layer, the input first: ``(rows, columns, maps)`` for a
    conv layer, ``(neurons,)`` for a dense one. Refuses a kernel or pool that does not fit."""
    shapes: list[tuple[int, ...]] = [image]
    for layer in layers:
        if isinstance(layer, Conv):
            rows, columns, _ = shapes[-1]
            before, after = padding_of(layer.size, layer.padding)
            out_rows = fast.output_side(rows + before + after, layer.size) // layer.pool
            out_columns = fast.output_side(columns + before + after, layer.size) // layer.pool
            if out_rows < 1 or out_columns < 1:
                raise ConfigError(f"layer {layer}: does not fit its {rows}x{columns} input maps")
            shapes.append((out_rows, out_columns, layer.maps))
        else:
            shapes.append((layer.neurons,))
    return shapes


def weight_shape(layer: Layer, before: tuple[int, ...]) -> tuple[int, ...]:
    """The weights of ``layer`` after a layer of output shape ``before``."""
    if isinstance(layer, Conv):
        return (layer.maps, layer.size, layer.size, before[-1])
    return (layer.neurons, math.prod(before))


def network_shapes(
    layers: str | Sequence[Layer],
) -> tuple[tuple[Layer, ...], list[tuple[int, ...]]]:
    """The checked layers of a spec and the shape of each one's weights, without weights."""
    checked = parse_layers(layers) if isinstance(layers, str) else check_layers(layers)
    shapes = layer_shapes(checked, (MNIST_SIDE, MNIST_SIDE, 1))
    return checked, [weight_shape(layer, before) for layer, before in zip(checked, shapes)]


def layer_sizes(layers: str | Sequence[Layer]) -> tuple[int, ...]:
    """Neurons per layer of a network of ``layers``, the input's 784 first."""
    checked = parse_layers(layers) if isinstance(layers, str) else check_layers(layers)
    return tuple(math.prod(s) for s in layer_shapes(checked, (MNIST_SIDE, MNIST_SIDE, 1)))


class ConvNetwork:
    """A convolutional network of ``layers``, e.g. ``ConvNetwork("conv:20x5x5,pool:2,softmax:10")``.

    Parameters
    ----------
    layers : str or sequence of Conv and Dense
        The layers, as :func:`~digitnet.conv.spec.parse_layers` reads them.
    seed : int or numpy.random.Generator, optional
        Source of the initial weights.
    dtype : {"float32", "float64"}
        Type of the weights and of every computation.
    activation : {"sigmoid", "tanh", "relu"}
        The activation of every hidden layer, conv and fully-connected.
    init : {"normal", "scaled", "he"}
        How the initial weights are drawn (see :data:`digitnet.network.INITIALISATIONS`),
        with a conv kernel's ``K * K * C`` inputs as its fan-in.
    """

    def __init__(
        self,
        layers: str | Sequence[Layer],
        *,
        seed: int | np.random.Generator | None = None,
        dtype: DTypeLike = "float32",
        activation: str = "relu",
        init: str = "he",
    ) -> None:
        self._set_layers(layers, dtype, activation)
        if not isinstance(init, str) or init not in INITIALISATIONS:
            raise ConfigError(f"init must be one of {', '.join(INITIALISATIONS)}, got {init!r}")
        weight_scale, random_biases = INITIALISATIONS[init]
        rng = np.random.default_rng(seed)
        shapes = self.weight_shapes()
        self.biases = [
            (rng.standard_normal(s[0]) if random_biases else np.zeros(s[0])).astype(self.dtype)
            for s in shapes
        ]
        self.weights = [
            (rng.standard_normal(s) * weight_scale(math.prod(s[1:]))).astype(self.dtype)
            for s in shapes
        ]

    def _set_layers(self, layers: str | Sequence[Layer], dtype: DTypeLike, activation: str) -> None:
        self.layers = parse_layers(layers) if isinstance(layers, str) else check_layers(layers)
        self.dtype = resolve_dtype(dtype)
        if not isinstance(activation, str) or activation not in ACTIVATIONS:
            raise ConfigError(
                f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}"
            )
        self.hidden_activation: Activation = ACTIVATIONS[activation]
        self.output_activation: Activation = SOFTMAX
        self.shapes = layer_shapes(self.layers, (MNIST_SIDE, MNIST_SIDE, 1))
        self.sizes = tuple(math.prod(s) for s in self.shapes)

    @classmethod
    def from_parameters(
        cls,
        layers: str | Sequence[Layer],
        weights: Sequence[ArrayLike],
        biases: Sequence[ArrayLike],
        *,
        activation: str = "relu",
    ) -> ConvNetwork:
        """A network of ``layers`` around given weights and biases (shapes as the layers say)."""
        net = cls.__new__(cls)
        arrays = [np.asarray(w) for w in weights]
        if not arrays:
            raise ConfigError("weights must be a non-empty list of arrays")
        net._set_layers(layers, arrays[0].dtype, activation)
        expected = net.weight_shapes()
        if len(arrays) != len(expected) or len(biases) != len(expected):
            raise ConfigError(
                f"{len(arrays)} weights and {len(biases)} biases for {len(expected)} layers"
            )
        net.weights = [np.array(w, dtype=net.dtype) for w in arrays]
        net.biases = [np.array(b, dtype=net.dtype).reshape(-1) for b in biases]
        for l, (w, b, shape) in enumerate(zip(net.weights, net.biases, expected)):
            if w.shape != shape or b.shape != shape[:1]:
                raise ConfigError(
                    f"layer {l + 1} ({net.layers[l]}): weights {w.shape} and biases {b.shape}, "
                    f"expected {shape} and {shape[:1]}"
                )
        return net

    def weight_shapes(self) -> list[tuple[int, ...]]:
        """The shape of each layer's weights (its biases': the first number)."""
        return [weight_shape(layer, before) for layer, before in zip(self.layers, self.shapes)]

    @property
    def spec(self) -> str:
        """The layers as text, ``conv:20x5x5,pool:2,...``."""
        return format_layers(self.layers)

    @property
    def num_layers(self) -> int:
        """Number of layers, input layer included."""
        return len(self.sizes)

    @property
    def multiply_adds(self) -> int:
        """Multiply-adds of one image's forward pass (a conv kernel at every position)."""
        total = 0
        for layer, before, after, w in zip(self.layers, self.shapes, self.shapes[1:], self.weights):
            if isinstance(layer, Conv):
                rows = before[0] + sum(padding_of(layer.size, layer.padding)) - layer.size + 1
                columns = before[1] + sum(padding_of(layer.size, layer.padding)) - layer.size + 1
                total += rows * columns * w.size
            else:
                total += w.size
            total += math.prod(after)
        return total

    def activation_of_layer(self, l: int) -> Activation:
        """The activation of layer ``l`` (0-based): the hidden one, softmax for the last."""
        return self.output_activation if l == len(self.layers) - 1 else self.hidden_activation

    def astype(self, dtype: DTypeLike) -> ConvNetwork:
        """A copy of this network computing in ``dtype``."""
        target = resolve_dtype(dtype)
        return ConvNetwork.from_parameters(
            self.layers,
            [w.astype(target) for w in self.weights],
            [b.astype(target) for b in self.biases],
            activation=self.hidden_activation.name,
        )

    def _as_batch(self, x: ArrayLike) -> FloatArray:
        batch = as_unit_interval(x, self.dtype)
        if batch.ndim not in (1, 2) or batch.shape[-1] != self.sizes[0]:
            raise ConfigError(
                f"input must have shape (n_examples, {self.sizes[0]}) or ({self.sizes[0]},), "
                f"got {batch.shape}"
            )
        return batch

    def layer_forward(self, l: int, a: FloatArray) -> FloatArray:
        """Layer ``l``'s activations from the layer before's ``a``: maps (m, h, w, C) into
        a conv layer, rows (m, n) into a dense one (the maps flattened first)."""
        layer, w, b = self.layers[l], self.weights[l], self.biases[l]
        if isinstance(layer, Conv):
            c = fast.convolve(pad(a, layer.size, layer.padding), w)
            z = fast.max_pool_values(c, layer.pool) if layer.pool > 1 else c
        else:
            z = a.reshape(a.shape[0], -1) @ w.T
        z += b
        self.activation_of_layer(l).in_place(z)
        return z

    def activations_for(self, x: ArrayLike) -> list[FloatArray]:
        """Every layer's activations for ``x``, each flattened to (m, n_l), input first."""
        batch = self._as_batch(x)
        rows = batch.reshape(-1, self.sizes[0])
        a: FloatArray = rows.reshape(-1, *self.shapes[0])
        activations = [rows]
        for l in range(len(self.layers)):
            a = self.layer_forward(l, a)
            activations.append(a.reshape(a.shape[0], -1))
        if batch.ndim == 1:
            return [a[0] for a in activations]
        return activations

    def feedforward(self, x: ArrayLike) -> FloatArray:
        """The output activations for ``x`` (n_examples, 784) or (784,), in chunks."""
        batch = self._as_batch(x)
        if batch.ndim == 1:
            return self._forward(batch[None])[0]
        outputs = [
            self._forward(batch[i : i + CONV_EVALUATION_CHUNK])
            for i in range(0, batch.shape[0], CONV_EVALUATION_CHUNK)
        ]
        return np.concatenate(outputs) if outputs else np.empty((0, self.sizes[-1]), self.dtype)

    def _forward(self, rows: FloatArray) -> FloatArray:
        a = rows.reshape(-1, *self.shapes[0])
        for l in range(len(self.layers)):
            a = self.layer_forward(l, a)
        return a

    def predict(self, x: ArrayLike) -> NDArray[np.intp]:
        """The digit each input is classified as: the most active output neuron."""
        outputs = self.feedforward(x)
        return np.argmax(outputs, axis=-1)  # type: ignore[return-value]

    def evaluate(self, x: ArrayLike, labels: ArrayLike) -> int:
        """How many of the inputs ``x`` are classified as their ``labels``."""
        return count_correct(self.predict(x), labels)

    def overflow_problem(self) -> str | None:
        """Why this network's numbers are unusable, or None: as
        :meth:`digitnet.network.Network.overflow_problem`, a kernel's weights counting as a
        neuron's (pooling never raises the bound)."""
        if not all(np.isfinite(p).all() for p in self.weights + self.biases):
            return "its weights are not finite numbers (the run diverged)"
        limit = float(np.finfo(self.dtype).max) / 4
        bound = 1.0
        for l, (w, b) in enumerate(zip(self.weights, self.biases)):
            with np.errstate(over="ignore", invalid="ignore"):
                row_sums = np.abs(w.reshape(w.shape[0], -1)).sum(axis=1, dtype=np.float64)
                largest = float(np.max(bound * row_sums + np.abs(b)))
            if not largest <= limit:
                return (
                    f"the weights of layer {l + 1} are so large that its sums can overflow "
                    f"{np.dtype(self.dtype).name} (up to {largest:.3g})"
                )
            activation = self.activation_of_layer(l)
            bound = largest if activation.bound is None else activation.bound
        return None

    def __repr__(self) -> str:
        return (
            f"ConvNetwork({self.spec!r}, dtype={np.dtype(self.dtype).name}, "
            f"activation={self.hidden_activation.name!r})"
        )


#: Either kind of network: what training, measuring and the model file take.
AnyNetwork = Network | ConvNetwork
