"""The ``digitnet`` executable: the command line behind a Ctrl-C guard set before any import.

Importing the command line takes a moment (NumPy, Click, rich); a Ctrl-C meanwhile would
end in a KeyboardInterrupt traceback. This module imports almost nothing itself (the
package root is lazy), so that from its first line on a Ctrl-C ends the program with one
line and exit status 130 (:mod:`digitnet.interrupt`); the group in :mod:`digitnet.cli` does
the same once the commands run. A command that has loaded Numba ends the process without the
interpreter's slow tear-down of it (:mod:`digitnet.process_end`).
"""

from __future__ import annotations

import sys

from digitnet.interrupt import INTERRUPTED_MESSAGE, INTERRUPTED_STATUS
from digitnet.process_end import end_process


def main() -> None:
    """Run ``digitnet`` with the process's arguments."""
    try:
        try:
            from digitnet.cli import main as command_line

            command_line()  # Click ends every command with SystemExit
        except SystemExit as done:
            end_process(done.code)  # returns if Python should exit as usual
            raise
    except KeyboardInterrupt:
        print(INTERRUPTED_MESSAGE, file=sys.stderr)
        sys.exit(INTERRUPTED_STATUS)
