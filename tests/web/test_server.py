"""The web app's JSON API, page and event stream, through FastAPI's TestClient, and
`digitnet serve` as a real server in a subprocess."""

from __future__ import annotations

import asyncio
import base64
import http.client
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from answers import assert_error
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from starlette.exceptions import StarletteDeprecationWarning

from digitnet import cli, measuring
from digitnet.decision import decide
from digitnet.imaging import preprocess, preprocess_drawing
from digitnet.imaging.panels import STAGES
from digitnet.modelfile import load, save
from digitnet.models_store import ModelStore
from digitnet.network import Network, n_parameters
from digitnet.perceptron import AND, NAND, NOT, OR, truth_table
from digitnet.web import create_app, sse, training_run
from digitnet.web.listen import is_loopback, listen_socket
from digitnet.web.request_body import MAX_UPLOAD_BYTES
from digitnet.web.training_run import Event, EventLog

with warnings.catch_warnings():  # Starlette would rather it ran on httpx2; httpx works
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

N_DIGITS_SENT = 20


# --- fixtures ---------------------------------------------------------------------------


LOCAL = "http://127.0.0.1"  # the app answers loopback Host headers only


@pytest.fixture(scope="module")
def client(
    model_file: Path, mnist_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    store = ModelStore(tmp_path_factory.mktemp("home"))
    app = create_app(model_file, store=store, data_dir=mnist_dir)
    with TestClient(app, base_url=LOCAL) as test_client:
        yield test_client


@pytest.fixture
def served_client(
    model_file: Path, tmp_path: Path, mnist_dir: Path
) -> Iterator[tuple[TestClient, Path, ModelStore]]:
    """An app serving a copy of model_file, with a models folder of its own."""
    path = Path(shutil.copy(model_file, tmp_path / "served.npz"))
    store = ModelStore(tmp_path / "home")
    with TestClient(create_app(path, store=store, data_dir=mnist_dir), base_url=LOCAL) as client:
        yield client, path, store


def canvas_png(pixels: np.ndarray, side: int = 280) -> bytes:
    """An MNIST digit as the page's canvas sends it: black ink on white, side x side."""
    grey = (255 - pixels.reshape(28, 28).astype(np.float64)).astype(np.uint8)
    image = Image.fromarray(grey).resize((side, side), Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    image.convert("RGBA").save(buffer, format="PNG")
    return buffer.getvalue()


def png_of(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def decode_data_url(url: str) -> Image.Image:
    prefix = "data:image/png;base64,"
    assert url.startswith(prefix)
    return Image.open(io.BytesIO(base64.b64decode(url[len(prefix) :])))


def parse_sse(text: str) -> list[tuple[str, dict[str, Any]]]:
    """The events of a text/event-stream body; comments are left out."""
    events = []
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith(":")]
        if lines:
            fields = dict(line.split(": ", 1) for line in lines)
            events.append((fields["event"], json.loads(fields["data"])))
    return events


def wait_for(condition: Any, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


# --- the model ---------------------------------------------------------------------------


def test_model_describes_the_loaded_file(client: TestClient, model_file: Path) -> None:
    body = client.get("/api/model").json()
    assert body["loaded"] is True and body["training"] is False
    assert body["sizes"] == [784, 30, 10] and body["source"] == str(model_file)
    assert body["activation"] == "sigmoid" and body["output"] == "sigmoid"
    assert body["kind"] == "dense" and body["layers"] is None
    history = body["history"]
    assert history["epochs"] == 2
    assert len(history["validation_accuracy"]) == len(history["validation_cost"]) == 2
    assert 80 < history["validation_accuracy"][-1] <= 100  # percent
    saved = load(model_file).history
    assert saved is not None
    assert history["validation_accuracy"][-1] == pytest.approx(
        100 * saved.accuracy["validation"][-1]
    )


def test_model_without_a_file_is_not_loaded(fresh_client: TestClient) -> None:
    body = fresh_client.get("/api/model").json()
    assert body == {
        "loaded": False,
        "kind": None,
        "layers": None,
        "sizes": None,
        "activation": None,
        "output": None,
        "source": None,
        "history": None,
        "training": False,
    }


def test_each_app_keeps_its_own_session(
    client: TestClient, fresh_client: TestClient, model_file: Path
) -> None:
    assert fresh_client.get("/api/model").json()["loaded"] is False
    assert client.get("/api/model").json()["source"] == str(model_file)
    assert_error(fresh_client.get("/api/weights"), 409, "no model loaded")
    assert client.get("/api/weights").status_code == 200


def test_a_model_file_that_is_not_a_classifier_is_refused(tmp_path: Path) -> None:
    path = save(tmp_path / "odd.npz", Network([784, 5, 3], seed=0))
    with pytest.raises(ValueError, match="not an MNIST classifier"):
        create_app(path)


def test_a_missing_model_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no such model file"):
        create_app(tmp_path / "absent.npz")


# --- predictions -------------------------------------------------------------------------


def test_predict_reads_canvas_digits(client: TestClient, mnist: Any) -> None:
    images, labels = mnist.test.images[:N_DIGITS_SENT], mnist.test.labels[:N_DIGITS_SENT]
    digits = [client.post("/api/predict", content=canvas_png(x)).json()["digit"] for x in images]
    assert np.mean(np.array(digits) == labels) >= 0.8


def test_predict_answers_everything_the_page_draws(client: TestClient, mnist: Any) -> None:
    body = client.post("/api/predict", content=canvas_png(mnist.test.images[0])).json()
    assert set(body) == {
        "digit", "activation", "activation_label", "unsure", "unsure_reason", "outputs",
        "hidden", "steps", "centred_pixels",
    }  # fmt: skip
    assert len(body["outputs"]) == 10 and body["digit"] == int(np.argmax(body["outputs"]))
    decision = decide(body["outputs"])
    assert body["activation"] == max(body["outputs"]) == decision.activation
    assert body["activation_label"] == "output activation"  # sigmoid: not a probability
    assert body["unsure"] == decision.unsure and body["unsure_reason"] == decision.reason
    assert [len(layer) for layer in body["hidden"]] == [30]
    assert all(0 <= a <= 1 for a in body["hidden"][0])
    assert len(body["centred_pixels"]) == 784 and max(body["centred_pixels"]) == 1.0
    sizes = {name: decode_data_url(url).size for name, url in body["steps"].items()}
    assert list(sizes) == [name for name, _, _ in STAGES]
    assert sizes["centred"] == (28, 28) and max(sizes["scaled"]) == 20
    for name in ("page", "paper", "ink", "digit", "cropped"):
        assert max(sizes[name]) <= 280


def test_predict_runs_the_cli_pipeline(client: TestClient, model_file: Path, mnist: Any) -> None:
    png = canvas_png(mnist.test.images[1])
    expected = load(model_file).network.feedforward(preprocess(png))
    body = client.post("/api/predict", content=png).json()
    np.testing.assert_allclose(body["outputs"], expected, rtol=1e-6)


def test_the_lean_view_is_the_answer_and_the_outputs_of_the_full_one(
    client: TestClient, mnist: Any
) -> None:
    png = canvas_png(mnist.test.images[2])
    full = client.post("/api/predict", content=png).json()
    lean = client.post("/api/predict?view=lean", content=png).json()
    assert set(lean) == {
        "digit", "activation", "activation_label", "unsure", "unsure_reason", "outputs", "steps",
    }  # fmt: skip
    assert lean["steps"] == {}  # no pictures unless asked
    assert lean == {**{key: full[key] for key in lean}, "steps": {}}


def test_the_lean_view_draws_only_the_pictures_asked(client: TestClient, mnist: Any) -> None:
    png = canvas_png(mnist.test.images[3])
    full = client.post("/api/predict", content=png).json()
    lean = client.post("/api/predict?view=lean&pictures=centred,scaled", content=png).json()
    assert lean["steps"] == {name: full["steps"][name] for name in ("scaled", "centred")}


def test_a_canvas_input_is_read_as_a_drawing(
    client: TestClient, model_file: Path, mnist: Any
) -> None:
    png = canvas_png(mnist.test.images[4])
    expected = load(model_file).network.feedforward(preprocess_drawing(png).vector)
    for view in ("full", "lean"):
        body = client.post(f"/api/predict?input=canvas&view={view}", content=png).json()
        np.testing.assert_allclose(body["outputs"], expected, rtol=1e-6)
        assert body["digit"] == int(np.argmax(expected))


def test_canvas_digits_read_as_drawings_as_well_as_through_the_pipeline(
    client: TestClient, mnist: Any
) -> None:
    images = mnist.test.images[:N_DIGITS_SENT]
    url = "/api/predict?input=canvas&view=lean"
    drawn = [client.post(url, content=canvas_png(x)).json()["digit"] for x in images]
    piped = [client.post("/api/predict", content=canvas_png(x)).json()["digit"] for x in images]
    labels = mnist.test.labels[:N_DIGITS_SENT]
    assert np.mean(np.array(drawn) == labels) >= max(0.8, np.mean(np.array(piped) == labels) - 0.1)


@pytest.mark.parametrize(
    ("query", "needle"),
    [
        ("input=photo", "input must be one of file, canvas"),
        ("view=tiny", "view must be one of full, lean"),
        ("view=lean&pictures=centred,colour", "no picture 'colour'"),
        ("pictures=centred", "view=lean"),
        ("lean=1", "unknown query parameter 'lean'"),
    ],
)
def test_unknown_predict_options_are_one_line_errors(
    client: TestClient, mnist: Any, query: str, needle: str
) -> None:
    png = canvas_png(mnist.test.images[0])
    assert_error(client.post(f"/api/predict?{query}", content=png), 422, needle)


def test_predict_flags_a_scribble_as_unsure(client: TestClient) -> None:
    image = Image.new("L", (280, 280), 255)
    from PIL import ImageDraw

    ImageDraw.Draw(image).line([(40, 40), (240, 240), (240, 40)], fill=0, width=18)
    body = client.post("/api/predict", content=png_of(image)).json()
    assert body["unsure"] is True and body["unsure_reason"]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b"not an image", "not an image"),
        (b"", "empty"),
        (png_of(Image.new("L", (280, 280), 255)), "blank"),
        (png_of(Image.new("L", (280, 280), 255))[:60], "uploaded image"),
    ],
    ids=["text", "empty", "blank", "truncated"],
)
def test_a_bad_image_is_422_with_one_line(client: TestClient, body: bytes, needle: str) -> None:
    assert_error(client.post("/api/predict", content=body), 422, "uploaded image", needle)


