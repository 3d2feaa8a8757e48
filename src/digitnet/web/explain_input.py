"""What the explain endpoints read: a digit (its 784 pixels, or an MNIST test digit by
index), a map's method, a lesson's drawings. Each mistake is a one-line ConfigError (422).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from digitnet.data import Dataset
from digitnet.errors import ConfigError
from digitnet.explain.hidden_map import MAP_METHODS
from digitnet.mnist_shape import MNIST_PIXELS, N_DIGITS
from digitnet.web.validation import is_int, json_object, reject_unknown

#: Drawings one lesson may teach: 8 x 784 pixels at 4 decimals fit the 64 KB of a body.
MAX_TAUGHT = 8
DIGIT_FIELDS = {"pixels": None, "index": None}
TEACH_FIELDS = {"examples": None}
EXAMPLE_FIELDS = {"pixels": None, "label": None}
KEEP_FIELDS = {"lesson": None}


def pixels(value: Any, what: str) -> NDArray[np.float64]:
    """``value`` as 784 pixels in [0, 1], row by row (as /api/predict's ``centred_pixels``)."""
    if not isinstance(value, list) or len(value) != MNIST_PIXELS:
        size = len(value) if isinstance(value, list) else type(value).__name__
        raise ConfigError(f"{what}: 'pixels' must be a list of {MNIST_PIXELS} numbers, got {size}")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        raise ConfigError(f"{what}: 'pixels' must hold numbers only")
    array = np.array(value, dtype=np.float64)
    if not (np.all(np.isfinite(array)) and array.min() >= 0 and array.max() <= 1):
        raise ConfigError(f"{what}: 'pixels' must lie in [0, 1]")
    return array


def digit_index(value: Any, n_test: int, what: str) -> int:
    """``value`` as the index of one of ``n_test`` MNIST test digits."""
    if not is_int(value) or not 0 <= value < n_test:
        raise ConfigError(
            f"{what}: 'index' must be an integer from 0 to {n_test - 1}, got {value!r}"
        )
    return int(value)


@dataclass(frozen=True)
class DigitAsked:
    """The digit a request asks about: its pixels in [0, 1], and its test index if any."""

    pixels: NDArray[np.float64]
    index: int | None
    label: int | None


def digit(body: Any, what: str, test: Dataset | None) -> DigitAsked:
    """``{"pixels": [...]}`` or ``{"index": n}`` (``test`` is MNIST's test set, read only
    for an index)."""
    fields = json_object(body, what)
    reject_unknown(fields, DIGIT_FIELDS, what)
    if ("pixels" in fields) == ("index" in fields):
        raise ConfigError(f"{what}: give either 'pixels' or 'index', not both or neither")
    if "pixels" in fields:
        return DigitAsked(pixels(fields["pixels"], what), None, None)
    assert test is not None  # the route reads MNIST when an index is asked
    index = digit_index(fields["index"], len(test), what)
    return DigitAsked(test.images[index] / 255.0, index, int(test.labels[index]))


def map_method(value: str | None) -> str:
    """The ``method`` of a map: ``pca`` (the default) or ``tsne``."""
    method = value or "pca"
    if method not in MAP_METHODS:
        raise ConfigError(f"map: 'method' must be one of {', '.join(MAP_METHODS)}, got {value!r}")
    return method


def lesson(body: Any) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """``{"examples": [{"pixels": [...], "label": d}, ...]}`` as images (k, 784), labels (k,)."""
    what = "teach"
    fields = json_object(body, what)
    reject_unknown(fields, TEACH_FIELDS, what)
    examples = fields.get("examples")
    if not isinstance(examples, list) or not 1 <= len(examples) <= MAX_TAUGHT:
        raise ConfigError(f"{what}: 'examples' must be a list of 1 to {MAX_TAUGHT} drawings")
    images, labels = [], []
    for i, example in enumerate(examples):
        where = f"{what}: example {i + 1}"
        item: Mapping[str, Any] = json_object(example, where)
        reject_unknown(item, EXAMPLE_FIELDS, where)
        label: Any = item.get("label")
        if not is_int(label) or not 0 <= label < N_DIGITS:
            raise ConfigError(f"{where}: 'label' must be a digit 0 to 9, got {label!r}")
        images.append(pixels(item.get("pixels"), where))
        labels.append(label)
    return np.stack(images), np.array(labels, dtype=np.intp)


def lesson_name(body: Any) -> str:
    """``{"lesson": "<name>"}``: the lesson to keep."""
    fields = json_object(body, "keep a lesson")
    reject_unknown(fields, KEEP_FIELDS, "keep a lesson")
    name = fields.get("lesson")
    if not isinstance(name, str):
        raise ConfigError(f"keep a lesson: 'lesson' must be a lesson's name, got {name!r}")
    return name
