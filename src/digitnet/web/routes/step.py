"""POST /api/step: one step of gradient descent on one digit, every number laid open.

The step is taken by :func:`digitnet.explain.step.learning_step` on a float64 copy of the
current model, never on the model itself, and recomputed from it on every request: ``steps``
k takes k steps from the model as served, so the page keeps no state on the server and
"take 10 steps" asks for k + 10. A request's work is bounded (k steps of at most
MAX_STEP_WORK multiply-adds in all) and at most STEP_TURNS steps run at once, so that the
copies of a large network a step holds cannot pile up.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from digitnet.errors import ConfigError
from digitnet.explain.step import cost_of, learning_step
from digitnet.measuring import step_work
from digitnet.network import Network, n_parameters
from digitnet.web.deps import JsonBody, SessionDep
from digitnet.web.limits import MAX_STEP_WORK
from digitnet.web.session import CurrentModel, Session
from digitnet.web.step_views import WHAT, StepRequest, parse_step_request, step_view
from digitnet.web.validation import json_object

#: Steps computed at once; the others wait their turn (each holds about three float64
#: copies of the network's weights).
STEP_TURNS = 1

router = APIRouter(prefix="/api")


def step_turns() -> asyncio.Semaphore:
    """What each app's steps take turns with (``app.state.step_turns``)."""
    return asyncio.Semaphore(STEP_TURNS)


@router.post("/step")
async def step(request: Request, body: JsonBody, session: SessionDep) -> JSONResponse:
    asked = parse_step_request(json_object(body, WHAT))
    current, _ = session.require_dense(WHAT)
    parameters = n_parameters(current.network.sizes)
    if step_work(parameters, asked.steps) > MAX_STEP_WORK:
        raise ConfigError(
            f"{WHAT}: {asked.steps} steps of a network of {parameters:,} weights and biases "
            f"is over the limit of {MAX_STEP_WORK:.2g} multiply-adds: ask for fewer steps"
        )
    async with request.app.state.step_turns:
        answer = await run_in_threadpool(take_step, session, current, asked)
    return JSONResponse(answer)


def take_step(session: Session, current: CurrentModel, asked: StepRequest) -> dict[str, Any]:
    """The step's answer: on the request's pixels, or on the MNIST test digit it names."""
    pixels, label = asked.pixels, asked.label
    if pixels is None:
        test = session.mnist().test
        if asked.index is None or asked.index >= len(test.labels):
            raise ConfigError(
                f"{WHAT}: 'index' must be from 0 to {len(test.labels) - 1}, got {asked.index}"
            )
        pixels = test.images[asked.index]
        label = int(test.labels[asked.index]) if label is None else label
    assert label is not None  # parse_step_request asks for one with pixels
    network = current.network
    assert isinstance(network, Network)  # the route asked for a fully-connected one
    history = current.history
    cost = cost_of(network, history.settings.cost if history is not None else None)
    done = learning_step(
        network,
        pixels,
        label,
        learning_rate=asked.learning_rate,
        cost=cost,
        steps=asked.steps,
    )
    return step_view(done, network)
