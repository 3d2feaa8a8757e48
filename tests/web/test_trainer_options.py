"""The page's trainer takes what `digitnet train` takes (issue 17): a preset and its
overrides (cost, activation, init, L2, momentum, dropout, schedule, distortions) within the
core's limits and the server's, and each epoch event shows the network learning."""

from __future__ import annotations

import json
import re
import warnings
from typing import Any

import numpy as np
import pytest
from answers import refused_run
from starlette.exceptions import StarletteDeprecationWarning

from digitnet.data import Dataset
from digitnet.network import Network
from digitnet.recipes import PRESETS
from digitnet.settings import LIMITS
from digitnet.web import limits, params
from digitnet.web.params import PAGE_PRESETS, RECIPE_FIELDS, parse_train_request
from digitnet.web.views import PIXEL_DECIMALS, SNAPSHOT_NEURONS, learning_snapshot, sample_digits

with warnings.catch_warnings():  # Starlette would rather it ran on httpx2; httpx works
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

LOCAL = "http://127.0.0.1"
#: An epoch event's size the page can take after every epoch on a slow link.
MAX_EPOCH_EVENT_BYTES = 100_000


# --- the request's fields ----------------------------------------------------------------


def test_every_option_reaches_the_recipe() -> None:
    body = {
        "cost": "cross-entropy",
        "activation": "tanh",
        "init": "scaled",
        "l2": 5.0,
        "momentum": 0.5,
        "nesterov": True,
        "dropout": 0.25,
        "schedule": "plateau",
        "augment": True,
        "learning_rate": 0.5,
    }
    chosen = parse_train_request(body).recipe
    assert (chosen.activation, chosen.init, chosen.output) == ("tanh", "scaled", "sigmoid")
    s = chosen.settings
    assert (s.cost, s.l2, s.momentum, s.nesterov, s.dropout) == (
        "cross-entropy",
        5.0,
        0.5,
        True,
        0.25,
    )
    assert (s.schedule, s.augment, s.learning_rate) == ("plateau", True, 0.5)


def test_a_preset_gives_its_recipe_and_the_fields_override_it() -> None:
    chosen = parse_train_request({"preset": "best", "sizes": [784, 100, 10], "epochs": 3}).recipe
    best = PRESETS["best"]
    assert chosen.sizes == (784, 100, 10) and chosen.settings.epochs == 3
    assert chosen.activation == best.activation and chosen.output == "softmax"
    for name in ("cost", "momentum", "nesterov", "l2", "schedule", "augment", "learning_rate"):
        assert getattr(chosen.settings, name) == getattr(best.settings, name), name


def test_handwriting_keeps_its_varied_ink_the_page_does_not_offer() -> None:
    chosen = parse_train_request({"preset": "handwriting", "training_size": 1000}).recipe
    assert chosen.settings.vary_ink is True and chosen.settings.clean_fraction == 0.5


def test_no_field_is_the_book_s_experiment() -> None:
    chosen = parse_train_request({}).recipe
    book = PRESETS["book"]
    assert chosen.sizes == book.sizes and chosen.settings.cost == "quadratic"
    assert chosen.settings.time_budget == limits.MAX_RUN_SECONDS


def test_a_cosine_schedule_spans_the_epochs_and_the_run_has_the_time_limit() -> None:
    """With the time budget as well, a cosine of 5 epochs would span an hour: no decay."""
    request = parse_train_request({"schedule": "cosine", "epochs": 5})
    assert request.recipe.settings.time_budget is None
    assert request.time_limit == limits.MAX_RUN_SECONDS
    assert parse_train_request({"epochs": 5}).time_limit is None


@pytest.mark.parametrize(
    ("body", "needles"),
    [
        ({"preset": "fastest"}, ("preset must be one of book, best, handwriting", "'fastest'")),
        ({"preset": ["book"]}, ("preset must be one of",)),
        ({"cost": "hinge"}, ("cost must be one of", "'hinge'")),
        ({"activation": "gelu"}, ("activation must be one of", "'gelu'")),
        ({"init": "zeros"}, ("init must be one of", "'zeros'")),
        ({"schedule": "step"}, ("schedule must be one of", "'step'")),
        ({"l2": -1}, ("l2 must be a finite number at least 0",)),
        ({"momentum": 1}, ("momentum must be a finite number at least 0 and below 1",)),
        ({"dropout": 1.5}, ("dropout must be a finite number",)),
        ({"dropout": "0.5"}, ("dropout must be a number",)),
        ({"nesterov": True}, ("nesterov needs a momentum above 0",)),
        ({"augment": "yes"}, ("augment must be True or False",)),
        ({"lr": 1}, ("lr",)),
    ],
)
def test_a_bad_option_is_a_one_line_422(
    fresh_client: TestClient, body: dict[str, Any], needles: tuple[str, ...]
) -> None:
    refused_run(fresh_client, body, *needles)


def test_the_best_preset_fits_the_server_but_not_with_larger_mini_batches(
    fresh_client: TestClient,
) -> None:
    """The web limits still apply to a preset: best's 1.8 M weights at mini-batches of 128
    fit; at 1,024 a step is over the work a stop may wait for."""
    assert parse_train_request({"preset": "best"}).recipe.settings.mini_batch_size == 128
    refused_run(fresh_client, {"preset": "best", "mini_batch_size": 1024}, "multiply-adds a step")


