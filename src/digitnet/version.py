"""The installed package's version, as ``digitnet --version`` and model files record it."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("digitnet")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
