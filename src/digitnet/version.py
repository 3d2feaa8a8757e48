"""The package's version, as ``digitnet --version`` and model files record it.

The one place it is written: pyproject.toml reads it from here (setuptools' ``attr``), so
start-up need not import :mod:`importlib.metadata` (some 50 ms) to learn it.
"""

__version__ = "0.1.0"
