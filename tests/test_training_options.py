"""The book's later improvements, each doing what it says, through train() and sgd()."""

import numpy as np
import pytest

from digitnet.engines.numba_kernels import numba_available
from digitnet.errors import ConfigError
from digitnet.history import History, RunEnd
from digitnet.modelfile import load, save
from digitnet.network import Network
from digitnet.schedules import PlateauSchedule
from digitnet.settings import TrainingSettings
from digitnet.training import sgd, train
from digitnet.training_state import TrainingState


def blobs(n, seed, n_in=20, n_classes=10, noise=0.6):
    """Separable but noisy classes: a prototype per class plus noise, in [0, 1]."""
    rng = np.random.default_rng(seed)
    prototypes = np.random.default_rng(99).random((n_classes, n_in))
    labels = rng.integers(0, n_classes, n)
    images = np.clip(prototypes[labels] + noise * rng.standard_normal((n, n_in)), 0, 1)
    return images, labels


def pixels(images):
    return np.round(images * 255).astype(np.uint8)


TRAIN, VALIDATION = blobs(400, 0), blobs(200, 1)


def test_early_stopping_keeps_the_best_epochs_weights():
    net = Network([20, 15, 10], seed=2, init="scaled")
    history = sgd(
        net, TRAIN, epochs=40, learning_rate=8.0, mini_batch_size=5, seed=3,
        early_stopping=3, monitor={"validation": VALIDATION},
    )  # fmt: skip
    best = history.best_epoch("validation")
    assert history.kept_epoch == best
    assert net.evaluate(*VALIDATION) == max(history.correct["validation"])
    if history.end is RunEnd.EARLY_STOPPING:
        assert history.epochs_run == best + 3


def test_a_time_budget_ends_the_run():
    net = Network([20, 15, 10], seed=2)
    history = sgd(net, TRAIN, epochs=100_000, time_budget=0.3, seed=1)
    assert history.end is RunEnd.TIME_BUDGET
    assert history.epochs_run < 100_000
    assert history.elapsed >= 0.3


def test_cosine_schedule_decreases_to_nearly_zero():
    net = Network([20, 15, 10], seed=2)
    history = sgd(net, TRAIN, epochs=8, learning_rate=2.0, schedule="cosine", seed=1)
    rates = history.learning_rates
    assert rates[0] < 2.0 and all(a > b for a, b in zip(rates, rates[1:]))
    assert rates[-1] < 0.01


def test_plateau_schedule_follows_the_validation_accuracy():
    net = Network([20, 15, 10], seed=4)
    history = sgd(
        net, TRAIN, epochs=30, learning_rate=20.0, schedule="plateau", patience=1, seed=1,
        monitor={"validation": VALIDATION},
    )  # fmt: skip
    replay = PlateauSchedule(20.0, 1)
    expected = []
    for correct in history.correct["validation"]:
        expected.append(replay.rate)
        replay.end_epoch(correct)
    assert history.learning_rates == expected
    assert min(history.learning_rates) < 20.0
    if history.end is not RunEnd.COMPLETED:
        assert history.end is RunEnd.RATE_EXHAUSTED


@pytest.mark.parametrize(
    ("activation", "output", "cost", "init"),
    [
        ("sigmoid", "sigmoid", "cross-entropy", "scaled"),
        ("tanh", "sigmoid", "cross-entropy", "scaled"),
        ("relu", "softmax", "log-likelihood", "he"),
    ],
)
def test_every_variant_learns_and_beats_chance(activation, output, cost, init):
    net = Network([20, 30, 10], seed=5, activation=activation, output=output, init=init)
    history = sgd(
        net, TRAIN, epochs=10, learning_rate=0.1, cost=cost, seed=1, momentum=0.9,
        nesterov=True, dropout=0.1, weight_decay=1e-4, monitor={"validation": VALIDATION},
    )  # fmt: skip
    assert history.engine == ("compiled" if numba_available() else "numpy")
    assert max(history.accuracy["validation"]) > 0.35  # chance is 0.1
    assert np.isfinite(history.cost["validation"]).all()


def test_saturation_is_recorded_per_epoch():
    net = Network([20, 15, 10], seed=2)
    history = sgd(net, TRAIN, epochs=3, seed=1, monitor={"validation": VALIDATION})
    assert len(history.saturation) == 3
    assert all(0.0 <= s <= 1.0 for s in history.saturation)


def test_augmented_training_sees_different_images():
    images, labels = blobs(300, 6, n_in=784)
    plain = Network([784, 10, 10], seed=7)
    augmented = Network([784, 10, 10], seed=7)
    sgd(plain, (pixels(images), labels), epochs=1, seed=8, engine="numpy")
    history = sgd(
        augmented, (pixels(images), labels), epochs=1, seed=8, engine="numpy", augment=True
    )
    assert history.epochs_run == 1
    assert not np.allclose(plain.weights[0], augmented.weights[0])


