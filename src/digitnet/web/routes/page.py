"""GET /: the page (its scripts and styles are the static files under /static)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, JSONResponse, Response

STATIC_DIR = Path(__file__).parent.parent / "static"
INDEX_HTML = STATIC_DIR / "index.html"

router = APIRouter()


@router.get("/", include_in_schema=False)
def index() -> Response:
    if not INDEX_HTML.is_file():
        return JSONResponse({"detail": f"the page is missing: {INDEX_HTML}"}, 404)
    return FileResponse(INDEX_HTML, headers={"Cache-Control": "no-cache"})
