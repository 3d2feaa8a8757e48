"""The ``digitnet`` command line: the only package that prints, draws progress or exits.

One module per command, imported only when its command runs (or ``--help`` lists them all),
so ``digitnet train`` does not pay for the web server's or the sweeps' imports;
:mod:`~digitnet.cli.options` and :mod:`~digitnet.cli.progress` hold
what several share. A :class:`~digitnet.errors.DigitnetError` (a user's mistake) becomes
Click's usual ``Error: ...`` on stderr with exit code 1, here and nowhere else; usage errors
exit with 2; Ctrl-C ends any command with one line and 130; a traceback is a bug.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from digitnet.errors import DigitnetError
from digitnet.interrupt import INTERRUPTED_MESSAGE, INTERRUPTED_STATUS
from digitnet.version import __version__

__all__ = ["COMMANDS", "DigitnetGroup", "Interrupted", "main"]

#: The commands, each defined as ``NAME_command`` in the module ``digitnet.cli.NAME``.
COMMANDS: tuple[str, ...] = (
    "train",
    "models",
    "evaluate",
    "predict",
    "explain",
    "plot",
    "gates",
    "serve",
    "baselines",
    "saliency",
    "flip",
    "robustness",
    "reproduce",
    "sweep",
    "data",
)


class Interrupted(click.ClickException):
    """Ctrl-C: one line on stderr and exit status 130, not Click's ``Aborted!`` and 1."""

    exit_code = INTERRUPTED_STATUS

    def __init__(self) -> None:
        super().__init__(INTERRUPTED_MESSAGE)

    def show(self, file: Any = None) -> None:
        click.echo(INTERRUPTED_MESSAGE, err=True)


class DigitnetGroup(click.Group):
    """A group that turns a DigitnetError into ``Error: ...`` and exit code 1, and Ctrl-C
    into one line and exit code 130, and imports a command of :data:`COMMANDS` when asked
    for it."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module = importlib.import_module(f"{__name__}.{cmd_name}")
            command = getattr(module, f"{cmd_name}_command")
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except KeyboardInterrupt:
            raise Interrupted from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DigitnetError as exc:
            raise click.ClickException(str(exc)) from exc
        except KeyboardInterrupt:
            raise Interrupted from None


@click.group(cls=DigitnetGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="digitnet")
def main() -> None:
    """Neural networks that recognise handwritten digits, from scratch.

    Start with `digitnet train` (the book's experiment: [784, 30, 10] on MNIST), then
    `digitnet predict IMAGE...` on your own digits.
    """
