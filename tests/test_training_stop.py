"""training.train's ``should_stop`` callback ends a run the way Ctrl-C does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from digitnet import measuring
from digitnet.history import RunEnd
from digitnet.network import Network, n_parameters
from digitnet.settings import ENGINES, TrainingSettings
from digitnet.training import sgd, train

N_EXAMPLES = 400
MINI_BATCH = 4  # 100 batches an epoch, so should_stop is asked 100 times an epoch


def toy_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    images = rng.random((N_EXAMPLES, 8))
    return images, (images[:, 0] > images[:, 1]).astype(np.int64)


def stop_after(calls: int) -> tuple[list[int], Callable[[], bool]]:
    asked: list[int] = []

    def should_stop() -> bool:
        asked.append(1)
        return len(asked) >= calls

    return asked, should_stop


@pytest.mark.parametrize("engine", [e for e in ENGINES if e != "compiled"])
def test_should_stop_ends_the_run_within_an_epoch(engine: str) -> None:
    asked, should_stop = stop_after(150)  # in the middle of the second epoch
    settings = TrainingSettings(epochs=5, mini_batch_size=MINI_BATCH, seed=1, engine=engine)
    net = Network([8, 5, 2], seed=1)
    history = train(net, toy_data(), settings, monitor={"v": toy_data(1)}, should_stop=should_stop)
    assert history.interrupted
    assert history.epochs_run == 1  # the unfinished second epoch is not recorded
    assert len(asked) == 150
    assert len(history.correct["v"]) == 1


def test_should_stop_before_the_first_epoch_ends_leaves_no_epochs() -> None:
    _, should_stop = stop_after(1)
    history = sgd(
        Network([8, 5, 2], seed=1), toy_data(), epochs=3, mini_batch_size=MINI_BATCH,
        seed=1, should_stop=should_stop,
    )  # fmt: skip
    assert history.interrupted and history.epochs_run == 0


def test_a_run_never_asked_to_stop_runs_every_epoch() -> None:
    asked, should_stop = stop_after(10**9)
    history = sgd(
        Network([8, 5, 2], seed=1), toy_data(), epochs=3, mini_batch_size=MINI_BATCH,
        seed=1, should_stop=should_stop,
    )  # fmt: skip
    assert not history.interrupted and history.epochs_run == 3
    assert len(asked) == 3 * N_EXAMPLES // MINI_BATCH


def test_stopping_keeps_the_weights_learned_so_far() -> None:
    settings = TrainingSettings(epochs=3, mini_batch_size=MINI_BATCH, seed=2, engine="numpy")
    stopped, full = Network([8, 5, 2], seed=2), Network([8, 5, 2], seed=2)
    train(stopped, toy_data(), settings, should_stop=stop_after(100)[1])
    one_epoch = TrainingSettings(epochs=1, mini_batch_size=MINI_BATCH, seed=2, engine="numpy")
    train(full, toy_data(), one_epoch)
    for w_stopped, w_full in zip(stopped.weights, full.weights):
        np.testing.assert_array_equal(w_stopped, w_full)  # the same steps in the same order


def test_ctrl_c_while_an_epoch_is_measured_leaves_no_half_recorded_epoch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A Ctrl-C between two monitored sets once left 'validation' an epoch longer than
    'test', and the CLI's report then failed with an IndexError."""
    real = measuring.evaluate_cost_and_correct
    calls: list[int] = []

    def interrupted_on_the_fourth(*args: object, **kwargs: object) -> tuple[float, int]:
        calls.append(1)
        if len(calls) == 4:  # epoch 2, after "validation", before "test"
            raise KeyboardInterrupt
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(measuring, "evaluate_cost_and_correct", interrupted_on_the_fourth)
    settings = TrainingSettings(epochs=5, mini_batch_size=MINI_BATCH, seed=1, engine="numpy")
    monitor = {"validation": toy_data(1), "test": toy_data(2)}
    history = train(Network([8, 5, 2], seed=1), toy_data(), settings, monitor=monitor)
    assert history.interrupted and history.epochs_run == 1
    assert {name: len(v) for name, v in history.correct.items()} == {"validation": 1, "test": 1}
    assert len(history.cost["test"]) == len(history.learning_rates) == 1
    assert len(history.saturation) == 1


def test_weights_about_to_overflow_count_as_divergence() -> None:
    """Finite weights whose sums can overflow are a diverged run, not one to save or go on."""
    network = Network([8, 5, 2], seed=0, dtype=np.float32, activation="relu")
    network.weights[1][...] = np.float32(1e37)
    assert all(np.isfinite(w).all() for w in network.weights)
    assert network.overflow_problem() is not None
    history = sgd(network, toy_data(), epochs=2, mini_batch_size=MINI_BATCH, learning_rate=1e-30)
    assert history.end is RunEnd.DIVERGED and history.diverged_epoch == 1


def test_a_wide_network_is_asked_to_stop_every_few_batches(monkeypatch: Any) -> None:
    """should_stop is asked after STOP_CHECK_WORK multiply-adds at most, not only after a
    hundredth of an epoch: a wide network's hundredth could take many seconds."""
    net = Network([8, 5, 2], seed=1)
    step_work = measuring.step_work(n_parameters(net.sizes), MINI_BATCH)
    monkeypatch.setattr(measuring, "STOP_CHECK_WORK", 2 * step_work)  # two batches a check
    asked, should_stop = stop_after(10**9)
    images, labels = toy_data()
    many = (np.tile(images, (10, 1)), np.tile(labels, 10))  # 1,000 batches: 10 a hundredth
    sgd(net, many, epochs=2, mini_batch_size=MINI_BATCH, seed=1, should_stop=should_stop)
    assert len(asked) == 2 * 1_000 // 2


def test_a_stop_during_the_measurement_ends_the_run_with_whole_epochs(monkeypatch: Any) -> None:
    """The validation set of a wide network is measured in chunks, asking between them."""
    net = Network([8, 5, 2], seed=1)
    monkeypatch.setattr(measuring, "STOP_CHECK_WORK", 50 * n_parameters(net.sizes))
    assert measuring.rows_per_check(n_parameters(net.sizes)) == 50  # 8 chunks of the 400
    batches = N_EXAMPLES // MINI_BATCH
    # epoch 1: 100 batches and 7 asks between chunks; then 100 batches of epoch 2 and 3 asks
    asked, should_stop = stop_after(batches + 7 + batches + 3)
    settings = TrainingSettings(epochs=5, mini_batch_size=MINI_BATCH, seed=1, engine="numpy")
    history = train(net, toy_data(), settings, monitor={"v": toy_data(1)}, should_stop=should_stop)
    assert history.interrupted and history.epochs_run == 1
    assert len(asked) == 2 * batches + 10  # the last ask was in epoch 2's measurement
    assert len(history.correct["v"]) == len(history.cost["v"]) == 1
    assert len(history.saturation) == len(history.learning_rates) == 1


def test_measuring_in_chunks_counts_as_measuring_at_once(monkeypatch: Any) -> None:
    net = Network([8, 5, 2], seed=3)
    images, labels = toy_data(2)
    whole_cost, whole_correct = measuring.evaluate_cost_and_correct(net, images, labels)
    monkeypatch.setattr(measuring, "STOP_CHECK_WORK", 7 * n_parameters(net.sizes))
    cost, correct = measuring.evaluate_cost_and_correct(net, images, labels)
    assert correct == whole_correct
    # float64 sums of 400 terms in another order: a few ulps of the total
    assert cost == pytest.approx(whole_cost, rel=400 * np.finfo(np.float64).eps)
