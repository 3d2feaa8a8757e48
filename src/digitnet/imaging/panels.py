"""The pipeline's stages as pictures, in order, for the web page's panels and the CLI.

Each stage is drawn as it is held: the page and the paper as grey levels (as they look),
the later stages with ink = 1 white on black, as in MNIST.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw

from digitnet.imaging.pipeline import PreprocessSteps

#: (name, the PreprocessSteps attribute, what the stage shows), in the pipeline's order.
STAGES: tuple[tuple[str, str, str], ...] = (
    ("page", "page", "your image in grey"),
    ("paper", "paper", "the paper's light and tint"),
    ("ink", "grey", "paper removed: ink white on black"),
    ("digit", "digit", "the digit's marks (specks, lines left out)"),
    ("cropped", "cropped", "cropped to the ink"),
    ("scaled", "scaled", "scaled into 20 x 20"),
    ("centred", "centred", "centred by mass in 28 x 28"),
)
PANEL_SIDE = 160  # each panel of `strip`, in pixels
GAP = 8


def stage_arrays(steps: PreprocessSteps) -> dict[str, NDArray[np.float32]]:
    """Each stage by its name in STAGES, as a float32 array in [0, 1]."""
    return {name: getattr(steps, attribute) for name, attribute, _ in STAGES}


def strip(steps: PreprocessSteps) -> Image.Image:
    """Every stage side by side, each fitted into PANEL_SIDE pixels, captioned by its name.

    Small stages (20x20, 28x28) are enlarged without smoothing, so each pixel the network
    sees shows as a square.
    """
    arrays = stage_arrays(steps)
    width = len(arrays) * (PANEL_SIDE + GAP) + GAP
    caption = 14
    picture = Image.new("L", (width, PANEL_SIDE + caption + 2 * GAP), 96)
    draw = ImageDraw.Draw(picture)
    for index, (name, grey) in enumerate(arrays.items()):
        panel = _panel(grey)
        left = GAP + index * (PANEL_SIDE + GAP)
        offset = ((PANEL_SIDE - panel.width) // 2, (PANEL_SIDE - panel.height) // 2)
        picture.paste(panel, (left + offset[0], GAP + offset[1]))
        draw.text((left, GAP + PANEL_SIDE + 2), name, fill=255)
    return picture


def _panel(grey: NDArray[np.float32]) -> Image.Image:
    levels = np.rint(np.clip(grey, 0.0, 1.0) * 255).astype(np.uint8)
    img = Image.fromarray(levels)
    h, w = grey.shape
    scale = PANEL_SIDE / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = max(h, w) <= PANEL_SIDE // 4
    return img.resize(size, Image.Resampling.NEAREST if small else Image.Resampling.BOX)
