"""Ink or paper: from a page of grey levels to ink = 1 on paper = 0, whatever the page.

The paper's level under uneven light is estimated for both polarities (see
:mod:`digitnet.imaging.background`): `lit`, the paper under dark ink (a closing), and
`under`, the paper under light ink (an opening). Dark ink is then ``d = 1 - grey / lit``
(the share of the light it absorbs), light ink ``d = grey - under``. Each `d` is 0 on the
paper, so the paper's offset and noise are measured on the pixels near 0 whatever share of
the page is inked, and clear ink is ``d > max(MIN_CONTRAST, NOISE_SIGMAS * noise)``.

Which polarity is the ink? The one whose clear marks have the longer, stronger edges (see
_edges): a stroke has an edge all round, while the wrong polarity's "marks" - the paper in
a 7's pocket, or beside the digit - open onto paper of their own level, the paper in a 0's
loop is enclosed by the ink, and the paper around a digit that fills its picture covers
the page's frame.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from digitnet.errors import ImageError
from digitnet.imaging.background import background, rank_filter
from digitnet.imaging.strokes import (
    RING_WIDTH,
    enclosed,
    framing,
    label_marks,
    mark_sizes,
    rings,
)

Grey = NDArray[np.float32]

MIN_CONTRAST = 0.05  # ink must differ from the paper by this much of full scale
NOISE_SIGMAS = 4  # ... and by this many deviations of the paper's noise
PAPER_BAND = 0.15  # pixels this near the paper's level measure its offset and noise
INK_PERCENTILE = 70  # of the clearly-inked pixels: this level and above become 1.0
NOISE_FLOOR = 0.25  # normalised levels below this are paper texture, not ink
#: A mark of clear ink covers at least a 2x2 block: noise above NOISE_SIGMAS deviations
#: strikes single pixels (about 3 in 100,000), so a page of only those is blank.
MIN_MARK_PIXELS = 4
#: Ink over this share of the page's two levels is a digit filling its picture (see _dense).
DENSE_SHARE = 0.3
#: ... when its two levels lie this many of the paper's deviations apart.
DENSE_SEPARATION = 8

BLANK = "no digit found (the image is blank)"


@dataclass(frozen=True)
class Ink:
    """Where the ink is on a page.

    Attributes
    ----------
    level : ndarray, shape (H, W), float32 in [0, 1]
        Ink = 1, paper = 0.
    paper : ndarray, shape (H, W), float32 in [0, 1]
        The paper's estimated grey level under the ink (lighting and tint), as on the page.
    dark : bool
        True for dark ink on light paper.
    offset, ink_level, floor : float
        The mapping from the ink's strength `d` to `level` (see levels_of).
    """

    level: Grey
    paper: Grey
    dark: bool
    offset: float
    ink_level: float
    floor: float

    def levels_of(self, grey: Grey, paper: Grey) -> Grey:
        """The same mapping on other pixels (a finer copy of part of the page, with the
        paper's level resized to it): ``v = (d - offset) / ink_level`` clipped to [0, 1],
        levels below `floor` set to 0."""
        d = _strength(grey, paper, self.dark) - np.float32(self.offset)
        v = np.clip(d * np.float32(1 / self.ink_level), 0.0, 1.0).astype(np.float32)
        v[v < self.floor] = 0.0
        return v


@dataclass(frozen=True)
class _Polarity:
    dark: bool  # dark ink on light paper
    paper: Grey  # the paper's level for ink of this polarity
    strength: Grey  # d less the paper's offset: 0 on the paper
    offset: float
    noise: float
    clear: NDArray[np.bool_]


def find_ink(page: NDArray[np.uint8], name: str) -> Ink:
    """The ink on a page of grey levels, shape (H, W) uint8.

    Raises
    ------
    ImageError
        If no mark of MIN_MARK_PIXELS differs from the paper clearly (a blank page).
    """
    grey = page.astype(np.float32) * np.float32(1 / 255)
    dark_paper = [1.0 - level for level in background(1.0 - grey)]
    light_paper = background(grey)
    dark, light = _polarity(grey, True, dark_paper[0]), _polarity(grey, False, light_paper[0])
    is_dark = _ink_is_dark(grey, dark, light)
    chosen, papers = (dark, dark_paper) if is_dark else (light, light_paper)
    if papers[1] is not papers[0]:  # a blob wider than the filters: the paper under it
        chosen = _polarity(grey, is_dark, papers[1])
    dense = _dense(grey)
    if dense is not None and chosen.clear.mean() < 0.5 * dense.clear.mean():
        chosen, is_dark = dense, dense.dark
    if not _has_a_mark(chosen.clear):
        raise ImageError(f"{name}: {BLANK}")
    ink_level = float(np.percentile(chosen.strength[chosen.clear], INK_PERCENTILE))
    floor = max(NOISE_FLOOR, NOISE_SIGMAS * chosen.noise / ink_level)
    ink = Ink(np.empty(0, np.float32), chosen.paper, is_dark, chosen.offset, ink_level, floor)
    return replace(ink, level=ink.levels_of(grey, chosen.paper))


def _polarity(grey: Grey, dark: bool, paper: Grey) -> _Polarity:
    """Ink of one polarity on `paper` (its level, see background): the ink's strength `d`,
    measured against the paper's offset and noise (median and MAD of the pixels near 0)."""
    d = _strength(grey, paper, dark)
    near = d[np.abs(d) < PAPER_BAND]
    offset = float(np.median(near)) if near.size else 0.0
    noise = 1.4826 * float(np.median(np.abs(near - offset))) if near.size else 0.0
    strength = d - np.float32(offset)
    clear = strength > max(MIN_CONTRAST, NOISE_SIGMAS * noise)
    return _Polarity(dark, paper, strength, offset, noise, clear)


def _dense(grey: Grey) -> _Polarity | None:
    """The ink of a digit that fills its picture, or None when the page is not such.

    Where ink covers DENSE_SHARE or more of the page (a bold digit cropped tight), the
    strokes are wider than any background filter and the paper is no longer the majority:
    the page is split into two levels at Otsu's threshold, and the paper is the level of
    most of the page's frame (its outermost pixels), which the ink touches (a sheet of
    paper on a table, the other two-level page, does not).
    """
    levels = np.rint(grey * 255).astype(np.intp)
    threshold = _otsu(np.bincount(levels.ravel(), minlength=256))
    if threshold is None:
        return None
    light = levels > threshold
    frame = np.concatenate([light[0], light[-1], light[1:-1, 0], light[1:-1, -1]])
    dark = bool(frame.mean() >= 0.5)  # a light frame: light paper, dark ink
    inked = ~light if dark else light
    touches = bool((frame != dark).any())  # a sheet on a table never reaches the frame
    if not (touches and DENSE_SHARE <= inked.mean() < 1.0):
        return None
    paper_level = float(np.median(grey[~inked]))
    spread = 1.4826 * float(np.median(np.abs(grey[~inked] - paper_level)))
    if abs(float(np.median(grey[inked])) - paper_level) < DENSE_SEPARATION * max(spread, 0.01):
        return None  # not two levels: a lighting gradient split in two, or grain
    paper = np.full_like(grey, paper_level)
    d = _strength(grey, paper, dark)
    noise = 1.4826 * float(np.median(np.abs(d[~inked])))
    return _Polarity(dark, paper, d, 0.0, noise, d > max(MIN_CONTRAST, NOISE_SIGMAS * noise))


def _otsu(histogram: NDArray[np.int64]) -> int | None:
    """The grey level that best splits `histogram` in two (Otsu, 1979): the most variance
    between the two classes, ``w0 w1 (mu0 - mu1)**2``; None for a page of one level."""
    p = histogram / histogram.sum()
    w0 = np.cumsum(p)
    mu = np.cumsum(p * np.arange(p.size))
    w1 = 1.0 - w0
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mu[-1] * w0 - mu) ** 2 / (w0 * w1)
    between = np.where(np.isfinite(between), between, -1.0)
    return int(np.argmax(between)) if between.max() > 0 else None


