"""A run's state (generator, history, velocities, best parameters) resumes it bit for bit.

Each case is interrupted at random mini-batches again and again, resumed each time from the
checkpoint on disk, and must end exactly as the uninterrupted run: same weights, same
history, same end. The cases cover momentum (classical and Nesterov), early stopping, the
plateau and cosine schedules, dropout, L2 and the distortions, on every engine: the fused
kernel runs the sigmoid case under "compiled"; runs with momentum take NumPy steps, with
the compiled one-pass update under "compiled".
"""

from __future__ import annotations

import numpy as np
import pytest

from digitnet.checkpoint import load_checkpoint, save_checkpoint
from digitnet.engines.numba_kernels import numba_available
from digitnet.engines.selection import kernel_limitation
from digitnet.errors import ConfigError, ModelFileError
from digitnet.history import RunEnd
from digitnet.network import Network
from digitnet.settings import TrainingSettings
from digitnet.training import train
from digitnet.training_state import TrainingState

ENGINES = [
    pytest.param("compiled", marks=pytest.mark.skipif(not numba_available(), reason="no Numba")),
    "numpy",
    "reference",
]

#: name -> (network keywords, settings keywords, whether the fused kernel's maths applies)
CASES = {
    # The best preset's options on a tiny network.
    "best": (
        {"activation": "relu", "output": "softmax", "init": "he"},
        {"cost": "log-likelihood", "momentum": 0.9, "nesterov": True, "l2": 0.5,
         "learning_rate": 0.05, "schedule": "cosine", "augment": True, "early_stopping": 3},
        False,
    ),
    "plateau, dropout, momentum": (
        {"activation": "tanh", "output": "sigmoid", "init": "scaled"},
        {"cost": "cross-entropy", "momentum": 0.5, "dropout": 0.2, "weight_decay": 1e-3,
         "learning_rate": 0.3, "schedule": "plateau", "patience": 1, "early_stopping": 4},
        False,
    ),
    "fused kernel": (
        {},
        {"cost": "cross-entropy", "l2": 1.0, "learning_rate": 0.5, "schedule": "plateau",
         "patience": 1, "early_stopping": 2, "augment": True},
        True,
    ),
}  # fmt: skip


def digits(n, seed):
    """Noisy copies of ten random 28 x 28 prototypes, as uint8 pixels (the distortions' input)."""
    rng = np.random.default_rng(seed)
    prototypes = np.random.default_rng(99).random((10, 784))
    labels = rng.integers(0, 10, n)
    images = np.clip(prototypes[labels] + 0.6 * rng.standard_normal((n, 784)), 0, 1)
    return np.round(images * 255).astype(np.uint8), labels


TRAINING, MONITOR = digits(96, 0), {"validation": digits(40, 1), "test": digits(30, 2)}


def network(case):
    return Network([784, 12, 10], seed=4, dtype="float64", **CASES[case][0])


def settings_of(case, engine):
    return TrainingSettings(epochs=7, mini_batch_size=16, seed=5, engine=engine, **CASES[case][1])


def run_with_random_interruptions(case, engine, folder, rng):
    """Train ``case``, stopping at random mini-batches and resuming from the checkpoint.

    Returns the network, the history and how many times the run was resumed.
    """
    settings, net, state = settings_of(case, engine), network(case), None
    for resumes in range(20):
        batches_left = int(rng.integers(1, 16))

        def stop() -> bool:
            nonlocal batches_left
            batches_left -= 1
            return batches_left < 0

        state = state or TrainingState.fresh(settings.seed)
        history = train(
            net, TRAINING, settings, monitor=MONITOR, should_stop=stop, state=state,
            on_epoch=lambda h, s=state, n=net: save_checkpoint(folder, n, s),
        )  # fmt: skip
        if not history.interrupted:
            return net, history, resumes
        if history.epochs_run:
            checkpoint = load_checkpoint(folder)
            net, state = checkpoint.network, checkpoint.state
        else:
            net, state = network(case), None
    raise AssertionError("20 interruptions did not finish the run")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", CASES)
