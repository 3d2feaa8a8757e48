"""``python -m digitnet``: the same command line as ``digitnet``."""

from digitnet.command import main

main()
