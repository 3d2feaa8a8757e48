"""How a Ctrl-C ends the ``digitnet`` command, whenever it comes: one line, exit status 130.

Imports nothing: :mod:`digitnet.command` needs it before the command line is imported.
"""

#: 128 + SIGINT: what shells report for a program ended by Ctrl-C.
INTERRUPTED_STATUS = 130
INTERRUPTED_MESSAGE = "Interrupted."
