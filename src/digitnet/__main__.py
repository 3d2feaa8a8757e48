"""``python -m digitnet``: the same command line as ``digitnet``."""

from digitnet.cli import main

main()
