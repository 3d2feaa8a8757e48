"""Training a new network: start a run, follow its events, stop it.

``POST /api/train`` answers 202 at once; the run goes on in its own thread
(:mod:`digitnet.web.training_run`) and its events stream from ``GET /api/train/events``.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response, StreamingResponse

from digitnet.web import sse
from digitnet.web.deps import JsonBody, SessionDep
from digitnet.web.params import parse_train_request, preset_fields

router = APIRouter(prefix="/api/train")


@router.post("", status_code=202)
async def train(body: JsonBody, session: SessionDep) -> JSONResponse:
    request = parse_train_request(body)
    await run_in_threadpool(session.start_training, request)  # it may read MNIST first
    return JSONResponse({"started": True}, status_code=202)


@router.get("/presets")
def presets() -> JSONResponse:
    return JSONResponse(preset_fields())


@router.get("/events")
def events(session: SessionDep) -> Response:
    run = session.run
    if run is None:  # 204 tells a browser's EventSource not to reconnect
        return Response(status_code=204)
    return StreamingResponse(
        sse.event_stream(run.events), media_type=sse.MEDIA_TYPE, headers=sse.HEADERS
    )


@router.post("/stop")
async def stop(body: JsonBody, session: SessionDep) -> JSONResponse:
    # body is unused, but requiring JSON keeps a cross-site form from stopping the run
    session.stop_training()
    return JSONResponse({"stopping": True})
