"""What the routes ask FastAPI for: the server's session, its decode lanes and a
request's JSON body.

``session: SessionDep`` in a route's signature is the :class:`Session` its app was built
with (``app.state.session``), so routes hold no module globals and each app built by
:func:`~digitnet.web.server.create_app` has its own; ``lanes: DecodeLanesDep`` likewise
(``app.state.decode_lanes``). ``body: JsonBody`` is the request's JSON, read by
:func:`~digitnet.web.request_body.read_json` before the route runs.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from digitnet.web.decode_lanes import DecodeLanes
from digitnet.web.request_body import read_json
from digitnet.web.session import Session


async def get_session(request: Request) -> Session:
    """The session of the app that received ``request``."""
    session = request.app.state.session
    assert isinstance(session, Session)  # create_app puts it there
    return session


async def get_decode_lanes(request: Request) -> DecodeLanes:
    """The threads where the app that received ``request`` decodes images."""
    lanes = request.app.state.decode_lanes
    assert isinstance(lanes, DecodeLanes)  # create_app puts them there
    return lanes


SessionDep = Annotated[Session, Depends(get_session)]
DecodeLanesDep = Annotated[DecodeLanes, Depends(get_decode_lanes)]
JsonBody = Annotated[Any, Depends(read_json)]