def test_a_huge_body_is_413_by_its_declared_length(client: TestClient) -> None:
    body = b"\0" * (MAX_UPLOAD_BYTES + 1)
    assert_error(client.post("/api/predict", content=body), 413, "limit")


def test_a_huge_body_without_a_length_is_413_as_it_is_read(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(11):
            yield b"\0" * 2**20

    response = client.post("/api/predict", content=chunks())
    assert "content-length" not in response.request.headers
    assert_error(response, 413, "limit")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=2000))
def test_no_bytes_make_a_server_error(client: TestClient, body: bytes) -> None:
    assert client.post("/api/predict", content=body).status_code in (200, 422)


@pytest.mark.parametrize("path", ["/api/predict", "/api/weights"])
def test_no_model_is_409_saying_how_to_get_one(fresh_client: TestClient, path: str) -> None:
    method = fresh_client.post if path == "/api/predict" else fresh_client.get
    kwargs = {"content": b"x"} if path == "/api/predict" else {}
    assert_error(method(path, **kwargs), 409, "no model loaded: train one")


# --- weights -----------------------------------------------------------------------------


def test_weights_are_one_28x28_picture_per_hidden_neuron(
    client: TestClient, model_file: Path
) -> None:
    body = client.get("/api/weights").json()
    weights = load(model_file).network.weights[0]
    assert body["layer"] == 0 and body["shape"] == [28, 28]
    assert len(body["neurons"]) == 30 and {len(n) for n in body["neurons"]} == {784}
    np.testing.assert_allclose(body["neurons"], weights, atol=1e-4)
    assert body["min"] == pytest.approx(weights.min()) and body["max"] == pytest.approx(
        weights.max()
    )


