"""The preprocessing stages as small PNG pictures the page can show (``data:`` URLs).

Each stage is drawn as it is held: the page and its paper as grey levels, the later
stages with ink = 1 shown white on black, as in MNIST. Large stages are shrunk to fit
STEP_SIDE pixels; the 20x20 and 28x28 stages are sent at their own size (the page
enlarges them without smoothing).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Collection

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from digitnet.imaging import PreprocessSteps
from digitnet.imaging.panels import stage_arrays

#: The page-sized stages are shrunk to fit a square of this side (the canvas's size) ...
STEP_SIDE = 280
#: ... but not these, sent at their own size (the page enlarges them without smoothing).
OWN_SIZE_STAGES = frozenset({"scaled", "centred"})
#: Fast zlib level: these PNGs are a few kilobytes and made on every stroke.
PNG_COMPRESS_LEVEL = 1


def data_url(grey: NDArray[np.floating], max_side: int | None = None) -> str:
    """A ``data:image/png;base64,...`` URL of ``grey`` (H, W) in [0, 1], ink = 1 white.

    With ``max_side``, the picture is shrunk (box filter) to fit ``max_side`` a side.
    """
    levels = np.rint(np.clip(grey, 0.0, 1.0) * 255).astype(np.uint8)
    picture = Image.fromarray(levels)  # 2-D uint8: mode "L"
    if max_side is not None and max(picture.size) > max_side:
        picture.thumbnail((max_side, max_side), Image.Resampling.BOX)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def step_pictures(steps: PreprocessSteps, only: Collection[str] | None = None) -> dict[str, str]:
    """Every stage the page shows, by its name in :data:`digitnet.imaging.panels.STAGES`;
    with ``only``, just the stages it names."""
    return {
        name: data_url(grey, None if name in OWN_SIZE_STAGES else STEP_SIDE)
        for name, grey in stage_arrays(steps).items()
        if only is None or name in only
    }
