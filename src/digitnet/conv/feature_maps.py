"""What a convolutional network sees: one image's feature maps, and its learned filters.

For pictures (the web app's conv panel, ``digitnet plot``), so written to be read: each
conv-pool layer's forward pass by the reference of :mod:`digitnet.conv.layers`, one image
at a time, keeping what the fast path throws away.

- :func:`feature_maps`: each conv-pool layer's maps ``f(pool(x * w) + b)``, after the
  activation and the pooling, as the next layer sees them;
- :func:`filters`: each conv layer's kernels as ``K x K`` pictures; a first layer's single
  input map makes them the kernels themselves, a deeper layer's ``C`` input maps are
  summarised by their mean, ``(1/C) sum_k w[f, :, :, k]``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from digitnet.conv.layers import convolve, max_pool, pad
from digitnet.conv.network import ConvNetwork
from digitnet.conv.spec import Conv
from digitnet.errors import ConfigError
from digitnet.pixels import as_unit_interval

FloatArray = NDArray[np.floating]


def feature_maps(network: ConvNetwork, image: ArrayLike) -> list[FloatArray]:
    """Each conv-pool layer's maps for one ``image`` (784,), first layer first.

    Returns
    -------
    list of ndarray, each of shape (rows, columns, maps)
        The layer's activations ``f(pool(x * w) + b)`` in ``network.dtype``: what
        :meth:`~digitnet.conv.network.ConvNetwork.activations_for` gives for the layer,
        not flattened.
    """
    pixels = as_unit_interval(image, network.dtype)
    if pixels.shape != (network.sizes[0],):
        raise ConfigError(
            f"feature maps: one image of {network.sizes[0]} pixels, got shape {pixels.shape}"
        )
    a: FloatArray = pixels.reshape(1, *network.shapes[0])
    maps = []
    for l, layer in enumerate(network.layers):
        if not isinstance(layer, Conv):
            break  # conv layers come first
        c = convolve(pad(a, layer.size, layer.padding), network.weights[l])
        pooled = max_pool(c, layer.pool)[0] if layer.pool > 1 else c
        a = network.activation_of_layer(l).function(pooled + network.biases[l])
        maps.append(a[0])
    return maps


def filters(network: ConvNetwork) -> list[FloatArray]:
    """Each conv layer's kernels as pictures, first layer first.

    Returns
    -------
    list of ndarray, each of shape (maps, K, K)
        A layer's ``F`` kernels ``w`` (F, K, K, C) averaged over its ``C`` input maps:
        the kernels themselves for the first layer (``C = 1``).
    """
    return [
        w.mean(axis=3)
        for layer, w in zip(network.layers, network.weights)
        if isinstance(layer, Conv)
    ]