def test_weights_of_a_network_without_hidden_layer_are_the_outputs(tmp_path: Path) -> None:
    path = save(tmp_path / "flat.npz", Network([784, 10], seed=0))
    with TestClient(create_app(path), base_url=LOCAL) as flat:
        assert len(flat.get("/api/weights").json()["neurons"]) == 10
        assert (
            flat.post("/api/predict", content=canvas_png(np.eye(28) * 255)).json()["hidden"] == []
        )


# --- training ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"sizes": [784, 30, 9]}, "sizes"),
        ({"sizes": [100, 10]}, "784 inputs"),
        ({"sizes": "784,30,10"}, "sizes"),
        ({"sizes": [784, 0, 10]}, "positive"),
        ({"sizes": [784, 30.5, 10]}, "positive integers"),
        ({"sizes": [784, 100_000, 10]}, "limit"),
        ({"epochs": 0}, "epochs"),
        ({"epochs": True}, "epochs"),
        ({"learning_rate": -1}, "learning_rate"),
        ({"learning_rate": 1e9}, "learning_rate"),
        ({"learning_rate": "fast"}, "learning_rate"),
        ({"mini_batch_size": 1.5}, "mini_batch_size"),
        ({"training_size": 0}, "training_size"),
        ({"training_size": 60_000}, "training_size"),
        ({"seed": -1}, "seed"),
        ({"seed": 2**40}, "seed"),
        ({"eta": 3}, "unknown field 'eta'"),
        ([784, 30, 10], "JSON object"),
    ],
)
def test_bad_training_settings_are_422(fresh_client: TestClient, body: Any, needle: str) -> None:
    assert_error(fresh_client.post("/api/train", json=body), 422, needle)
    assert fresh_client.get("/api/model").json()["training"] is False


