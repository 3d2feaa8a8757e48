"""The engine table: every engine name has a row, and "auto" picks by the rules it states."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet import activations
from digitnet.engines import selection
from digitnet.engines.selection import ENGINE_TABLE, Loop, Update, choose_engine, kernel_limitation
from digitnet.errors import MissingExtra
from digitnet.network import Network
from digitnet.settings import ENGINES, TrainingSettings
from digitnet.training import train


def test_every_engine_but_auto_has_one_row():
    assert set(ENGINE_TABLE) == set(ENGINES) - {"auto"}


def test_only_the_compiled_engine_needs_numba():
    assert {name for name, e in ENGINE_TABLE.items() if e.needs_numba} == {"compiled"}
    assert ENGINE_TABLE["compiled"].fits_kernel is Loop.FUSED
    assert ENGINE_TABLE["compiled"].update is Update.ONE_PASS
    assert ENGINE_TABLE["reference"].otherwise is Loop.REFERENCE


@pytest.mark.parametrize(
    ("settings", "net", "why"),
    [
        (TrainingSettings(), Network([4, 3, 2]), None),
        (TrainingSettings(cost="cross-entropy", l2=1.0), Network([4, 3, 2]), None),
        (TrainingSettings(), Network([4, 3, 2], activation="relu"), "sigmoid neurons only"),
        (TrainingSettings(momentum=0.5), Network([4, 3, 2]), "no momentum and no dropout"),
    ],
)
def test_the_kernel_states_what_it_cannot_run(settings, net, why):
    assert kernel_limitation(settings, net) == why


def test_without_numba_the_compiled_engine_is_a_missing_extra(monkeypatch):
    monkeypatch.setattr(selection, "numba_available", lambda: False)
    with pytest.raises(MissingExtra, match=r"engine 'compiled' needs Numba: pip install"):
        choose_engine(TrainingSettings(engine="compiled"), Network([4, 3, 2]), 10)
    assert (
        choose_engine(TrainingSettings(engine="reference"), Network([4, 3, 2]), 10) == "reference"
    )


@pytest.mark.parametrize("activation", [*activations.ACTIVATIONS.values(), activations.SOFTMAX])
def test_in_place_activations_equal_the_functions(activation):
    z = np.random.default_rng(0).normal(0, 30, (7, 5))
    a = z.copy()
    activation.in_place(a)
    np.testing.assert_allclose(a, activation.function(z), rtol=1e-15, atol=1e-300)
    if activation.derivative_in_place is not None:
        out = np.empty_like(a)
        activation.derivative_in_place(a, out)
        np.testing.assert_allclose(out, activation.derivative_from_output(a), rtol=1e-15)


def test_networks_deeper_than_the_fused_kernel_takes_train_as_numpy_steps():
    # 1,000 layers made Numba refuse the kernel's tuple of weights with a traceback.
    deep = Network([4] + [3] * 1000 + [2], seed=0)
    assert kernel_limitation(TrainingSettings(), deep) == "at most 100 weight layers"
    rng = np.random.default_rng(0)
    images, labels = rng.random((20, 4)), rng.integers(0, 2, 20)
    for engine in ("auto", "numpy"):
        history = train(deep, (images, labels), TrainingSettings(epochs=1, seed=0, engine=engine))
        assert history.epochs_run == 1
