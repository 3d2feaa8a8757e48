"""JSON views of a convolutional network: one digit's feature maps and the learned filters.

A feature map is sent as a small grey PNG (a ``data:`` URL, as the preprocessing stages
are), white where the map is most active, the page enlarging it without smoothing; each layer's
maps share one scale, from ``min(0, lowest)`` (black) to its highest value (white), both
sent beside them. A filter is signed, so it is sent as numbers, row by row, divided by the
largest size of its layer's filters (``max_abs``), for the page's blue-white-red scale.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from digitnet.conv.feature_maps import feature_maps, filters
from digitnet.conv.network import ConvNetwork
from digitnet.conv.spec import Conv
from digitnet.web.pictures import data_url
from digitnet.web.views import PIXEL_DECIMALS


def conv_layers(network: ConvNetwork) -> list[tuple[Conv, Any]]:
    """The network's conv-pool layers with their weights (F, K, K, C), first first."""
    return [
        (layer, w) for layer, w in zip(network.layers, network.weights) if isinstance(layer, Conv)
    ]


def maps_view(network: ConvNetwork, pixels: Any) -> dict[str, Any]:
    """POST /api/conv/maps: each conv-pool layer's maps for the digit ``pixels`` (784,)."""
    layers = []
    for number, ((layer, _), maps) in enumerate(
        zip(conv_layers(network), feature_maps(network, pixels)), start=1
    ):
        values = maps.astype(np.float64)
        low, high = min(0.0, float(values.min())), float(values.max())
        grey = (values - low) / (high - low) if high > low else np.zeros_like(values)
        layers.append(
            {
                "layer": number,
                "spec": str(layer),
                "shape": list(maps.shape[:2]),
                "min": low,
                "max": high,
                "maps": [data_url(grey[:, :, f]) for f in range(maps.shape[2])],
            }
        )
    return {"layers": layers}


def filters_view(network: ConvNetwork) -> dict[str, Any]:
    """GET /api/conv/filters: each conv layer's kernels, KxK numbers each (a deeper layer's
    averaged over its input maps, ``inputs`` of them)."""
    layers = []
    for number, ((layer, w), pictures) in enumerate(
        zip(conv_layers(network), filters(network)), start=1
    ):
        values = pictures.astype(np.float64)
        largest = float(np.abs(values).max(initial=0.0))
        scaled = values / largest if largest > 0 else values
        layers.append(
            {
                "layer": number,
                "spec": str(layer),
                "size": layer.size,
                "inputs": int(w.shape[3]),
                "max_abs": largest,
                "filters": np.round(scaled.reshape(len(values), -1), PIXEL_DECIMALS).tolist(),
            }
        )
    return {"layers": layers}