def _strength(grey: Grey, paper: Grey, dark: bool) -> Grey:
    """``d = 1 - grey / paper`` for dark ink (the share of light it absorbs), else
    ``grey - paper``."""
    if not dark:
        return grey - paper
    # paper as dark as MIN_CONTRAST reflects no light for ink to absorb: no dark ink
    return np.where(paper > MIN_CONTRAST, 1.0 - grey / np.maximum(paper, MIN_CONTRAST), 0)


def _ink_is_dark(grey: Grey, dark: _Polarity, light: _Polarity) -> bool:
    """Whether the dark polarity's marks have the longer, stronger edges (see _edges).

    Decided on backgrounds that take no plateau for a mark (see background's wide marks): a
    sheet of paper on a darker table would otherwise be a light mark enclosing the ink.
    """
    grain = NOISE_SIGMAS * light.noise  # the light polarity's d is in the page's grey levels
    dark_marks, light_marks = _Marks.of(dark.clear), _Marks.of(light.clear)
    dark_edges = _edges(dark, dark_marks, _enclosing(light_marks, light, dark), grey, grain)
    light_edges = _edges(light, light_marks, _enclosing(dark_marks, dark, light), grey, grain)
    return dark_edges >= light_edges


def _enclosing(marks: _Marks, polarity: _Polarity, other: _Polarity) -> NDArray[np.bool_]:
    """The pixels of `polarity`'s marks that may enclose `other`'s: inside the page, and
    not where `polarity`'s paper followed `other`'s ink.

    A digit wider than the background filters pulls the other polarity's paper estimate
    towards its own ink level (an opening dips under a big dark digit). Where that estimate
    dips (rises, for light ink) past every level it takes on the page's frame - lighting
    peaks at the edges, see background - it is no longer the paper, and the paper around
    the digit turns into "marks" of that polarity hugging the ink (in a shadow's gradient,
    most of its ring): such marks enclose nothing. The paper in a 0's loop or a 4's pocket
    is still enclosed by the real ink, under which the ink's own paper estimate stays level.
    """
    inside = marks.inside_the_page()
    paper = polarity.paper
    frame = np.concatenate([paper[0], paper[-1], paper[1:-1, 0], paper[1:-1, -1]])
    if other.dark:  # `polarity` is light ink: its paper (an opening) dips under dark ink
        followed = paper < float(frame.min()) - MIN_CONTRAST
    else:  # `polarity` is dark ink: its paper (a closing) rises under light ink
        followed = paper > float(frame.max()) + MIN_CONTRAST
    return inside & ~followed


