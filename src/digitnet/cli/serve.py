"""``digitnet serve``: the web app on a socket of its own (see :mod:`digitnet.web.listen`)."""

from __future__ import annotations

from pathlib import Path

import click

from digitnet.cli.options import data_dir_option, default_model_path, model_argument
from digitnet.cli.progress import stderr, stdout
from digitnet.extras import require
from digitnet.modelfile import shipped_model_path


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

    MODEL defaults to the default model (`digitnet models`), else the model that ships with
    digitnet. A network trained on the page
    is saved as a new model in the models folder, never over MODEL nor as the default; the
    page serves it when you choose "Use this model" (at once if there was no model), and
    offers it as a download.
    """
    uvicorn = require("uvicorn", "web", "`digitnet serve`")
    require("digitnet.web", "web", "`digitnet serve`")
    from digitnet.web import create_app
    from digitnet.web.connections import server_config
    from digitnet.web.input_processes import default_processes
    from digitnet.web.listen import LOOPBACK_HOSTS, is_loopback, listen_socket, page_url

    path = model.expanduser() if model is not None else default_model_path()
    loopback = is_loopback(host)
    hosts = LOOPBACK_HOSTS if loopback else None
    app = create_app(
        path, data_dir=data_dir, allowed_hosts=hosts, input_processes=default_processes()
    )
    listener = listen_socket(host, port)
    if not loopback:
        stderr.print(
            f"Warning: {host} is not a loopback address: anyone who can reach this machine "
            f"can use the page, and train and save models."
        )
    if path is not None and path == shipped_model_path():
        stdout.print(f"Model: the one shipped with digitnet ({path})")
    elif path is not None:
        stdout.print(f"Model: {path}")
    else:
        stdout.print("No default model yet: train one on the page.")
    stdout.print(f"Serving digitnet on {page_url(host, listener)} (Ctrl-C to stop)")
    config = server_config(app, timeout_graceful_shutdown=5)
    uvicorn.Server(config).run(sockets=[listener])
