"""Numba kernels compiled on first use: the one way digitnet's hot loops become machine code.

Importing Numba costs about 0.3 s and 65 MB, which the NumPy engines need not pay, so a
module writes its kernels as plain Python functions (their readable reference stays beside
them in NumPy) and names them in a :class:`LazyKernels`; the first call of
:meth:`LazyKernels.compile` replaces each by its Numba compilation, loaded from Numba's disk
cache when a run before compiled it.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from typing import Any

#: Numba's NumPy support imports this (0.15-0.2 s) when SciPy is installed, only so that
#: ``np.dot`` and its kin inside a kernel may call BLAS; digitnet's kernels hold their own
#: loops (see :func:`import_numba`).
SCIPY_LINEAR_ALGEBRA = "scipy.linalg"


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
        numba = import_numba()
        jit = numba.njit(cache=True, nogil=True, **self.options)
        for name in self.names:
            self.namespace[name] = jit(self.namespace[name])
        self.compiled = True


def import_numba() -> Any:
    """``import numba``, and its NumPy support, without importing SciPy's linear algebra.

    Numba looks once, as its NumPy support loads, whether ``scipy.linalg`` imports, to let
    ``np.convolve`` and ``np.correlate`` in kernels call BLAS; that import is a third of
    Numba's start-up. It is hidden during that look when this runs in the main thread (no
    other thread can be importing it then) and SciPy's linear algebra is not loaded yet;
    afterwards it imports as usual, and ``np.dot`` in kernels still finds it.
    """
    hide = (
        SCIPY_LINEAR_ALGEBRA not in sys.modules
        and threading.current_thread() is threading.main_thread()
    )
    if hide:
        sys.modules[SCIPY_LINEAR_ALGEBRA] = None  # type: ignore[assignment]
    try:
        import numba
        import numba.np.arraymath  # where Numba looks for BLAS, as it loads
    finally:
        if hide and sys.modules.get(SCIPY_LINEAR_ALGEBRA, False) is None:
            del sys.modules[SCIPY_LINEAR_ALGEBRA]
    return numba