def test_a_body_that_is_not_json_is_422(fresh_client: TestClient) -> None:
    headers = {"Content-Type": "application/json"}
    response = fresh_client.post("/api/train", content=b"{epochs: 2", headers=headers)
    assert_error(response, 422, "not valid JSON")


def test_json_nested_too_deeply_is_422_not_a_crash(client: TestClient) -> None:
    headers = {"Content-Type": "application/json"}
    body = b"[" * 30_000 + b"]" * 30_000
    assert_error(client.post("/api/gates", content=body, headers=headers), 422, "nested")


def test_json_endpoints_refuse_other_content_types(fresh_client: TestClient) -> None:
    """A form on another site can post text/plain without asking; it must not train here."""
    body = json.dumps({"epochs": 1})
    headers = {"Content-Type": "text/plain"}
    assert_error(fresh_client.post("/api/train", content=body, headers=headers), 415, "json")


def test_training_without_mnist_is_503(tmp_path: Path) -> None:
    app = create_app(None, data_dir=tmp_path / "no-mnist-here")
    with TestClient(app, base_url=LOCAL) as no_data:
        response = no_data.post("/api/train", json={"epochs": 1})
        assert_error(response, 503, "no-mnist-here", "train-images-idx3-ubyte.gz")


def test_events_before_any_run_are_204(fresh_client: TestClient) -> None:
    assert fresh_client.get("/api/train/events").status_code == 204


def test_a_run_streams_its_epochs_then_done_and_without_a_model_becomes_it(
    fresh_client: TestClient, tmp_path: Path, mnist: Any
) -> None:
    settings = {"sizes": [784, 30, 10], "epochs": 2, "training_size": 2000, "seed": 1}
    response = fresh_client.post("/api/train", json=settings)
    assert response.status_code == 202 and response.json() == {"started": True}
    stream = fresh_client.get("/api/train/events")
    assert stream.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(stream.text)
    names = [name for name, _ in events]
    assert [name for name in names if name != "progress"] == ["samples", "epoch", "epoch", "done"]
    assert names.count("progress") <= 2 * 4
    epochs = [data for name, data in events if name == "epoch"]
    assert [e["epoch"] for e in epochs] == [1, 2] and {e["epochs"] for e in epochs} == {2}
    assert all(0 < e["validation_accuracy"] <= 100 and e["seconds"] > 0 for e in epochs)
    done = events[-1][1]
    stored = ModelStore(tmp_path / "home").models()
    assert len(stored) == 1 and stored[0].name.startswith(datetime.now().strftime("%Y%m%d-"))
    assert done == {
        "epochs_run": 2,
        "best_validation_accuracy": max(e["validation_accuracy"] for e in epochs),
        "stopped": False,
        "diverged": False,
        "timed_out": False,
        "saved": stored[0].name,
    }
    model = fresh_client.get("/api/model").json()  # there was none: the new one serves
    assert model["loaded"] and model["source"] == str(stored[0].path) and not model["training"]
    assert model["history"]["validation_accuracy"] == [e["validation_accuracy"] for e in epochs]
    assert ModelStore(tmp_path / "home").default_name() is None  # the page sets no default
    saved = load(stored[0].path)
    assert saved.settings is not None and saved.settings.seed == 1
    png = canvas_png(mnist.test.images[0])
    outputs = fresh_client.post("/api/predict", content=png).json()["outputs"]
    np.testing.assert_allclose(outputs, saved.network.feedforward(preprocess(png)), rtol=1e-6)