def test_a_run_interrupted_at_random_batches_ends_bit_identical(case, engine, tmp_path):
    settings = settings_of(case, engine)
    whole = network(case)
    assert (kernel_limitation(settings, whole) is None) is CASES[case][2]
    expected = train(whole, TRAINING, settings, monitor=MONITOR)

    resumed, history, resumes = run_with_random_interruptions(
        case, engine, tmp_path, np.random.default_rng(3)
    )
    for p, q in zip(resumed.weights + resumed.biases, whole.weights + whole.biases, strict=True):
        np.testing.assert_array_equal(p, q)
    assert history.correct == expected.correct and history.cost == expected.cost
    assert history.learning_rates == expected.learning_rates
    assert (history.end, history.kept_epoch) == (expected.end, expected.kept_epoch)
    assert history.kept_epoch is not None  # early stopping kept its best epoch's weights
    assert resumes >= 4


def test_the_checkpoint_holds_the_velocities_and_the_best_parameters(tmp_path):
    settings, net = settings_of("best", "numpy"), network("best")
    state = TrainingState.fresh(settings.seed)
    saved = {}

    def on_epoch(history):
        save_checkpoint(tmp_path, net, state)
        if history.epochs_run == 2:
            saved["velocities"] = [v.copy() for v in state.velocities]
            saved["best"] = [p.copy() for p in state.best]

    train(net, TRAINING, settings, monitor=MONITOR, state=state, on_epoch=on_epoch)
    assert saved["velocities"] and any(v.any() for v in saved["velocities"])
    checkpoint = load_checkpoint(tmp_path)  # the last epoch's: compare with a fresh run's
    assert len(checkpoint.state.velocities) == len(net.weights + net.biases)
    for read, live in zip(checkpoint.state.velocities, state.velocities, strict=True):
        np.testing.assert_array_equal(read, live)
    for read, kept in zip(checkpoint.state.best, state.best, strict=True):
        np.testing.assert_array_equal(read, kept)


def test_resuming_a_run_that_stopped_early_trains_no_further_and_keeps_the_best(tmp_path):
    settings = TrainingSettings(
        epochs=40, mini_batch_size=16, learning_rate=0.5, seed=5, early_stopping=2
    )
    net, state = network("fused kernel"), TrainingState.fresh(5)
    history = train(
        net, TRAINING, settings, monitor=MONITOR, state=state,
        on_epoch=lambda h: save_checkpoint(tmp_path, net, state),
    )  # fmt: skip
    assert history.end is RunEnd.EARLY_STOPPING and history.epochs_run < 40
    checkpoint = load_checkpoint(tmp_path)  # saved before the best weights were put back
    assert checkpoint.history.end is RunEnd.EARLY_STOPPING
    again = train(checkpoint.network, TRAINING, settings, monitor=MONITOR, state=checkpoint.state)
    assert again.epochs_run == history.epochs_run and again.end is RunEnd.EARLY_STOPPING
    assert again.kept_epoch == history.kept_epoch
    for p, q in zip(checkpoint.network.weights, net.weights, strict=True):
        np.testing.assert_array_equal(p, q)


def test_a_momentum_checkpoint_without_its_velocities_is_refused(tmp_path):
    settings = TrainingSettings(epochs=1, mini_batch_size=16, momentum=0.5, seed=5)
    net, state = Network([784, 12, 10], seed=4), TrainingState.fresh(5)
    train(net, TRAINING, settings, state=state)
    state.velocities = []
    save_checkpoint(tmp_path, net, state)
    with pytest.raises(
        ModelFileError, match=r"checkpoint\.npz: the run to resume has no velocities"
    ):
        load_checkpoint(tmp_path)


def test_velocities_of_another_shape_are_refused():
    settings = TrainingSettings(epochs=2, mini_batch_size=16, momentum=0.5, seed=5)
    net, state = Network([784, 12, 10], seed=4), TrainingState.fresh(5)
    train(net, TRAINING, settings, state=state, should_stop=lambda: True)
    state.history.seconds.append(1.0)  # as if an epoch had run
    state.history.learning_rates.append(0.1)
    state.velocities = [np.zeros(3)]
    with pytest.raises(ConfigError, match="velocities not shaped like the network"):
        train(net, TRAINING, settings, state=state)
