"""POST /api/step: one step of learning on one digit, its numbers backprop's, the model kept."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from answers import assert_error

from digitnet.backprop import backprop, update_mini_batch
from digitnet.costs import QUADRATIC, one_hot
from digitnet.explain.step import MAX_STEPS
from digitnet.modelfile import load
from digitnet.models_store import ModelStore

#: The issue's bound: the page's numbers equal backprop's to this (float64; JSON keeps
#: every bit of a float, so only the two computations' order of additions differs).
EXACT = 1e-12
INDEX = 8  # MNIST test digit 8 is a 5
LABEL = 5


@pytest.fixture
def client(model_file: Path, mnist_dir: Path, tmp_path: Path) -> Iterator[Any]:
    """A TestClient of an app serving the session's small trained model."""
    pytest.importorskip("fastapi", reason="the web extra is not installed")
    from starlette.exceptions import StarletteDeprecationWarning

    from digitnet.web.server import create_app

    with warnings.catch_warnings():  # Starlette would rather it ran on httpx2; httpx works
        warnings.simplefilter("ignore", StarletteDeprecationWarning)
        from fastapi.testclient import TestClient

    app = create_app(model_file, store=ModelStore(tmp_path / "home"), data_dir=mnist_dir)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client


def reference(model_file: Path) -> Any:
    return load(model_file).network.astype("float64")


def test_numbers_are_backprops(client, model_file, mnist):
    answer = client.post("/api/step", json={"index": INDEX, "label": LABEL}).json()
    network = reference(model_file)
    x = mnist.test.images[INDEX : INDEX + 1] / np.float64(255)
    y = one_hot([LABEL])
    nabla_b, nabla_w = backprop(network, x, y, QUADRATIC)
    layers = answer["layers"]
    for l, layer in enumerate(layers):
        np.testing.assert_allclose(layer["nabla_b"], nabla_b[l], rtol=0, atol=EXACT)
        np.testing.assert_allclose(layer["delta"], nabla_b[l], rtol=0, atol=EXACT)
        assert layer["nabla_w_max_abs"] == pytest.approx(np.abs(nabla_w[l]).max(), abs=EXACT)
    for layer, a in zip(layers, network.activations_for(x[0])[1:]):
        np.testing.assert_allclose(layer["a"], a, rtol=0, atol=EXACT)
    picture = answer["first_layer_gradient"]
    neurons = picture["neurons"]
    assert neurons == list(range(30))  # the book's 30 hidden neurons are all shown
    scaled = np.array(picture["pictures"]) / picture["scale"] * picture["max_abs"]
    rounding = picture["max_abs"] / picture["scale"] / 2  # half a unit of the integers
    np.testing.assert_allclose(scaled, nabla_w[0][neurons], rtol=0, atol=rounding * (1 + 1e-9))
    assert np.abs(picture["pictures"]).max() == picture["scale"]
    assert answer["cost_value"] == pytest.approx(QUADRATIC.value(network.feedforward(x), y))
    update_mini_batch(network, x, y, 3.0)  # the default learning rate, the book's
    np.testing.assert_allclose(answer["outputs_after"], network.feedforward(x)[0], atol=EXACT)


def test_pixels_give_the_same_step_as_the_index(client, mnist):
    by_index = client.post("/api/step", json={"index": INDEX, "label": LABEL}).json()
    pixels = (mnist.test.images[INDEX] / np.float64(255)).tolist()
    by_pixels = client.post("/api/step", json={"pixels": pixels, "label": LABEL}).json()
    assert by_pixels["layers"] == by_index["layers"]
    np.testing.assert_allclose(by_index["pixels"], pixels, atol=5e-5)  # rounded to 4 places


def test_a_step_raises_the_right_output_and_keeps_the_model(client, model_file):
    network = client.app.state.session.model.network
    before = [w.copy() for w in network.weights]
    answer = client.post(
        "/api/step", json={"index": INDEX, "label": LABEL, "learning_rate": 1.0, "steps": 10}
    ).json()
    right = answer["right_outputs"]
    assert len(right) == 11 and right[-1] > right[0]
    assert right[-1] == answer["outputs_after"][LABEL]
    assert answer["steps"] == 10 and answer["cost_after"] < answer["cost_value"]
    assert client.app.state.session.model.network is network
    for w, saved in zip(network.weights, before):
        np.testing.assert_array_equal(w, saved)
    again = client.post("/api/step", json={"index": INDEX, "label": LABEL, "learning_rate": 1.0})
    assert again.json()["right_outputs"][0] == right[0]  # each request starts from the model


def test_an_mnist_digit_s_label_is_its_own_unless_named(client, mnist):
    own = client.post("/api/step", json={"index": INDEX}).json()
    assert own["label"] == int(mnist.test.labels[INDEX]) == LABEL
    named = client.post("/api/step", json={"index": INDEX, "label": 3}).json()
    assert named["label"] == 3 and named["y"][3] == 1