def test_a_run_can_be_stopped_and_a_late_client_hears_it_all(
    fresh_client: TestClient, warm_training: None
) -> None:
    settings = {"epochs": 1000, "training_size": 2000, "seed": 2}
    assert fresh_client.post("/api/train", json=settings).status_code == 202
    assert fresh_client.get("/api/model").json()["training"] is True
    assert_error(fresh_client.post("/api/train", json={"epochs": 1}), 409, "already going")
    session = fresh_client.app.state.session  # type: ignore[attr-defined]
    wait_for(lambda: sum(e.name == "epoch" for e in session.run.events.since(0)[0]) >= 2)
    assert fresh_client.post("/api/train/stop", json={}).json() == {"stopping": True}
    events = parse_sse(fresh_client.get("/api/train/events").text)
    epochs = [data["epoch"] for name, data in events if name == "epoch"]
    assert epochs == list(range(1, len(epochs) + 1)) and len(epochs) >= 2
    assert events[-1][0] == "done"
    assert events[-1][1]["stopped"] is True and events[-1][1]["epochs_run"] == len(epochs) < 1000
    assert fresh_client.get("/api/model").json()["history"]["epochs"] == len(epochs)
    assert_error(fresh_client.post("/api/train/stop", json={}), 409, "no training run")


def test_a_run_replaces_the_served_model_only_when_the_page_asks(
    served_client: tuple[TestClient, Path, ModelStore], mnist: Any
) -> None:
    """The issue's case: 2 epochs on 2,000 images replaced a 95% model with a 54% one."""
    client, served, store = served_client
    before = served.read_bytes()
    quick = {"sizes": [784, 30, 10], "epochs": 1, "training_size": 500, "seed": 3}
    assert client.post("/api/train", json=quick).status_code == 202
    done = parse_sse(client.get("/api/train/events").text)[-1]
    assert done[0] == "done" and done[1]["saved"] is not None
    name = done[1]["saved"]
    assert client.get("/api/model").json()["source"] == str(served)  # still the old one
    assert served.read_bytes() == before and store.default_name() is None
    png = canvas_png(mnist.test.images[0])
    old_outputs = client.post("/api/predict", content=png).json()["outputs"]
    used = client.post("/api/models/use", json={"name": name})
    assert used.status_code == 200, used.text
    assert used.json()["source"] == str(store.find(name).path)
    assert used.json()["history"]["epochs"] == 1
    assert client.get("/api/model").json() == used.json()
    new_outputs = client.post("/api/predict", content=png).json()["outputs"]
    np.testing.assert_allclose(
        new_outputs, store_network(store, name).feedforward(preprocess(png)), rtol=1e-6
    )
    assert new_outputs != old_outputs


def store_network(store: ModelStore, name: str) -> Network:
    return load(store.find(name).path).network


def test_a_trained_model_downloads_as_a_loadable_file(
    served_client: tuple[TestClient, Path, ModelStore], tmp_path: Path
) -> None:
    client, _, store = served_client
    run = {"sizes": [784, 30, 10], "epochs": 1, "training_size": 300, "seed": 5}
    assert client.post("/api/train", json=run).status_code == 202
    name = parse_sse(client.get("/api/train/events").text)[-1][1]["saved"]
    response = client.get(f"/api/models/{name}/file")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == f'attachment; filename="{name}.npz"'
    downloaded = tmp_path / "downloaded.npz"
    downloaded.write_bytes(response.content)
    model = load(downloaded)
    assert model.network.sizes == (784, 30, 10) and model.settings.seed == 5  # type: ignore[union-attr]
    assert downloaded.read_bytes() == store.find(name).path.read_bytes()


@pytest.mark.parametrize("name", ["nothing-here", "..", "%2e%2e%2fmodel", "model"])
def test_only_models_trained_here_can_be_used_or_downloaded(
    served_client: tuple[TestClient, Path, ModelStore], name: str
) -> None:
    client, served, store = served_client
    store.home.mkdir(parents=True, exist_ok=True)
    shutil.copy(served, store.legacy)  # a model in the folder, but not trained by this server
    assert client.get(f"/api/models/{name}/file").status_code == 404
    assert_error(client.post("/api/models/use", json={"name": name}), 404, "trained on this")


@pytest.mark.parametrize(
    ("body", "needle"), [([], "JSON object"), ({"name": 3}, "name"), ({"nom": "x"}, "unknown")]
)
def test_bad_use_requests_are_422(client: TestClient, body: Any, needle: str) -> None:
    assert_error(client.post("/api/models/use", json=body), 422, needle)


def test_stop_without_a_run_is_409(fresh_client: TestClient) -> None:
    assert_error(fresh_client.post("/api/train/stop", json={}), 409, "no training run")


