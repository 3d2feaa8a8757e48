"""Digits that are not MNIST's: a labelled set of our own, to measure real-world reading.

MNIST's digits were written by American census workers and students, scanned and
normalised one way. A network that reads them can still fail on a 7 with a bar, a phone
photo, a blue ballpoint or a small digit on a big page. This package draws such digits,
deterministically, from a seed:

- :mod:`~digitnet.handwriting.skeletons`: several ways of writing each digit, as pen
  strokes;
- :mod:`~digitnet.handwriting.pen`: a random hand (wobble, slant, turn, width, pen size)
  and the antialiased mask its pen leaves;
- :mod:`~digitnet.handwriting.styles`: the ways an image of it reaches us (pen, pencil,
  ballpoint, marker, app canvas, other file formats, phone photo, big page);
- :mod:`~digitnet.handwriting.score`: the set run through digitnet's own pipeline
  (:func:`digitnet.imaging.preprocess`) and a network's accuracy on it, style by style.

Nothing here was tuned on MNIST's test set: the skeletons were drawn by hand and the
styles' ranges chosen from what phones, scanners and drawing apps produce.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from digitnet.errors import ConfigError
from digitnet.handwriting.pen import Hand, rasterise, write
from digitnet.handwriting.skeletons import SKELETONS
from digitnet.handwriting.styles import STYLES, encode

__all__ = ["DEFAULT_PER_STYLE", "DEFAULT_SEED", "STYLES", "Sample", "make_set", "sample"]

#: The seed of the set the README and ``digitnet reproduce`` report on.
DEFAULT_SEED = 20260
#: Images of each style in that set (a tenth of them of each digit).
DEFAULT_PER_STYLE = 200
N_DIGITS = 10


@dataclass(frozen=True)
class Sample:
    """One labelled image file: its ``digit``, ``style`` (a key of STYLES), format, bytes."""

    digit: int
    style: str
    kind: str
    data: bytes


def sample(style: str, index: int, seed: int = DEFAULT_SEED) -> Sample:
    """Image ``index`` of ``style``: digit ``index % 10``, the same bytes for the same seed."""
    if style not in STYLES:
        raise ConfigError(f"style must be one of {', '.join(STYLES)}, got {style!r}")
    rng = np.random.default_rng([seed, list(STYLES).index(style), index])
    digit = index % N_DIGITS
    variants = SKELETONS[digit]
    skeleton = variants[int(rng.integers(len(variants)))]

    def draw(width: tuple[float, float], height: float) -> np.ndarray:
        hand = Hand.draw(rng, width)
        return rasterise(write(skeleton, hand, rng), height, hand.width)

    image, kind = STYLES[style](draw, rng)
    return Sample(digit, style, kind, encode(image, kind, rng))


def make_set(
    per_style: int = DEFAULT_PER_STYLE,
    *,
    seed: int = DEFAULT_SEED,
    styles: tuple[str, ...] = tuple(STYLES),
) -> list[Sample]:
    """``per_style`` images of each style, digits 0-9 in turn; a subset of styles or a
    smaller ``per_style`` gives the same images as the whole set does."""
    if isinstance(per_style, bool) or not isinstance(per_style, int) or per_style < 1:
        raise ConfigError(f"per_style must be a positive integer, got {per_style!r}")
    return [sample(style, i, seed) for style in styles for i in range(per_style)]
