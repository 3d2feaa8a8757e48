"""Where ``digitnet serve`` listens: loopback or not, the bound socket, the page's address.

The socket is bound before uvicorn starts, so a busy port or an unknown host is a one-line
:class:`~digitnet.errors.DigitnetError` rather than a server that fails after starting.
"""

from __future__ import annotations

import ipaddress
import socket

from digitnet.errors import DigitnetError

#: Host headers a server on loopback answers (see create_app's allowed_hosts).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


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
