"""Numba kernels compiled on first use: the one way digitnet's hot loops become machine code.

Importing Numba costs about 0.3 s and 65 MB, which the NumPy engines need not pay, so a
module writes its kernels as plain Python functions (their readable reference stays beside
them in NumPy) and names them in a :class:`LazyKernels`; the first call of
:meth:`LazyKernels.compile` replaces each by its Numba compilation, loaded from Numba's disk
cache when a run before compiled it.
"""

from __future__ import annotations

import importlib.util
from typing import Any


def numba_available() -> bool:
    """Whether Numba is installed, so that compiled kernels can run (without importing it)."""
    return importlib.util.find_spec("numba") is not None


class LazyKernels:
    """The functions ``names`` of a module's ``namespace``, jitted together on first use.

    Callees come first in ``names``, so each is a compiled global when its caller compiles.
    The kernels are serial, release the GIL and are cached on disk; ``options`` add to
    ``numba.njit(cache=True, nogil=True)`` (e.g. ``fastmath``).
    """

    def __init__(self, namespace: dict[str, Any], names: tuple[str, ...], **options: Any) -> None:
        self.namespace, self.names, self.options = namespace, names, options
        self.compiled = False

    def compile(self) -> None:
        """Replace the plain functions by Numba's, once."""
        if self.compiled:
            return
        import numba

        jit = numba.njit(cache=True, nogil=True, **self.options)
        for name in self.names:
            self.namespace[name] = jit(self.namespace[name])
        self.compiled = True
