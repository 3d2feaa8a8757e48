"""GET /api/limits: what a request may ask for (see :mod:`digitnet.web.limits`)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from digitnet.web.limits import limits_view

router = APIRouter(prefix="/api")


@router.get("/limits")
def limits() -> JSONResponse:
    return JSONResponse(limits_view())
