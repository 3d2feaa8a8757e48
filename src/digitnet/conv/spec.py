"""The layers of a convolutional network as text: ``conv:20x5x5,pool:2,fc:100,softmax:10``.

Items, separated by commas:

- ``conv:FxKxK`` - a convolutional layer of ``F`` feature maps, each a ``K x K`` kernel
  over every map of the layer before (stride 1); ``conv:FxKxK:same`` pads the input with
  zeros so the maps keep its size, the default ``valid`` does not (the book's);
- ``pool:P`` - max-pooling of the convolutional layer just before over ``P x P`` blocks
  (the book's ``ConvPoolLayer``: a partial block at the edge is dropped);
- ``fc:N`` - a fully-connected layer of ``N`` neurons;
- ``softmax:N`` - the output layer, ``N`` softmax neurons, always last.

Convolutional layers come first, then fully-connected ones. Every hidden layer uses the
network's one activation, as in the book's experiments.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from digitnet.errors import ConfigError

#: Paddings of a convolution: none (the output shrinks by ``K - 1``) or enough to keep size.
PADDINGS = ("valid", "same")

#: Largest values a spec may ask for: far above any useful network, low enough that a typo
#: cannot ask for terabytes before anything is checked.
MAX_MAPS = 4096
MAX_KERNEL = 28
MAX_POOL = 28
MAX_NEURONS = 100_000
MAX_LAYERS = 64

_CONV = re.compile(r"conv:(\d+)x(\d+)x(\d+)(?::(valid|same))?")
_POOL = re.compile(r"pool:(\d+)")
_DENSE = re.compile(r"(fc|softmax):(\d+)")


@dataclass(frozen=True)
class Conv:
    """``maps`` feature maps of ``size x size`` kernels, then max-pooling over ``pool x pool``."""

    maps: int
    size: int
    padding: str = "valid"
    pool: int = 1

    def __str__(self) -> str:
        text = f"conv:{self.maps}x{self.size}x{self.size}"
        text += ":same" if self.padding == "same" else ""
        return text + (f",pool:{self.pool}" if self.pool > 1 else "")


@dataclass(frozen=True)
class Dense:
    """``neurons`` fully-connected neurons; ``softmax`` for the output layer."""

    neurons: int
    softmax: bool = False

    def __str__(self) -> str:
        return f"{'softmax' if self.softmax else 'fc'}:{self.neurons}"


Layer = Conv | Dense


def format_layers(layers: Sequence[Layer]) -> str:
    """The spec text of ``layers``: :func:`parse_layers` reads it back to the same layers."""
    return ",".join(str(layer) for layer in layers)


def parse_layers(text: str) -> tuple[Layer, ...]:
    """The layers of a spec such as ``conv:20x5x5,pool:2,fc:100,softmax:10``.

    Raises
    ------
    ConfigError
        One line naming the item at fault: unknown, out of range, out of order, or no
        ``softmax`` layer last.
    """
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(
            f"layers must be a spec such as 'conv:20x5x5,pool:2,softmax:10', got {text!r}"
        )
    layers: list[Layer] = []
    for item in (part.strip() for part in text.split(",")):
        layers = _add(layers, item)
    return check_layers(layers)


def _add(layers: list[Layer], item: str) -> list[Layer]:
    if conv := _CONV.fullmatch(item):
        maps, height, width = (int(g) for g in conv.groups()[:3])
        if height != width:
            raise ConfigError(f"layer {item!r}: kernels are square, KxK")
        return [*layers, Conv(maps, height, conv.group(4) or "valid")]
    if pool := _POOL.fullmatch(item):
        if not layers or not isinstance(layers[-1], Conv) or layers[-1].pool > 1:
            raise ConfigError(f"layer {item!r}: pooling follows a conv layer, once")
        last = layers[-1]
        return [*layers[:-1], Conv(last.maps, last.size, last.padding, int(pool.group(1)))]
    if dense := _DENSE.fullmatch(item):
        return [*layers, Dense(int(dense.group(2)), dense.group(1) == "softmax")]
    raise ConfigError(f"layer {item!r}: not one of conv:FxKxK[:same], pool:P, fc:N, softmax:N")


def check_layers(layers: Sequence[Layer]) -> tuple[Layer, ...]:
    """``layers`` as a tuple, checked: ranges, order, a softmax layer last and only there."""
    layers = tuple(layers)
    if not layers or not isinstance(layers[-1], Dense) or not layers[-1].softmax:
        raise ConfigError("layers must end with the output layer, softmax:N")
    if len(layers) > MAX_LAYERS:
        raise ConfigError(f"layers: at most {MAX_LAYERS}, got {len(layers)}")
    seen_dense = False
    for layer in layers:
        if isinstance(layer, Conv):
            if seen_dense:
                raise ConfigError(f"layer {layer}: conv layers come before fc layers")
            _check_range(layer, "maps", layer.maps, MAX_MAPS)
            _check_range(layer, "kernel size", layer.size, MAX_KERNEL)
            _check_range(layer, "pool size", layer.pool, MAX_POOL)
            if layer.padding not in PADDINGS:
                raise ConfigError(f"layer {layer}: padding must be one of {', '.join(PADDINGS)}")
        else:
            if layer.softmax and layer is not layers[-1]:
                raise ConfigError(f"layer {layer}: softmax is the output layer, last")
            seen_dense = True
            _check_range(layer, "neurons", layer.neurons, MAX_NEURONS)
    return layers


def _check_range(layer: Layer, what: str, value: int, most: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise ConfigError(f"layer {layer}: {what} must be from 1 to {most}, got {value!r}")
