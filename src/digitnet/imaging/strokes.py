"""Marks on a page as connected groups of strokes, and which group is the digit.

A mark is a connected set of inked pixels (8-connected). A digit is often several marks (a
5's detached bar, a dry pen's broken stroke), so marks closer together than GROUP_GAP of
the largest mark's size form one group. The digit is the group with the most ink; specks,
a second small mark and the page's own lines and surroundings are left out.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

Grey = NDArray[np.float32]
Labels = NDArray[np.int32]

EIGHT_NEIGHBOURS = np.ones((3, 3), dtype=bool)
#: Marks nearer each other than this share of the largest mark's longer side are one group:
#: a 5's bar written apart from its body (about 1/10 of its height away) stays in the digit,
#: a speck as far from the digit as a third of its height does not.
GROUP_GAP = 0.2
#: A group that spans this share of the page's width or height while staying thinner than
#: LINE_THICKNESS of it is a ruled line or a fold, not a digit ...
LINE_SPAN = 0.9
LINE_THICKNESS = 0.05
#: ... and so is one that covers this share of the page's frame (a table around a sheet).
FRAME_SHARE = 0.5
#: A mark whose outer ring lies mostly in this other mask is enclosed by it (see enclosed).
ENCLOSED_SHARE = 0.6
RING_WIDTH = 2  # pixels: wider than a blurred edge's foot, narrower than a stroke's gap


def label_marks(mask: NDArray[np.bool_]) -> tuple[Labels, int]:
    """The 8-connected marks of `mask`: labels 1..n, shape of `mask` (0 is no mark), and n."""
    labels, count = ndimage.label(mask, structure=EIGHT_NEIGHBOURS)
    return labels.astype(np.int32, copy=False), int(count)


def mark_sizes(labels: Labels, count: int) -> NDArray[np.int64]:
    """The pixels of each mark, index 0 for the unmarked pixels, shape (count + 1,)."""
    return np.bincount(labels.ravel(), minlength=count + 1)


def rings(labels: Labels) -> tuple[Labels, NDArray[np.bool_]]:
    """Each mark's ring, the unmarked pixels within RING_WIDTH of it: the labels grown by
    RING_WIDTH (which mark a ring pixel belongs to) and the ring's mask."""
    grown = ndimage.maximum_filter(labels, size=2 * RING_WIDTH + 1)
    return grown, (grown > 0) & (labels == 0)


def enclosed(labels: Labels, count: int, other: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Whether each mark is enclosed by `other`: most of its ring (ENCLOSED_SHARE) lies in
    `other`. The paper inside a 0's loop is enclosed by the ink; the ink is not enclosed by
    the paper around it, which is mostly outside `other`. Shape (count + 1,)."""
    grown, ring = rings(labels)
    around = np.bincount(grown[ring], minlength=count + 1)
    inside = np.bincount(grown[ring & other], minlength=count + 1)
    return inside > ENCLOSED_SHARE * np.maximum(around, 1)


def pick_digit(ink: Grey) -> Grey:
    """`ink` with only the digit's group of marks kept, the rest set to 0.

    The page's lines and surroundings (see LINE_SPAN, FRAME_SHARE) are left out when any
    other mark remains; the remaining marks are grouped (GROUP_GAP) and the group with the
    most ink is the digit. A page of one mark is returned as it is.
    """
    labels, count = label_marks(ink > 0)
    if count <= 1:
        return ink
    boxes = ndimage.find_objects(labels)
    mass = np.bincount(labels.ravel(), weights=ink.ravel(), minlength=count + 1)
    candidates = np.ones(count + 1, dtype=bool)
    candidates[0] = False
    page_marks = _page_marks(labels, count, boxes)
    if (candidates & ~page_marks).any():
        candidates &= ~page_marks
    groups = _groups(labels, candidates, boxes)
    group_mass = np.bincount(groups, weights=mass, minlength=groups.max() + 1)
    group_mass[0] = 0.0
    chosen = groups == int(np.argmax(group_mass))
    chosen[0] = False
    return np.where(chosen[labels], ink, np.float32(0)).astype(np.float32, copy=False)


def framing(labels: Labels, count: int) -> NDArray[np.bool_]:
    """Whether each mark covers FRAME_SHARE of the page's frame (its outermost pixels): the
    page around a sheet, or the paper around a digit that fills its picture. Shape
    (count + 1,)."""
    frame = np.concatenate([labels[0], labels[-1], labels[1:-1, 0], labels[1:-1, -1]])
    page = np.bincount(frame, minlength=count + 1) > FRAME_SHARE * frame.size
    page[0] = False
    return page


def _page_marks(
    labels: Labels, count: int, boxes: list[tuple[slice, slice] | None]
) -> NDArray[np.bool_]:
    """Marks that belong to the page, not to a digit: long thin lines and frame-fillers."""
    h, w = labels.shape
    page = framing(labels, count)
    for index, box in enumerate(boxes, start=1):
        if box is None:
            continue
        tall, wide = box[0].stop - box[0].start, box[1].stop - box[1].start
        across = (wide >= LINE_SPAN * w and tall <= LINE_THICKNESS * h) or (
            tall >= LINE_SPAN * h and wide <= LINE_THICKNESS * w
        )
        page[index] |= across
    page[0] = False
    return page


def _groups(
    labels: Labels, candidates: NDArray[np.bool_], boxes: list[tuple[slice, slice] | None]
) -> NDArray[np.int64]:
    """The group of each mark (0 for marks that are not candidates), shape (count + 1,)."""
    sides = [
        max(b[0].stop - b[0].start, b[1].stop - b[1].start) if b is not None else 0 for b in boxes
    ]
    largest = max(side for side, keep in zip(sides, candidates[1:]) if keep)
    gap = max(1, round(GROUP_GAP * largest))
    kept = candidates[labels]  # grown by gap / 2 each, two marks meet across a gap of `gap`
    near, _ = label_marks(ndimage.maximum_filter(kept, size=gap + 1))
    groups = np.zeros(candidates.size, dtype=np.int64)
    groups[labels[kept]] = near[kept]  # every pixel of a mark lies in the same group
    return groups