def test_a_stream_replays_epochs_but_not_stale_progress_and_keeps_alive() -> None:
    log = EventLog()
    log.append(Event("progress", {"done": 1, "total": 4}))
    log.append(Event("epoch", {"epoch": 1}))

    async def collect() -> list[str]:
        chunks = []
        stream = sse.event_stream(log, poll_seconds=0.01, keepalive_seconds=0.03)
        async for chunk in stream:
            chunks.append(chunk)
            if sum(c == ": keep-alive\n\n" for c in chunks) == 1 and not log.closed:
                log.append(Event("progress", {"done": 2, "total": 4}))
                log.append(Event("done", {"epochs_run": 1}), last=True)
        return chunks

    chunks = asyncio.run(collect())
    events = parse_sse("".join(chunks))
    assert events == [
        ("epoch", {"epoch": 1}),
        ("progress", {"done": 2, "total": 4}),
        ("done", {"epochs_run": 1}),
    ]
    assert ": keep-alive\n\n" in chunks


def test_a_diverged_cost_is_sent_as_null_not_nan() -> None:
    text = sse.format_event(Event("epoch", {"validation_cost": None}))
    assert text == 'event: epoch\ndata: {"validation_cost":null}\n\n'


# --- gates -------------------------------------------------------------------------------


@pytest.mark.parametrize("gate", [AND, OR, NAND, NOT], ids=lambda g: g.name)
def test_gates_follow_their_truth_tables(client: TestClient, gate: Any) -> None:
    for inputs, (output,) in truth_table(gate):
        body = client.post("/api/gates", json={"gate": gate.name, "inputs": list(inputs)}).json()
        assert body["output"] == output
        assert body["weights"] == gate.weights.tolist() and body["bias"] == gate.bias
        assert body["z"] == pytest.approx(gate.weights @ inputs + gate.bias)
        assert (body["z"] > 0) == (output == 1)


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"gate": "XOR", "inputs": [0, 1]}, "gate must be one of"),
        ({"gate": "and", "inputs": [0, 1]}, "gate must be one of"),
        ({"gate": "AND", "inputs": [1]}, "2 input bits"),
        ({"gate": "NOT", "inputs": [1, 1]}, "1 input bits"),
        ({"gate": "AND", "inputs": [1, 2]}, "0 or 1"),
        ({"gate": "AND", "inputs": [True, 1]}, "0 or 1"),
        ({"gate": "AND"}, "input bits"),
        ({"gate": "AND", "inputs": [1, 1], "bias": 3}, "unknown field"),
    ],
)
def test_bad_gate_requests_are_422(client: TestClient, body: Any, needle: str) -> None:
    assert_error(client.post("/api/gates", json=body), 422, needle)


@pytest.mark.parametrize(("x1", "x2"), [(0, 0), (0, 1), (1, 0), (1, 1)])
def test_the_half_adder_adds_and_shows_every_nand(client: TestClient, x1: int, x2: int) -> None:
    body = client.post("/api/half-adder", json={"x1": x1, "x2": x2}).json()
    assert 2 * body["carry"] + body["sum"] == x1 + x2
    gates = {gate["name"]: gate for gate in body["gates"]}
    assert list(gates) == ["n1", "n2", "n3", "sum", "carry"]
    for gate in body["gates"]:
        assert gate["output"] == int(not all(gate["inputs"]))  # every gate is a NAND
    assert gates["n1"]["inputs"] == [x1, x2] and gates["n1"]["sources"] == ["x1", "x2"]
    assert gates["sum"]["output"] == body["sum"] and gates["carry"]["output"] == body["carry"]


@pytest.mark.parametrize("body", [{"x1": 2, "x2": 0}, {"x1": 1}, {"x1": "1", "x2": 0}, [1, 0]])
def test_bad_half_adder_requests_are_422(client: TestClient, body: Any) -> None:
    assert_error(client.post("/api/half-adder", json=body), 422)


# --- the page and its files --------------------------------------------------------------


def test_the_page_and_its_scripts_are_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    scripts = re.findall(r'src="(/static/[^"]+)"', page.text)
    for script in scripts:
        assert client.get(script).status_code == 200, script


async def raw_get(app: Any, raw_path: bytes) -> tuple[int, bytes]:
    """GET a path exactly as written (an HTTP client would tidy up its dots first)."""
    from urllib.parse import unquote

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": unquote(raw_path.decode()), "raw_path": raw_path,
        "root_path": "", "query_string": b"", "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
    }  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


