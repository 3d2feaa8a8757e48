"""``digitnet serve``: the web app on a socket of its own, and the helpers that open it.

The socket helpers (``is_loopback``, ``listen_socket``, ``page_url``) are to move beside the
server in :mod:`digitnet.web`.
"""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import click

from digitnet.cli.options import data_dir_option, model_argument
from digitnet.cli.progress import stderr, stdout
from digitnet.errors import DigitnetError
from digitnet.extras import require
from digitnet.modelfile import DEFAULT_MODEL


@click.command("serve")
@model_argument
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; 0.0.0.0 lets other machines in (careful).",
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="0: any free."
)
@data_dir_option
def serve_command(model: Path | None, host: str, port: int, data_dir: Path | None) -> None:
    """Open the web app: draw a digit and watch the network read it, train, play with gates.

    MODEL defaults to the model `digitnet train` saved last. A network trained on the page
    becomes the current model at once and is saved to MODEL (or to that default).
    """
    uvicorn = require("uvicorn", "web", "`digitnet serve`")
    require("digitnet.web", "web", "`digitnet serve`")
    from digitnet.web import create_app
    from digitnet.web.server import LOOPBACK_HOSTS

    path = (model or DEFAULT_MODEL).expanduser()
    loopback = is_loopback(host)
    app = create_app(path, data_dir=data_dir, allowed_hosts=LOOPBACK_HOSTS if loopback else None)
    listener = listen_socket(host, port)
    if not loopback:
        stderr.print(
            f"Warning: {host} is not a loopback address: anyone who can reach this machine "
            f"can use the page, and train and save models."
        )
    if path.exists():
        stdout.print(f"Model: {path}")
    else:
        stdout.print(f"No model at {path} yet: train one on the page; it will be saved there.")
    stdout.print(f"Serving digitnet on {page_url(host, listener)} (Ctrl-C to stop)")
    config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=5)
    uvicorn.Server(config).run(sockets=[listener])


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def listen_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host``:``port``, so a busy port is a one-line error."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise DigitnetError(f"--host {host}: cannot resolve it ({exc.strerror})") from None
    listener = socket.socket(family, kind, proto)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(address)
        listener.listen()  # from now on connections wait in the queue for the server
    except OSError as exc:
        listener.close()
        raise DigitnetError(f"cannot listen on {host} port {port}: {exc.strerror}") from None
    return listener


def page_url(host: str, listener: socket.socket) -> str:
    """The address to open in a browser on this machine."""
    address = ipaddress.ip_address(listener.getsockname()[0].split("%")[0])
    port = listener.getsockname()[1]
    if address.is_unspecified:  # 0.0.0.0 or ::, reachable here through loopback
        address = ipaddress.ip_address("127.0.0.1" if address.version == 4 else "::1")
    name = "localhost" if host == "localhost" else str(address)
    return f"http://[{name}]:{port}/" if ":" in name else f"http://{name}:{port}/"