def test_augmenting_float_images_is_refused():
    with pytest.raises(ConfigError, match="uint8"):
        sgd(Network([20, 10]), TRAIN, epochs=1, augment=True)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (dict(momentum=1.0), "momentum"),
        (dict(dropout=-0.1), "dropout"),
        (dict(l2=float("nan")), "l2"),
        (dict(schedule="linear"), "schedule"),
        (dict(nesterov=True), "nesterov"),
        (dict(early_stopping=0), "early_stopping"),
        (dict(time_budget=0), "time_budget"),
        (dict(augment="yes"), "augment"),
    ],
)
def test_bad_settings_are_refused_in_one_line(options, message):
    with pytest.raises(ConfigError, match=message) as caught:
        TrainingSettings(**options)
    assert "\n" not in str(caught.value)


def test_a_cost_needs_its_output_layer():
    with pytest.raises(ConfigError, match="softmax output"):
        sgd(Network([20, 10]), TRAIN, epochs=1, cost="log-likelihood")
    with pytest.raises(ConfigError, match="sigmoid output"):
        sgd(Network([20, 10], output="softmax"), TRAIN, epochs=1, cost="cross-entropy")


def test_watching_validation_needs_a_validation_set():
    with pytest.raises(ConfigError, match="validation"):
        sgd(Network([20, 10]), TRAIN, epochs=1, early_stopping=2)


def test_unknown_hyperparameters_are_refused():
    # sgd's keywords are typed parameters, so Python itself names the typo.
    with pytest.raises(TypeError, match="learnin_rate"):
        sgd(Network([20, 10]), TRAIN, learnin_rate=1.0)


@pytest.mark.parametrize(
    ("changes", "missing"), [({"momentum": 0.5}, "velocities"), ({"early_stopping": 2}, "best")]
)
def test_a_run_with_momentum_or_early_stopping_resumes_only_with_its_state(changes, missing):
    net = Network([20, 10], seed=1)
    settings = TrainingSettings(epochs=2, seed=1, **changes)
    monitor = {"validation": TRAIN}
    history = train(net, TRAIN, settings, monitor=monitor)
    history.seconds.pop()  # as if it had stopped after epoch 1
    for name in history.correct:
        history.correct[name].pop(), history.cost[name].pop()
    history.end = None
    with pytest.raises(ConfigError, match=f"the run to resume has no {missing}"):
        train(
            net,
            TRAIN,
            settings,
            monitor=monitor,
            state=TrainingState(np.random.default_rng(1), history),
        )


def test_a_relu_softmax_network_round_trips_through_the_model_file(tmp_path):
    net = Network([20, 12, 10], seed=3, activation="relu", output="softmax", init="he")
    settings = TrainingSettings(epochs=1, cost="log-likelihood", momentum=0.9, augment=False)
    history = train(net, TRAIN, settings)
    saved = load(save(tmp_path / "m.npz", net, history=history))
    assert (
        saved.network.hidden_activation.name == "relu"
        and saved.network.output_activation.name == "softmax"
    )
    assert saved.settings == settings
    assert isinstance(saved.history, History) and saved.history.learning_rates
    np.testing.assert_array_equal(saved.network.feedforward(TRAIN[0]), net.feedforward(TRAIN[0]))
    np.testing.assert_allclose(saved.network.feedforward(TRAIN[0]).sum(axis=1), 1.0, rtol=1e-12)


def test_he_and_scaled_initialisations_have_their_spread():
    for init, std in (("scaled", 1 / np.sqrt(400)), ("he", np.sqrt(2 / 400))):
        net = Network([400, 300, 10], seed=4, init=init)
        assert net.weights[0].std() == pytest.approx(std, rel=0.02)
    assert not Network([400, 300, 10], init="he").biases[0].any()


def test_a_resumed_run_with_distortions_dropout_and_a_schedule_ends_as_an_uninterrupted_one():
    images, labels = blobs(120, 9, n_in=784)
    data = (pixels(images), labels)
    settings = TrainingSettings(
        epochs=4, mini_batch_size=10, learning_rate=0.5, seed=5, augment=True, dropout=0.2,
        schedule="cosine", l2=1.0, engine="numpy",
    )  # fmt: skip
    whole = Network([784, 12, 10], seed=6, dtype="float64")
    train(whole, data, settings)

    snapshot = {}

    def keep_epoch_two(history):
        if history.epochs_run == 2:
            snapshot["weights"] = [p.copy() for p in part.weights + part.biases]
            snapshot["history"] = History.from_dict(history.to_dict())
            snapshot["rng"] = rng.bit_generator.state

    part = Network([784, 12, 10], seed=6, dtype="float64")
    state = TrainingState.fresh(settings.seed)
    rng = state.rng
    train(part, data, settings, state=state, on_epoch=keep_epoch_two)
    resumed = Network([784, 12, 10], seed=0, dtype="float64")
    for p, saved in zip(resumed.weights + resumed.biases, snapshot["weights"]):
        p[...] = saved
    rng = np.random.default_rng()
    rng.bit_generator.state = snapshot["rng"]
    history = train(resumed, data, settings, state=TrainingState(rng, snapshot["history"]))
    assert history.epochs_run == 4
    for p, q in zip(resumed.weights + resumed.biases, whole.weights + whole.biases):
        np.testing.assert_array_equal(p, q)