@pytest.mark.parametrize(
    "path",
    [
        "/static/../server.py",
        "/static/%2e%2e/server.py",
        "/static/..%2fserver.py",
        "/static/..%2f..%2fcli.py",
        "/static/%2e%2e%2f__init__.py",
        "/static//etc/passwd",
        "/static/../../../../../../etc/passwd",
    ],
)
def test_paths_out_of_static_are_404(client: TestClient, path: str) -> None:
    status, body = asyncio.run(raw_get(client.app, path.encode()))
    assert status == 404
    assert b"import" not in body and b"root:" not in body


# --- digitnet serve ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.1.2.3", True), ("localhost", True), ("::1", True),
     ("[::1]", True), ("0.0.0.0", False), ("192.168.1.5", False), ("::", False),
     ("example.org", False)],
)  # fmt: skip
def test_loopback_hosts_are_recognised(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def start_serve(*args: str, env_data: Path) -> tuple[subprocess.Popen[str], str]:
    """Run `digitnet serve ARGS --port 0` and return it with the URL it printed."""
    env = dict(os.environ, DIGITNET_DATA=str(env_data))
    command = [sys.executable, "-c", "from digitnet.cli import main; main()", "serve", *args]
    process = subprocess.Popen(
        [*command, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env,
    )  # fmt: skip
    url = ""
    assert process.stdout is not None
    for line in process.stdout:
        match = re.search(r"Serving digitnet on (http://\S+)", line)
        if match:
            url = match.group(1)
            break
    assert url, process.stderr.read() if process.stderr else ""
    return process, url


def stop_serve(process: subprocess.Popen[str]) -> str:
    process.terminate()
    _, err = process.communicate(timeout=30)
    return err


def test_serve_runs_the_app_on_loopback(model_file: Path, mnist_dir: Path) -> None:
    process, url = start_serve(str(model_file), env_data=mnist_dir)
    try:
        assert url.startswith("http://127.0.0.1:")
        host, port = url.removeprefix("http://").rstrip("/").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            connection.request("GET", "/api/model")
            assert json.loads(connection.getresponse().read())["source"] == str(model_file)
            for path in ("/static/../server.py", "/static/%2e%2e/server.py"):
                connection.request("GET", path)  # sent as written: http.client keeps the dots
                response = connection.getresponse()
                assert response.status == 404 and b"import" not in response.read()
        finally:
            connection.close()
    finally:
        err = stop_serve(process)
    assert "Warning" not in err


def test_serve_warns_when_the_host_is_not_loopback(tmp_path: Path, mnist_dir: Path) -> None:
    process, url = start_serve("--host", "0.0.0.0", env_data=mnist_dir)  # no model yet
    err = stop_serve(process)
    assert url.startswith("http://127.0.0.1:")
    warning = [line for line in err.splitlines() if line.startswith("Warning:")]
    assert len(warning) == 1 and "0.0.0.0 is not a loopback address" in warning[0]


def test_serve_on_a_busy_port_is_a_one_line_error(tmp_path: Path) -> None:
    listener = listen_socket("127.0.0.1", 0)
    port = listener.getsockname()[1]
    try:
        from click.testing import CliRunner

        result = CliRunner().invoke(cli.main, ["serve", "--port", str(port)])
    finally:
        listener.close()
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: cannot listen on 127.0.0.1")


def test_serve_refuses_a_damaged_model_in_one_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    bad = tmp_path / "bad.npz"
    bad.write_text("not a model")
    result = CliRunner().invoke(cli.main, ["serve", str(bad), "--port", "0"])
    assert result.exit_code == 1 and result.stderr.startswith("Error: ")
    assert "bad.npz" in result.stderr and len(result.stderr.strip().splitlines()) == 1


#: The run watched while predictions are sent: a hidden layer wide enough that one kernel
#: call (a hundredth of an epoch, 50 mini-batches, once the test lifts STOP_CHECK_WORK to
#: that) lasts several predictions.
BUSY_RUN = {"sizes": [784, 3000, 10], "epochs": 1000, "training_size": 50_000, "seed": 3}
KERNEL_CALLS_WATCHED = 20
MIN_PREDICTIONS_INSIDE = 5


def served_inside_one_call(start: float, end: float, marks: list[tuple[int, float]]) -> bool:
    """Whether [start, end] lies between two marks of one epoch, in under half their gap.

    ``marks`` are ``(mini-batches done, time)`` at the end of each kernel call, in order;
    between two marks of one epoch (``done`` grows) the training thread ran one call.
    """
    for (done_0, t_0), (done_1, t_1) in zip(marks, marks[1:]):
        if done_1 > done_0 and t_0 < start and end < t_1 and end - start < (t_1 - t_0) / 2:
            return True
    return False


def test_predictions_keep_coming_while_a_run_trains(
    model_file: Path,
    mnist_dir: Path,
    mnist: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    warm_training: None,
) -> None:
    """The compiled kernel releases the GIL: the old model answers while a new one learns.

    The run's ``on_batch`` callback marks the end of each call to the kernel, which trains
    a slice of the epoch. Were the GIL held during a call, no other thread could run
    Python until it returned; a prediction, which runs Python in this thread, the server's
    event loop and its thread pool, could not start and finish between two marks. So some
    predictions must do so, in under half the time between the marks: a bound set by the
    run's own pace, whatever this machine's speed or load. (With ``nogil=False`` in
    :class:`digitnet.engines.numba_kernels.LazyKernels`, a prediction spans dozens of calls.)
    """
    pytest.importorskip("numba", reason="the compiled kernel is what releases the GIL")
    marks: list[tuple[int, float]] = []
    real_train = training_run.train

    def marked_train(*args: Any, on_batch: Any, **kwargs: Any) -> Any:
        def mark(done: int, total: int) -> None:
            marks.append((done, time.perf_counter()))
            on_batch(done, total)

        return real_train(*args, on_batch=mark, **kwargs)

    monkeypatch.setattr(training_run, "train", marked_train)
    # Calls of a hundredth of an epoch, not the few mini-batches a stop check allows: the
    # longer a call, the more predictions fit in half of it, on a busy machine too.
    per_batch = measuring.step_work(n_parameters(BUSY_RUN["sizes"]), 10)
    monkeypatch.setattr(measuring, "STOP_CHECK_WORK", 50 * per_batch)
    app = create_app(Path(shutil.copy(model_file, tmp_path / "m.npz")), data_dir=mnist_dir)
    png = canvas_png(mnist.test.images[0])
    spans: list[tuple[float, float]] = []
    answers = []
    with TestClient(app, base_url=LOCAL) as busy:
        assert busy.post("/api/train", json=BUSY_RUN).status_code == 202
        wait_for(lambda: len(marks) > 0)  # the kernel has run: from now on, mid-epoch
        watched_until = len(marks) + KERNEL_CALLS_WATCHED
        deadline = time.monotonic() + 300  # a hang guard, not a bound on any latency
        while len(marks) < watched_until and time.monotonic() < deadline:
            start = time.perf_counter()
            answers.append(busy.post("/api/predict", content=png))
            spans.append((start, time.perf_counter()))
        training = busy.get("/api/model").json()["training"]
        busy.post("/api/train/stop", json={})
        app.state.session.run.join(30)
    assert len(marks) >= watched_until, "the run stalled"
    assert training is True
    assert all(answer.status_code == 200 for answer in answers)
    assert {answer.json()["digit"] for answer in answers} == {7}  # the loaded model's answer
    inside = sum(served_inside_one_call(start, end, marks) for start, end in spans)
    assert inside >= MIN_PREDICTIONS_INSIDE, (
        f"{inside} of {len(spans)} predictions were served within one kernel call"
    )


def test_shutting_down_stops_a_run_and_keeps_it_beside_the_model(
    model_file: Path, tmp_path: Path, mnist_dir: Path, warm_training: None
) -> None:
    served = Path(shutil.copy(model_file, tmp_path / "served.npz"))
    store = ModelStore(tmp_path / "home")
    default = store.add(load(served).network, load(served).history, make_default=True).model
    app = create_app(served, store=store, data_dir=mnist_dir)
    with TestClient(app, base_url=LOCAL) as running:
        running.post("/api/train", json={"epochs": 1000, "training_size": 2000, "seed": 4})
        session = app.state.session
        wait_for(lambda: any(e.name == "epoch" for e in session.run.events.since(0)[0]))
    assert not session.run.running
    assert served.read_bytes() == model_file.read_bytes()  # MODEL is never written
    assert store.default_name() == default.name  # nor is the default changed
    kept = [model for model in store.models() if model.name != default.name]
    assert len(kept) == 1 and kept[0].history is not None and kept[0].history.interrupted


def test_a_foreign_host_header_is_refused_against_dns_rebinding(client: TestClient) -> None:
    response = client.get("/api/model", headers={"Host": "attacker.example"})
    assert response.status_code == 400
    assert client.get("/api/model", headers={"Host": "localhost:8000"}).status_code == 200
