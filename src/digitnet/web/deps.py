"""What the routes ask FastAPI for: the server's session, its decode budget and a
request's JSON body.

``session: SessionDep`` in a route's signature is the :class:`Session` its app was built
with (``app.state.session``), so routes hold no module globals and each app built by
:func:`~digitnet.web.server.create_app` has its own; ``budget: DecodeBudgetDep`` likewise
(``app.state.decode_budget``). ``body: JsonBody`` is the request's JSON, read by
:func:`~digitnet.web.request_body.read_json` before the route runs.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from digitnet.web.decode_budget import DecodeBudget
from digitnet.web.request_body import read_json
from digitnet.web.session import Session


async def get_session(request: Request) -> Session:
    """The session of the app that received ``request``."""
    session = request.app.state.session
    assert isinstance(session, Session)  # create_app puts it there
    return session


async def get_decode_budget(request: Request) -> DecodeBudget:
    """The pixels the app that received ``request`` decodes at once."""
    budget = request.app.state.decode_budget
    assert isinstance(budget, DecodeBudget)  # create_app puts it there
    return budget


SessionDep = Annotated[Session, Depends(get_session)]
DecodeBudgetDep = Annotated[DecodeBudget, Depends(get_decode_budget)]
JsonBody = Annotated[Any, Depends(read_json)]
