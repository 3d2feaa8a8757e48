"""The web app: draw a digit and watch the network read it, train one, play with gates.

``digitnet serve`` runs it; :func:`create_app` builds it (needs ``digitnet[web]``).
"""

from digitnet.web.server import create_app

__all__ = ["create_app"]
