"""The web app serving a convolutional network: the page's predictions and uploads work,
the views that only a fully-connected network has are one-line 409s, never a 500."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from answers import assert_error
from conftest import CONV_LAYERS
from test_server import LOCAL, canvas_png, decode_data_url

from digitnet.conv.feature_maps import feature_maps
from digitnet.explain.hidden_map import MAP_DIGITS
from digitnet.imaging import preprocess_drawing
from digitnet.modelfile import load
from digitnet.models_store import ModelStore

pytest.importorskip("fastapi", reason="the web extra is not installed")

#: The views of a fully-connected network, and a request to each.
DENSE_ONLY = [
    ("get", "/api/weights", None, "the weights picture"),
    ("post", "/api/step", {"index": 0}, "a step of learning"),
    ("post", "/api/explain/saliency", {"index": 0}, "saliency"),
    ("post", "/api/explain/flip", {"index": 0}, "the flip"),
    ("get", "/api/explain/robustness", None, "the robustness curve"),
]


def app_client(model_file: Path, store: ModelStore, mnist_dir: Path) -> Any:
    """A TestClient of the app serving ``model_file`` (enter it with ``with``)."""
    from starlette.exceptions import StarletteDeprecationWarning

    from digitnet.web.server import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StarletteDeprecationWarning)
        from fastapi.testclient import TestClient

    app = create_app(model_file, store=store, data_dir=mnist_dir)
    return TestClient(app, base_url=LOCAL, raise_server_exceptions=False)


@pytest.fixture(scope="module")
def client(
    conv_model_file: Path, mnist_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    store = ModelStore(tmp_path_factory.mktemp("conv-home"))
    with app_client(conv_model_file, store, mnist_dir) as conv_client:
        yield conv_client


@pytest.fixture(scope="module")
def network(conv_model_file: Path) -> Any:
    return load(conv_model_file).network


def test_the_model_is_described_as_convolutional(client: Any, network: Any) -> None:
    model = client.get("/api/model").json()
    assert model["loaded"] and model["kind"] == "conv" and model["layers"] == CONV_LAYERS
    assert model["sizes"] == list(network.sizes) and model["output"] == "softmax"
    assert model["history"]["epochs"] == 2


def test_the_lean_and_the_full_prediction_hold_the_networks_outputs(
    client: Any, network: Any, mnist: Any
) -> None:
    for index in range(5):
        png = canvas_png(mnist.test.images[index])
        expected = network.feedforward(preprocess_drawing(png).vector).astype(np.float64)
        lean = client.post("/api/predict?input=canvas&view=lean", content=png).json()
        full = client.post("/api/predict?input=canvas", content=png).json()
        for answer in (lean, full):
            assert answer["digit"] == int(np.argmax(expected))
            np.testing.assert_allclose(answer["outputs"], expected, rtol=1e-6, atol=1e-7)
        assert "hidden" not in lean and set(full["steps"]) >= {"centred", "scaled"}
        assert [len(h) for h in full["hidden"]] == list(network.sizes[1:-1])
        assert len(full["centred_pixels"]) == 784


def test_an_uploaded_file_is_read(client: Any, mnist: Any, network: Any) -> None:
    digits = []
    for index in range(10):
        answer = client.post("/api/predict", content=canvas_png(mnist.test.images[index]))
        assert answer.status_code == 200, answer.text
        digits.append(answer.json()["digit"])
    assert sum(d == label for d, label in zip(digits, mnist.test.labels[:10])) >= 7


@pytest.mark.parametrize(("method", "url", "body", "what"), DENSE_ONLY)
def test_a_view_of_fully_connected_networks_is_a_one_line_409(
    client: Any, method: str, url: str, body: Any, what: str
) -> None:
    response = client.get(url) if method == "get" else client.post(url, json=body)
    detail = assert_error(response, 409, what, "fully-connected", CONV_LAYERS)
    assert "convolutional" in detail


def test_the_feature_maps_are_each_layers_as_grey_pictures(
    client: Any, network: Any, mnist: Any
) -> None:
    pixels = np.round(mnist.test.images[0] / 255.0, 4)
    answer = client.post("/api/conv/maps", json={"pixels": pixels.tolist()}).json()
    expected = feature_maps(network, pixels)
    specs = [layer["spec"] for layer in answer["layers"]]
    assert specs == ["conv:6x5x5,pool:2", "conv:8x3x3,pool:2"]
    for layer, maps in zip(answer["layers"], expected, strict=True):
        rows, columns, n_maps = maps.shape
        assert layer["shape"] == [rows, columns] and len(layer["maps"]) == n_maps
        assert layer["max"] == pytest.approx(float(maps.max())) and layer["min"] == 0.0  # relu
        for f, url in enumerate(layer["maps"]):
            picture = decode_data_url(url)
            assert picture.mode == "L" and picture.size == (columns, rows)
            grey = np.asarray(picture, dtype=np.float64) / 255
            # 8-bit levels of the map divided by the layer's largest value
            np.testing.assert_allclose(grey, maps[:, :, f] / layer["max"], atol=0.5 / 255 + 1e-6)


def test_the_feature_maps_of_a_test_digit_by_index(client: Any, network: Any, mnist: Any) -> None:
    by_index = client.post("/api/conv/maps", json={"index": 3}).json()
    by_pixels = client.post(
        "/api/conv/maps", json={"pixels": (mnist.test.images[3] / 255.0).tolist()}
    ).json()
    assert by_index == by_pixels


@pytest.mark.parametrize(
    ("body", "needles"),
    [
        ({}, ("feature maps", "either 'pixels' or 'index'")),
        ({"pixels": [0.5] * 783}, ("'pixels' must be a list of 784 numbers", "783")),
        ({"pixels": [2.0] * 784}, ("[0, 1]",)),
        ({"index": 10_000}, ("'index'", "9999")),
        ({"pixels": [0.0] * 784, "layer": 1}, ("layer",)),
    ],
)
def test_a_bad_digit_is_a_one_line_422(client: Any, body: Any, needles: tuple[str, ...]) -> None:
    assert_error(client.post("/api/conv/maps", json=body), 422, *needles)


def test_the_filters_are_the_kernels_and_deeper_the_mean_over_input_maps(
    client: Any, network: Any
) -> None:
    first, second = client.get("/api/conv/filters").json()["layers"]
    assert (first["size"], first["inputs"], second["size"], second["inputs"]) == (5, 1, 3, 6)
    for layer, w in ((first, network.weights[0]), (second, network.weights[1])):
        mean = w.astype(np.float64).mean(axis=3).reshape(len(w), -1)
        assert layer["max_abs"] == pytest.approx(np.abs(mean).max(), rel=1e-6)
        np.testing.assert_allclose(layer["filters"], mean / layer["max_abs"], atol=5e-5 + 1e-6)


def test_a_fully_connected_model_has_no_maps_nor_filters(
    model_file: Path, mnist_dir: Path, tmp_path: Path
) -> None:
    with app_client(model_file, ModelStore(tmp_path), mnist_dir) as dense:
        for response in (
            dense.post("/api/conv/maps", json={"pixels": [0.0] * 784}),
            dense.get("/api/conv/filters"),
        ):
            assert_error(response, 409, "for convolutional networks", "fully-connected")
        assert dense.get("/api/model").json()["kind"] == "dense"


def test_the_map_places_test_digits_by_the_last_hidden_layer(client: Any, mnist: Any) -> None:
    found = client.get("/api/explain/map").json()
    assert len(found["points"]) == len(found["labels"]) == MAP_DIGITS
    pixels = np.round(mnist.test.images[0] / 255.0, 4).tolist()
    placed = client.post("/api/explain/map/place", json={"pixels": pixels}).json()
    assert len(placed["point"]) == 2 and all(np.isfinite(placed["point"]))


def test_a_lesson_is_taught_kept_and_served_as_a_convolutional_model(
    client: Any, mnist: Any
) -> None:
    examples = [
        {"pixels": np.round(mnist.test.images[i] / 255.0, 4).tolist(), "label": 3} for i in range(2)
    ]
    lesson = client.post("/api/explain/teach", json={"examples": examples}).json()
    assert all(e["right_after"] > e["right_before"] for e in lesson["examples"])
    saved = client.post("/api/explain/teach/keep", json={"lesson": lesson["lesson"]}).json()
    served = client.post("/api/models/use", json={"name": saved["saved"]}).json()
    assert served["kind"] == "conv" and served["layers"] == CONV_LAYERS
