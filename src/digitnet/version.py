"""The package's version, as ``digitnet --version`` and model files record it.

The one place it is written: pyproject.toml reads it from here (setuptools' ``attr``), so
an installed package and a source tree that is not installed record the same version.
"""

__version__ = "0.1.0"
