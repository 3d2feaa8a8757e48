"""JSON views of the explain endpoints: saliency, the flip, the robustness curve, the map,
a lesson. Pictures are lists of 784 numbers, row by row, rounded to PIXEL_DECIMALS (what
the page draws); a signed picture (a gradient, a change) is sent divided by its largest
size, given beside it as ``..._max_abs``, so that tiny gradients (a saturated output's)
keep their shape; the map's places are rounded to MAP_DECIMALS; accuracies are in percent.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from digitnet.explain.flip import Flip, RobustnessCurve
from digitnet.explain.hidden_map import HiddenMap
from digitnet.explain.saliency import Saliency
from digitnet.explain.teach import Lesson
from digitnet.web.views import PIXEL_DECIMALS

#: Decimals of a place on the map: a thousandth of its span is below a screen pixel.
MAP_DECIMALS = 3


def picture(values: NDArray[np.floating]) -> list[float]:
    """784 numbers as the page draws them."""
    return np.round(np.asarray(values, dtype=np.float64), PIXEL_DECIMALS).tolist()


def scaled(values: NDArray[np.floating]) -> tuple[list[float], float]:
    """A signed picture divided by its largest size, and that size (0 for all zeros)."""
    array = np.asarray(values, dtype=np.float64)
    largest = float(np.abs(array).max(initial=0.0))
    return picture(array / largest if largest > 0 else array), largest


def digit_view(
    pixels: NDArray[np.floating], index: int | None, label: int | None
) -> dict[str, Any]:
    """GET /api/explain/digit/N: a test digit's pixels in [0, 1] and its label."""
    return {"index": index, "label": label, "pixels": picture(pixels)}


def saliency_view(found: Saliency) -> dict[str, Any]:
    """POST /api/explain/saliency: for the answer and the runner-up, ``d a_j / d x`` and
    ``x d a_j / d x``, each divided by its largest size (``..._max_abs``)."""
    views = []
    for row, digit in enumerate(found.digits):
        gradient, gradient_max = scaled(found.gradient[row])
        times_input, times_input_max = scaled(found.gradient_times_input[row])
        views.append(
            {
                "digit": digit,
                "activation": float(found.outputs[digit]),
                "gradient": gradient,
                "gradient_max_abs": gradient_max,
                "gradient_times_input": times_input,
                "gradient_times_input_max_abs": times_input_max,
            }
        )
    return {
        "digit": found.digits[0],
        "runner_up": found.digits[1],
        "outputs": found.outputs.astype(np.float64).tolist(),
        "answer": views[0],
        "runner_up_view": views[1],
    }


def flip_view(found: Flip, outputs_after: NDArray[np.floating]) -> dict[str, Any]:
    """POST /api/explain/flip: the changed digit, the change (divided by its largest size,
    ``change_max_abs``), its sizes, the new answer."""
    change, change_max = scaled(found.change)
    return {
        **found.sizes(),
        "changed": picture(found.changed),
        "change": change,
        "change_max_abs": change_max,
        "outputs_after": np.asarray(outputs_after, dtype=np.float64).tolist(),
    }


def curve_view(curve: RobustnessCurve, seconds: float) -> dict[str, Any]:
    """GET /api/explain/robustness: accuracy (percent) against the L2 size of the change."""
    finite = curve.flip_sizes[np.isfinite(curve.flip_sizes) & (curve.flip_sizes > 0)]
    return {
        "digits": int(curve.flip_sizes.size),
        "sizes": curve.sizes.tolist(),
        "accuracy": (100 * curve.accuracy).tolist(),
        "median_flip_l2": float(np.median(finite)) if finite.size else None,
        "not_flipped": int(np.count_nonzero(np.isinf(curve.flip_sizes))),
        "seconds": seconds,
    }


def map_view(found: HiddenMap, seconds: float) -> dict[str, Any]:
    """GET /api/explain/map: each test digit's place, label and answer."""
    explained = None if found.explained is None else (100 * found.explained).tolist()
    return {
        "method": found.method,
        "points": np.round(found.points.astype(np.float64), MAP_DECIMALS).tolist(),
        "labels": found.labels.astype(int).tolist(),
        "predictions": found.predictions.astype(int).tolist(),
        "explained_percent": explained,
        "seconds": seconds,
    }


def lesson_view(name: str, lesson: Lesson, labels: NDArray[np.intp]) -> dict[str, Any]:
    """POST /api/explain/teach: validation accuracy before and after, each drawing's answer."""
    return {
        "lesson": name,
        "validation_before": 100 * lesson.validation_before,
        "validation_after": 100 * lesson.validation_after,
        "examples": [
            {
                "label": int(label),
                "digit_before": int(before),
                "digit_after": int(after),
                "right_before": float(right_before),
                "right_after": float(right_after),
            }
            for label, before, after, right_before, right_after in zip(
                labels,
                lesson.digits_before,
                lesson.digits_after,
                lesson.right_before,
                lesson.right_after,
            )
        ],
        "steps": lesson.steps,
        "seconds": lesson.seconds,
    }
