"""The preprocessing stages as small PNG pictures the page can show (``data:`` URLs).

Each stage is drawn as the network sees it: grey levels with ink = 1 shown white on
black, as in MNIST. Large stages are shrunk to fit STEP_SIDE pixels; the 20x20 and 28x28
stages are sent at their own size (the page enlarges them without smoothing).
"""

from __future__ import annotations

import base64
import io

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from digitnet.imaging import PreprocessSteps

#: The raw and cropped stages are shrunk to fit a square of this side (the canvas's size).
STEP_SIDE = 280
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


def step_pictures(steps: PreprocessSteps) -> dict[str, str]:
    """The four stages the page shows: ``raw``, ``cropped``, ``scaled``, ``centred``."""
    return {
        "raw": data_url(steps.grey, STEP_SIDE),
        "cropped": data_url(steps.cropped, STEP_SIDE),
        "scaled": data_url(steps.scaled),
        "centred": data_url(steps.centred),
    }