def test_the_answer_names_the_equations_inputs(client):
    answer = client.post("/api/step", json={"index": INDEX, "label": LABEL}).json()
    assert answer["cost"] == "quadratic" and answer["sizes"] == [784, 30, 10]
    assert answer["y"] == one_hot([LABEL])[0].tolist()
    hidden, output = answer["layers"]
    assert len(hidden["z"]) == len(hidden["derivative"]) == len(hidden["saturated"]) == 30
    assert output["nabla_w_shape"] == [10, 30] and len(answer["pixels"]) == 784
    for layer in answer["layers"]:
        flat = np.array(layer["derivative"]) < 0.04 * 0.25
        assert layer["saturated"] == flat.tolist()


@pytest.mark.parametrize(
    ("body", "needles"),
    [
        ({"label": 1}, ["either 'pixels'", "or 'index'"]),
        ({"index": 1, "pixels": [0] * 784, "label": 1}, ["not both"]),
        ({"pixels": [0] * 784}, ["'label' must be the right digit, 0 to 9, got None"]),
        ({"index": 1, "label": 10}, ["'label'", "got 10"]),
        ({"index": -1, "label": 1}, ["'index'"]),
        ({"index": 10_000, "label": 1}, ["'index' must be from 0 to 9999"]),
        ({"index": 1, "label": 1, "steps": 0}, [f"'steps' must be from 1 to {MAX_STEPS}"]),
        ({"index": 1, "label": 1, "steps": MAX_STEPS + 1}, ["'steps'"]),
        ({"index": 1, "label": 1, "learning_rate": 0}, ["learning_rate must be above 0"]),
        ({"index": 1, "label": 1, "learning_rate": "3"}, ["'learning_rate' must be a number"]),
        ({"pixels": [0] * 10, "label": 1}, ["784 numbers, got 10 items"]),
        ({"pixels": [2] * 784, "label": 1}, ["from 0 to 1"]),
        ({"pixels": [True] * 784, "label": 1}, ["numbers only"]),
        ({"index": 1, "label": 1, "eta": 3}, ["unknown field 'eta'"]),
    ],
)
def test_mistakes_are_one_line_422s(client, body, needles):
    assert_error(client.post("/api/step", json=body), 422, *needles)


def test_without_a_model_it_is_a_409(fresh_client):
    assert_error(fresh_client.post("/api/step", json={"index": 1, "label": 1}), 409, "no model")


def test_json_only(client):
    response = client.post("/api/step", content=b"{}", headers={"Content-Type": "text/plain"})
    assert_error(response, 415, "application/json")


def test_too_much_work_is_refused(client, monkeypatch):
    from digitnet.web.routes import step

    monkeypatch.setattr(step, "MAX_STEP_WORK", 3 * 23_860 * 5)  # 5 steps of [784, 30, 10]
    assert client.post("/api/step", json={"index": 1, "label": 1, "steps": 5}).status_code == 200
    response = client.post("/api/step", json={"index": 1, "label": 1, "steps": 6})
    assert_error(response, 422, "6 steps", "23,860 weights and biases", "fewer steps")


def test_limits_state_the_steps(client):
    assert client.get("/api/limits").json()["step"]["steps"] == MAX_STEPS


def test_a_diverged_step_is_sent_as_nulls(client, monkeypatch):
    network = client.app.state.session.model.network
    broken = [w.copy() for w in network.weights]
    broken[0][0, 0] = np.inf  # as no loaded model can be: the step must still answer
    monkeypatch.setattr(network, "weights", broken)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the server's own log, not ours
        answer = client.post(
            "/api/step", json={"index": 1, "label": 1, "learning_rate": 1e6}
        ).json()
    assert answer["diverged"] is True
    assert None in answer["outputs_after"] and answer["cost_after"] is None


def test_steps_take_turns(model_file, mnist_dir, tmp_path, monkeypatch):
    """At most STEP_TURNS steps run at once, however many requests come together."""
    import asyncio
    import threading
    import time

    import httpx

    from digitnet.web.routes import step
    from digitnet.web.server import create_app

    running, most, lock = [0], [0], threading.Lock()
    real = step.learning_step

    def counted(*args: Any, **kwargs: Any) -> Any:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)  # long enough for others to overlap, were they let in
        try:
            return real(*args, **kwargs)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(step, "learning_step", counted)
    app = create_app(model_file, store=ModelStore(tmp_path / "home"), data_dir=mnist_dir)

    async def six_at_once() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            body = {"pixels": [0.5] * 784, "label": 1}
            answers = await asyncio.gather(*(client.post("/api/step", json=body) for _ in range(6)))
        return [a.status_code for a in answers]

    assert asyncio.run(six_at_once()) == [200] * 6
    assert most[0] == step.STEP_TURNS == 1
