"""How people write each digit: pen strokes as control points, several styles per digit.

A skeleton is a tuple of strokes; a stroke is a tuple of control points ``(x, y)`` in a box
of height 1 (``y`` down, 0 at the top) and about 0.6 wide, the pen's path through them a
Catmull-Rom spline (:func:`digitnet.handwriting.pen.trace`). The variants are the ones
that trip up a network trained on MNIST's American writers: the European 1 with its flag
and foot, the 7 with a bar, the open-topped 4, the 9 with a straight stem, the 2 with a
loop, the flat-topped 3.
"""

from __future__ import annotations

import math

Point = tuple[float, float]
Stroke = tuple[Point, ...]
Skeleton = tuple[Stroke, ...]


def arc(
    cx: float, cy: float, rx: float, ry: float, start: float, stop: float, n: int = 9
) -> Stroke:
    """``n`` points of an ellipse from angle ``start`` to ``stop`` (degrees, 90 = down)."""
    step = (stop - start) / (n - 1)
    return tuple(
        (
            cx + rx * math.cos(math.radians(start + k * step)),
            cy + ry * math.sin(math.radians(start + k * step)),
        )
        for k in range(n)
    )


def _join(*parts: Stroke) -> Stroke:
    return tuple(point for part in parts for point in part)


#: Digit -> its skeletons. Every one is a way real people write that digit.
# fmt: off
SKELETONS: dict[int, tuple[Skeleton, ...]] = {
    0: (
        (arc(0.5, 0.5, 0.3, 0.45, -90, 275, 13),),
        (arc(0.5, 0.5, 0.24, 0.46, -60, 300, 13),),  # narrow, started at the upper right
        (arc(0.5, 0.52, 0.33, 0.42, -100, 250, 13),),  # round, a little open at the top
    ),
    1: (
        (((0.5, 0.04), (0.5, 0.96)),),
        (((0.3, 0.28), (0.42, 0.14), (0.55, 0.04), (0.55, 0.96)),),  # the flag
        (((0.32, 0.26), (0.55, 0.04), (0.55, 0.96)), ((0.3, 0.96), (0.8, 0.96))),  # and a foot
    ),
    2: (
        (_join(arc(0.5, 0.3, 0.28, 0.26, -165, 25, 9), ((0.2, 0.95), (0.82, 0.95))),),
        (  # the loop at the bottom
            _join(
                arc(0.5, 0.3, 0.28, 0.26, -165, 30, 9),
                ((0.3, 0.78), (0.22, 0.9), (0.3, 0.95), (0.36, 0.86), (0.5, 0.9), (0.8, 0.94)),
            ),
        ),
        (  # a Z-like 2
            _join(arc(0.45, 0.22, 0.25, 0.18, -160, 20, 7), ((0.2, 0.95), (0.82, 0.93))),
        ),
    ),
    3: (
        (_join(arc(0.48, 0.27, 0.26, 0.22, -160, 90, 9), arc(0.48, 0.72, 0.3, 0.24, -90, 160, 9)),),
        (  # the flat top
            _join(((0.22, 0.05), (0.75, 0.05), (0.45, 0.42)), arc(0.48, 0.7, 0.3, 0.26, -80, 160)),
        ),
    ),
    4: (
        (((0.62, 0.04), (0.14, 0.66), (0.86, 0.66)), ((0.64, 0.3), (0.64, 0.96))),
        (((0.28, 0.04), (0.22, 0.6), (0.86, 0.6)), ((0.7, 0.08), (0.7, 0.96))),  # open top
        (((0.64, 0.04), (0.14, 0.66), (0.86, 0.66)), ((0.64, 0.04), (0.64, 0.96))),
    ),
    5: (
        (_join(((0.3, 0.05), (0.26, 0.45)), arc(0.48, 0.68, 0.3, 0.27, -145, 145, 11)),
         ((0.3, 0.05), (0.8, 0.05))),
        (_join(((0.8, 0.05), (0.3, 0.05), (0.26, 0.45)), arc(0.48, 0.68, 0.3, 0.27, -145, 150)),),
    ),
    6: (
        (
            (
                (0.72, 0.05), (0.45, 0.2), (0.26, 0.5), (0.28, 0.85), (0.52, 0.96),
                (0.74, 0.82), (0.72, 0.6), (0.5, 0.52), (0.3, 0.64),
            ),
        ),
        (
            _join(((0.62, 0.04), (0.4, 0.3), (0.25, 0.62)), arc(0.5, 0.72, 0.25, 0.23, 180, 530)),
        ),
    ),
    7: (
        (((0.16, 0.08), (0.84, 0.08), (0.42, 0.96)),),
        (((0.16, 0.08), (0.84, 0.08), (0.42, 0.96)), ((0.3, 0.52), (0.78, 0.5))),  # the bar
        (((0.16, 0.22), (0.18, 0.08), (0.84, 0.08), (0.62, 0.5), (0.5, 0.96)),),  # the hook
    ),
    8: (
        (
            (
                (0.7, 0.16), (0.5, 0.05), (0.3, 0.18), (0.38, 0.38), (0.5, 0.5), (0.7, 0.66),
                (0.66, 0.9), (0.5, 0.96), (0.32, 0.88), (0.3, 0.66), (0.5, 0.5), (0.66, 0.34),
                (0.7, 0.16),
            ),
        ),
        (arc(0.5, 0.26, 0.2, 0.21, 90, 450), arc(0.5, 0.73, 0.27, 0.23, -90, 270)),  # two rings
    ),
    9: (
        (_join(arc(0.48, 0.3, 0.27, 0.25, 0, 370, 13), ((0.74, 0.6), (0.68, 0.82), (0.56, 0.96))),),
        (_join(arc(0.48, 0.3, 0.27, 0.25, 0, 370, 13), ((0.75, 0.96),)),),  # a straight stem
        (arc(0.48, 0.3, 0.27, 0.25, -20, 345, 13), ((0.75, 0.16), (0.75, 0.96))),  # two strokes
    ),
}
# fmt: on
