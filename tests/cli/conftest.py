"""Fixtures of the command-line tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import CliRunner

from digitnet import cli

#: ``run(*args)`` -> ``(exit code, stdout, stderr)``.
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture(scope="session")
def run() -> Run:
    """Runs ``digitnet *args`` in this process through Click's runner.

    Session-scoped (it holds no state), so module-scoped fixtures can train with it.
    """

    def invoke(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(cli.main, list(args))
        return result.exit_code, result.stdout, result.stderr

    return invoke
