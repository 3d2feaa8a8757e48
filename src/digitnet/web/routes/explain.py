"""Why the network answers, and teaching it: saliency, the smallest change that flips the
answer, the robustness curve, the map of the hidden layer, a lesson on the learner's own
drawings (and keeping it as a new model).

A digit is asked about by its pixels (``{"pixels": [784 numbers in [0, 1]]}``, as
``/api/predict`` sends back ``centred_pixels``) or as an MNIST test digit
(``{"index": n}``). Every request's work is bounded: one digit, at most MAX_FLIP_STEPS
steps of the flip, the map's MAP_DIGITS and the curve's ROBUSTNESS_DIGITS test digits
(each computed once per model served, :mod:`digitnet.web.explain_state`), at most
MAX_TAUGHT drawings a lesson.

=================================  ===========================================================
``GET /api/explain/digit/N``       MNIST test digit N: pixels and label
``POST /api/explain/saliency``     a digit -> ``d a_j / d x``, ``x d a_j / d x``: answer, runner-up
``POST /api/explain/flip``         a digit -> the smallest change found that flips the answer
``GET /api/explain/robustness``    accuracy on 1,000 test digits against the L2 size of the change
``GET /api/explain/map?method=``   2,000 test digits placed by the hidden layer (pca or tsne)
``POST /api/explain/map/place?method=``  a digit -> its place on that map
``POST /api/explain/teach``        ``{"examples": [{"pixels", "label"}]}`` -> a lesson, not saved
``POST /api/explain/teach/keep``   ``{"lesson"}`` -> saved as a new model (then ``/api/models/use``)
=================================  ===========================================================
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from digitnet.explain.flip import flip, robustness_curve
from digitnet.explain.hidden_map import MAP_DIGITS, hidden_map
from digitnet.explain.saliency import saliency
from digitnet.explain.teach import teach
from digitnet.web import explain_input
from digitnet.web.deps import JsonBody, SessionDep
from digitnet.web.explain_state import ROBUSTNESS_DIGITS, ROBUSTNESS_SIZES, ExplainState
from digitnet.web.explain_views import (
    curve_view,
    digit_view,
    flip_view,
    lesson_view,
    map_view,
    saliency_view,
)
from digitnet.web.session import Session

router = APIRouter(prefix="/api/explain")


def explain_state(request: Request) -> ExplainState:
    state = request.app.state.explain
    assert isinstance(state, ExplainState)  # create_app puts it there
    return state


def asked_digit(body: Any, session: Session, what: str) -> explain_input.DigitAsked:
    wants_mnist = isinstance(body, Mapping) and "index" in body
    return explain_input.digit(body, what, session.mnist().test if wants_mnist else None)


@router.get("/digit/{index}")
def mnist_test_digit(index: str, session: SessionDep) -> JSONResponse:
    test = session.mnist().test
    number = int(index) if index.isdigit() and len(index) < 6 else index
    chosen = explain_input.digit_index(number, len(test), "digit")
    return JSONResponse(digit_view(test.images[chosen] / 255.0, chosen, int(test.labels[chosen])))


@router.post("/saliency")
def saliency_of(body: JsonBody, session: SessionDep) -> JSONResponse:
    _, network = session.require_dense("saliency")
    asked = asked_digit(body, session, "saliency")
    return JSONResponse(saliency_view(saliency(network, asked.pixels)))


@router.post("/flip")
def flip_of(body: JsonBody, session: SessionDep) -> JSONResponse:
    _, network = session.require_dense("the flip")
    asked = asked_digit(body, session, "flip")
    found = flip(network, asked.pixels)
    return JSONResponse(flip_view(found, network.feedforward(found.changed)))


@router.get("/robustness")
def robustness(request: Request, session: SessionDep) -> JSONResponse:
    model, network = session.require_dense("the robustness curve")
    test = session.mnist().test.first(ROBUSTNESS_DIGITS)

    def compute() -> dict[str, Any]:
        start = time.perf_counter()
        curve = robustness_curve(network, test.images, test.labels, ROBUSTNESS_SIZES)
        return curve_view(curve, time.perf_counter() - start)

    return JSONResponse(explain_state(request).result(model, "robustness", compute))


def the_map(request: Request, session: Session, method: str | None) -> tuple[Any, Any]:
    """The current model and its map by ``method`` (computed once), as (model, (map, view))."""
    chosen = explain_input.map_method(method)
    model = session.require_model()
    test = session.mnist().test.first(MAP_DIGITS)

    def compute() -> tuple[Any, dict[str, Any]]:
        start = time.perf_counter()
        found = hidden_map(model.network, test.images, test.labels, method=chosen)
        return found, map_view(found, time.perf_counter() - start)

    return model, explain_state(request).result(model, f"map-{chosen}", compute)


@router.get("/map")
def map_of_hidden_layer(
    request: Request, session: SessionDep, method: str | None = None
) -> JSONResponse:
    return JSONResponse(the_map(request, session, method)[1][1])


@router.post("/map/place")
def place_on_map(
    request: Request, body: JsonBody, session: SessionDep, method: str | None = None
) -> JSONResponse:
    asked = asked_digit(body, session, "map")
    model, (found, _) = the_map(request, session, method)
    point = found.place(model.network, asked.pixels)
    return JSONResponse({"method": found.method, "point": np.asarray(point).tolist()})


@router.post("/teach")
def teach_it(request: Request, body: JsonBody, session: SessionDep) -> JSONResponse:
    model = session.require_model()
    images, labels = explain_input.lesson(body)
    mnist = session.mnist()
    lesson = teach(
        model.network,
        images,
        labels,
        mnist=mnist.training,
        validation=mnist.validation,
        trained_with=model.history.settings if model.history is not None else None,
    )
    name = explain_state(request).add_lesson(model, lesson, len(labels))
    return JSONResponse(lesson_view(name, lesson, labels))


@router.post("/teach/keep")
def keep_lesson(request: Request, body: JsonBody, session: SessionDep) -> JSONResponse:
    pending = explain_state(request).take_lesson(explain_input.lesson_name(body))
    extra = {"taught_drawings": pending.n_taught, "taught_from": pending.model.source}
    saved = session.store.add(
        pending.lesson.network, pending.lesson.history, extra=extra, make_default=False
    )
    session.trained[saved.model.name] = saved.model.path  # "Use this model" serves it
    return JSONResponse({"saved": saved.model.name})
