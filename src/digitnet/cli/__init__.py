"""The ``digitnet`` command line: the only package that prints, draws progress or exits.

One module per command; :mod:`~digitnet.cli.options` and :mod:`~digitnet.cli.progress` hold
what several share. A :class:`~digitnet.errors.DigitnetError` (a user's mistake) becomes
Click's usual ``Error: ...`` on stderr with exit code 1, here and nowhere else; usage errors
exit with 2; Ctrl-C ends any command with one line and 130; a traceback is a bug.
"""

from __future__ import annotations

from typing import Any

import click

from digitnet.cli.baselines import baselines_command
from digitnet.cli.data import data_command
from digitnet.cli.evaluate import evaluate_command
from digitnet.cli.explain import explain_command
from digitnet.cli.flip import flip_command
from digitnet.cli.gates import gates_command
from digitnet.cli.models import models_command
from digitnet.cli.plot import plot_command
from digitnet.cli.predict import predict_command
from digitnet.cli.reproduce import reproduce_command
from digitnet.cli.robustness import robustness_command
from digitnet.cli.saliency import saliency_command
from digitnet.cli.serve import serve_command
from digitnet.cli.sweep import sweep_command
from digitnet.cli.train import train_command
from digitnet.errors import DigitnetError
from digitnet.interrupt import INTERRUPTED_MESSAGE, INTERRUPTED_STATUS
from digitnet.version import __version__

__all__ = ["DigitnetGroup", "Interrupted", "main"]


class Interrupted(click.ClickException):
    """Ctrl-C: one line on stderr and exit status 130, not Click's ``Aborted!`` and 1."""

    exit_code = INTERRUPTED_STATUS

    def __init__(self) -> None:
        super().__init__(INTERRUPTED_MESSAGE)

    def show(self, file: Any = None) -> None:
        click.echo(INTERRUPTED_MESSAGE, err=True)


class DigitnetGroup(click.Group):
    """A group that turns a DigitnetError into ``Error: ...`` and exit code 1, and Ctrl-C
    into one line and exit code 130."""

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


main.add_command(train_command)
main.add_command(models_command)
main.add_command(evaluate_command)
main.add_command(predict_command)
main.add_command(explain_command)
main.add_command(plot_command)
main.add_command(gates_command)
main.add_command(serve_command)
main.add_command(baselines_command)
main.add_command(saliency_command)
main.add_command(flip_command)
main.add_command(robustness_command)
main.add_command(reproduce_command)
main.add_command(sweep_command)
main.add_command(data_command)
