"""Optional dependencies: the extras of ``pip install 'digitnet[...]'`` and what needs them.

The base install is small (NumPy, Click, rich, platformdirs, Pillow); the web app, the plots,
the compiled engine, the scikit-learn baselines and Dask clusters each come with an extra.
Code that needs one imports it through :func:`require`, so a missing extra is one
:class:`~digitnet.errors.MissingExtra` naming the feature, the package and the install
command, the same in the CLI, the web app and Python.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from digitnet.errors import MissingExtra

#: Extra -> its top-level modules, each with the name of the package a user knows.
EXTRAS: dict[str, dict[str, str]] = {
    "fast": {"numba": "Numba"},
    "web": {"fastapi": "fastapi", "uvicorn": "uvicorn"},
    "plots": {"matplotlib": "matplotlib"},
    "baselines": {"sklearn": "scikit-learn"},
    "cluster": {"dask": "dask", "distributed": "distributed", "yaml": "PyYAML"},
}


def installed(extra: str) -> bool:
    """Whether every module of ``extra`` can be imported (without importing any)."""
    return all(importlib.util.find_spec(name) is not None for name in EXTRAS[extra])


def require(module: str, extra: str, feature: str) -> ModuleType:
    """Import ``module`` (installed by ``extra``), or raise MissingExtra for ``feature``.

    Only a missing module of the extra itself becomes MissingExtra; any other import error
    is a bug and propagates.
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").split(".")[0]
        if missing not in EXTRAS[extra]:
            raise
        raise MissingExtra(feature, extra, EXTRAS[extra][missing]) from exc