@dataclass(frozen=True)
class _Marks:
    labels: NDArray[np.int32]
    count: int
    page: NDArray[np.bool_]  # by label: the mark covers the frame (see framing)

    @classmethod
    def of(cls, clear: NDArray[np.bool_]) -> _Marks:
        labels, count = label_marks(clear)
        return cls(labels, count, framing(labels, count))

    def inside_the_page(self) -> NDArray[np.bool_]:
        """The pixels of the marks that do not cover the frame."""
        return (self.labels > 0) & ~self.page[self.labels]


def _edges(
    polarity: _Polarity, marks: _Marks, other: NDArray[np.bool_], grey: Grey, grain: float
) -> float:
    """The contrast summed along the edges of the marks that `other` does not enclose and
    that do not cover the page's frame.

    A ring pixel (see :func:`rings`) counts when the page steps there: it is lighter (for
    dark ink; darker for light ink) than the mark's own pixels beside it by half the mark's
    mean contrast, and by more than the page's `grain` (NOISE_SIGMAS deviations of its
    noise). A stroke's ring is paper all round; a "mark" of the wrong polarity - the paper
    in a pocket of a 7, or beside the ink where the other polarity's paper estimate dips -
    is paper itself, with no step to the paper around it; the paper inside a 0 is enclosed
    by the ink, and the paper around a digit that fills its picture covers the frame.
    """
    labels, count = marks.labels, marks.count
    if count == 0:
        return 0.0
    flat = labels.ravel()
    pixels = np.maximum(mark_sizes(labels, count), 1)
    strength = np.where(polarity.clear, np.abs(grey - polarity.paper), 0).ravel()
    contrast = np.bincount(flat, weights=strength, minlength=count + 1) / pixels
    grown, ring = rings(labels)
    owner = grown[ring]
    step = _step_to_mark(grey, polarity.clear, polarity.dark)[ring]
    edge = step > np.maximum(0.5 * contrast[owner], grain)
    support = np.bincount(owner[edge], minlength=count + 1) * contrast
    support[enclosed(labels, count, other) | marks.page] = 0.0
    support[0] = 0.0
    return float(support.sum())


def _step_to_mark(grey: Grey, clear: NDArray[np.bool_], dark: bool) -> Grey:
    """How far each pixel's grey lies above the darkest mark pixel within 2 * RING_WIDTH of
    it (below the lightest, for light ink); 0 where no mark is near. Twice the ring's
    width, so that a ring pixel reaches past a blurred edge's faint foot into the stroke."""
    size = 4 * RING_WIDTH + 1
    if dark:
        inner = rank_filter(np.where(clear, grey, np.float32(np.inf)), size, np.min)
        step = grey - inner
    else:
        inner = rank_filter(np.where(clear, grey, np.float32(-np.inf)), size, np.max)
        step = inner - grey
    return np.where(np.isfinite(inner), step, np.float32(0))


def _has_a_mark(clear: NDArray[np.bool_]) -> bool:
    if clear.sum() < MIN_MARK_PIXELS:
        return False
    labels, count = label_marks(clear)
    return bool((mark_sizes(labels, count)[1:] >= MIN_MARK_PIXELS).any())