def test_a_preset_over_the_memory_cap_is_refused_naming_it(
    fresh_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "MAX_TRAINING_BYTES", 64 * 2**20)
    refused_run(fresh_client, {"preset": "best"}, "MB to train", "over the limit of 64 MB")


def test_a_preset_s_network_is_held_to_the_page_s_weights(
    fresh_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(params, "MAX_WEIGHTS", 100_000)
    refused_run(fresh_client, {"preset": "handwriting"}, "weights, over the limit of 100,000")


def test_the_presets_are_served_with_every_field_the_form_has(fresh_client: TestClient) -> None:
    presets = fresh_client.get("/api/train/presets").json()
    assert set(presets) == set(PAGE_PRESETS) == {n for n, p in PRESETS.items() if not p.layers}
    for name, fields in presets.items():
        assert set(fields) == set(RECIPE_FIELDS)
        assert parse_train_request({"preset": name, **fields}).recipe.replace(
            time_budget=None, seed=None
        ) == PRESETS[name].replace(time_budget=None, engine="auto", dtype="float32")
    assert presets["best"]["sizes"] == [784, 1024, 1024, 10]


# --- showing the network learn -----------------------------------------------------------


def test_the_sample_digits_are_one_of_each_in_order(mnist: Any) -> None:
    samples = sample_digits(mnist.test)
    assert samples.labels.tolist() == list(range(10))
    first_seven = int(np.flatnonzero(mnist.test.labels == 7)[0])
    np.testing.assert_array_equal(samples.images[7], mnist.test.images[first_seven])


def test_the_snapshot_is_the_network_s_weights_and_its_guesses(mnist: Any) -> None:
    network = Network([784, 30, 10], seed=3, dtype="float32")
    samples = sample_digits(mnist.test)
    snapshot = learning_snapshot(network, samples)
    neurons = np.array(snapshot["neurons"])
    assert neurons.shape == (SNAPSHOT_NEURONS, 784)
    np.testing.assert_allclose(neurons, network.weights[0][:8], atol=0.5 * 10**-PIXEL_DECIMALS)
    assert snapshot["max_abs"] == pytest.approx(float(np.abs(network.weights[0][:8]).max()))
    outputs = network.feedforward(samples.images / np.float32(255))
    assert [p["digit"] for p in snapshot["predictions"]] == outputs.argmax(axis=1).tolist()
    np.testing.assert_allclose(
        [p["outputs"] for p in snapshot["predictions"]], outputs, atol=0.5 * 10**-PIXEL_DECIMALS
    )


def test_a_run_sends_the_samples_then_a_snapshot_each_epoch(
    fresh_client: TestClient, warm_training: None, mnist: Any
) -> None:
    body = {"epochs": 2, "training_size": 2000, "seed": 4, "augment": True, "momentum": 0.5}
    assert fresh_client.post("/api/train", json=body).status_code == 202
    run = fresh_client.app.state.session.run  # type: ignore[attr-defined]
    run.join(120)
    events = run.events.since(0)[0]
    assert events[0].name == "samples" and events[-1].name == "done"
    assert events[0].data["labels"] == list(range(10))
    assert events[-1].data["epochs_run"] == 2  # distortions run in the web trainer
    epochs = [e for e in events if e.name == "epoch"]
    assert len(epochs) == 2
    first, second = (e.data["snapshot"] for e in epochs)
    assert first["neurons"] != second["neurons"]  # the weights moved in the second epoch
    for event in epochs:
        assert len(json.dumps(event.data)) < MAX_EPOCH_EVENT_BYTES
    assert len(json.dumps(events[0].data)) < MAX_EPOCH_EVENT_BYTES


def test_a_cosine_run_ends_at_the_run_s_time_limit_and_says_so(
    fresh_client: TestClient, warm_training: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(params, "MAX_RUN_SECONDS", 1e-9)  # over after the first slice
    body = {"epochs": 1000, "training_size": 1000, "seed": 1, "schedule": "cosine"}
    assert fresh_client.post("/api/train", json=body).status_code == 202
    run = fresh_client.app.state.session.run  # type: ignore[attr-defined]
    run.join(60)
    done = run.events.since(0)[0][-1]
    assert done.name == "done" and done.data["timed_out"] is True
    assert done.data["stopped"] is False


def test_sample_digits_leave_out_a_digit_the_test_set_lacks() -> None:
    test = Dataset(np.zeros((3, 784), np.uint8), np.array([2, 0, 2]))
    assert sample_digits(test).labels.tolist() == [0, 2]


def test_the_form_offers_every_choice_of_the_core_and_no_other(fresh_client: TestClient) -> None:
    from digitnet.activations import ACTIVATIONS
    from digitnet.costs import COSTS
    from digitnet.network import INITIALISATIONS
    from digitnet.schedules import SCHEDULES

    page = fresh_client.get("/").text
    for name, choices in [
        ("preset", PAGE_PRESETS),
        ("cost", COSTS),
        ("activation", ACTIVATIONS),
        ("init", INITIALISATIONS),
        ("schedule", SCHEDULES),
    ]:
        select = re.search(rf'<select [^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
        assert select, name
        assert re.findall(r'<option value="([^"]+)"', select.group(1)) == list(choices), name
    for name in ("l2", "momentum", "dropout"):
        field = re.search(rf'<input [^>]*name="{name}"[^>]*\smax="([^"]+)"', page)
        assert field and LIMITS[name].contains(float(field.group(1))), name
    for name in ("nesterov", "augment"):
        assert re.search(rf'<input [^>]*name="{name}" type="checkbox"', page), name
