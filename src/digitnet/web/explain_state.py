"""What the explain endpoints keep between requests: each model's robustness curve and maps
(computed once, for the model served), and the lessons not yet kept.

Everything is tied to the :class:`~digitnet.web.session.CurrentModel` it was computed for:
when the page serves another model, the old results are dropped. Lessons are few
(MAX_LESSONS, the oldest forgotten first), each a network the size of the model.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from digitnet.explain.teach import Lesson
from digitnet.web.errors import NotFound
from digitnet.web.session import CurrentModel

#: Lessons kept until the page asks to save one or teaches more.
MAX_LESSONS = 4
#: Test digits the robustness curve is measured on, and the L2 sizes of change it reports.
ROBUSTNESS_DIGITS = 1_000
ROBUSTNESS_SIZES = tuple(round(0.25 * k, 2) for k in range(17))  # 0 to 4

T = TypeVar("T")


@dataclass(frozen=True)
class PendingLesson:
    """A lesson taught to ``model``, not saved yet."""

    model: CurrentModel
    lesson: Lesson
    n_taught: int


class ExplainState:
    """Thread-safe. The slow results are computed one at a time (a second request for the
    same result waits for the first and reuses it)."""

    def __init__(self) -> None:
        self._model: CurrentModel | None = None
        self._results: dict[str, Any] = {}
        self._lessons: OrderedDict[str, PendingLesson] = OrderedDict()
        self._names = itertools.count(1)
        self._lock = threading.Lock()  # the dicts
        self._computing = threading.Lock()  # one slow result at a time

    def result(self, model: CurrentModel, key: str, compute: Callable[[], T]) -> T:
        """``compute()`` for ``model``, once: later calls for the same model reuse it."""
        with self._computing:
            with self._lock:
                if self._model is not model:
                    self._model, self._results = model, {}
                if key in self._results:
                    return self._results[key]  # type: ignore[no-any-return]
            value = compute()
            with self._lock:
                if self._model is model:
                    self._results[key] = value
            return value

    def add_lesson(self, model: CurrentModel, lesson: Lesson, n_taught: int) -> str:
        """Keep ``lesson`` under a new name (``lesson-1``, ...); forget the oldest past
        MAX_LESSONS."""
        with self._lock:
            name = f"lesson-{next(self._names)}"
            self._lessons[name] = PendingLesson(model, lesson, n_taught)
            while len(self._lessons) > MAX_LESSONS:
                self._lessons.popitem(last=False)
            return name

    def take_lesson(self, name: str) -> PendingLesson:
        """The lesson ``name``, no longer pending; NotFound if there is none (or forgotten)."""
        with self._lock:
            pending = self._lessons.pop(name, None)
        if pending is None:
            raise NotFound(f"no lesson {name!r} to keep: teach it again")
        return pending
