"""Numba's start-up as digitnet loads it: without SciPy's linear algebra, which stays importable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from digitnet.engines.numba_kernels import numba_available

pytestmark = pytest.mark.skipif(not numba_available(), reason="Numba is not installed")

SOURCE = Path(__file__).resolve().parents[1] / "src"

PROGRAM = """
import sys
import numpy as np
from digitnet.engines.fused_sgd import FusedSGD
from digitnet.network import Network

network = Network((4, 3, 2))
FusedSGD(network, 2).feedforward(np.ones((2, 4), network.dtype))
print("scipy.linalg" in sys.modules)
import scipy.linalg.cython_blas  # importable as usual afterwards
print(scipy.linalg.cython_blas.__name__)
"""


def test_kernels_load_without_importing_scipy_linalg_which_still_imports_after() -> None:
    env = {**os.environ, "PYTHONPATH": str(SOURCE)}
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["False", "scipy.linalg.cython_blas"]
