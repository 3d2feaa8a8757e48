"""Ending the ``digitnet`` process without Numba's slow tear-down.

Once Numba has loaded its compiled target, the interpreter's own finalisation at exit takes
0.12-0.14 s more in a script that only sets up Numba's CPU target, on the 2-core machine
this project is measured on (after the atexit handlers, which take no time, and after a
last garbage collection); ending ``digitnet train --epochs 1`` at once took its whole
process from 0.88 s to 0.65 s there. Nothing of digitnet's needs that
tear-down: files are written atomically and closed when the command returns. So when a
command has finished in the main thread with no other thread left and Numba is loaded,
:func:`end_process` does what exit must (the ``atexit`` handlers, such as logging's and
multiprocessing's; flushing standard output and error) and ends the process at once with the
command's status. In any other case it returns, and Python exits as usual.

Imports nothing at module level: :mod:`digitnet.command` calls it around the command line.
"""

from __future__ import annotations

#: The module whose loaded compiled target makes the interpreter's exit slow.
SLOW_TO_TEAR_DOWN = "numba"


def end_process(status: object) -> None:
    """End the process now with ``status`` (a ``SystemExit`` code) if that is safe.

    Safe: ``status`` is None or an int (a message to print is left to Python), Numba is
    loaded, this is the main thread and the only one alive, and standard output and error
    flush cleanly (a closed pipe is left to Python's usual report). Otherwise returns.
    """
    import sys
    import threading

    if status is not None and not isinstance(status, int):
        return
    if SLOW_TO_TEAR_DOWN not in sys.modules:
        return
    if threading.current_thread() is not threading.main_thread() or threading.active_count() > 1:
        return
    import atexit
    import os

    atexit._run_exitfuncs()  # what the interpreter runs first at exit, handlers then cleared
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):  # a closed pipe or stream: Python's exit reports it
        return
    os._exit(status or 0)
