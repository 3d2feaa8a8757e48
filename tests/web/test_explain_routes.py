"""The explain endpoints: saliency, flip, robustness, the map, teach and keep; their
answers hold the core's numbers, their mistakes are one-line 4xx errors."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from answers import assert_error

from digitnet.explain.flip import flip
from digitnet.explain.saliency import saliency
from digitnet.modelfile import load
from digitnet.models_store import ModelStore
from digitnet.web.errors import NotFound


@pytest.fixture(scope="module")
def client(model_file: Path, mnist_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    pytest.importorskip("fastapi", reason="the web extra is not installed")
    from starlette.exceptions import StarletteDeprecationWarning

    from digitnet.web.server import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StarletteDeprecationWarning)
        from fastapi.testclient import TestClient

    store = ModelStore(tmp_path_factory.mktemp("explain-home"))
    app = create_app(model_file, store=store, data_dir=mnist_dir)
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


@pytest.fixture(scope="module")
def network(model_file: Path) -> Any:
    return load(model_file).network


def digit_pixels(mnist: Any, index: int) -> list[float]:
    return np.round(mnist.test.images[index] / 255.0, 4).tolist()


def test_a_test_digit_by_index(client: Any, mnist: Any) -> None:
    answer = client.get("/api/explain/digit/7").json()
    assert answer["index"] == 7 and answer["label"] == int(mnist.test.labels[7])
    np.testing.assert_allclose(answer["pixels"], mnist.test.images[7] / 255, atol=5e-5)
    assert_error(client.get("/api/explain/digit/10000"), 422, "index", "9999")
    assert_error(client.get("/api/explain/digit/-1"), 422, "index")


def test_saliency_holds_the_cores_numbers(client: Any, network: Any, mnist: Any) -> None:
    pixels = digit_pixels(mnist, 0)
    answer = client.post("/api/explain/saliency", json={"pixels": pixels}).json()
    expected = saliency(network, np.array(pixels))
    assert (answer["digit"], answer["runner_up"]) == expected.digits
    for row, view in enumerate((answer["answer"], answer["runner_up_view"])):
        assert view["digit"] == expected.digits[row]
        largest = np.abs(expected.gradient[row]).max()
        np.testing.assert_allclose(view["gradient_max_abs"], largest, rtol=1e-6)
        np.testing.assert_allclose(view["gradient"], expected.gradient[row] / largest, atol=5e-5)
        assert max(abs(v) for v in view["gradient"]) == 1
    by_index = client.post("/api/explain/saliency", json={"index": 0}).json()
    assert by_index["digit"] == answer["digit"]


def test_flip_changes_the_answer_within_the_unit_interval(
    client: Any, network: Any, mnist: Any
) -> None:
    pixels = digit_pixels(mnist, 1)
    answer = client.post("/api/explain/flip", json={"pixels": pixels}).json()
    expected = flip(network, np.array(pixels))
    assert answer["flipped"] and answer["new_digit"] != answer["digit"]
    assert (answer["digit"], answer["new_digit"]) == (expected.digit, expected.new_digit)
    changed = np.array(answer["changed"])
    assert changed.min() >= 0 and changed.max() <= 1
    assert network.predict(np.array(expected.changed)) == answer["new_digit"]
    assert answer["l2"] == pytest.approx(expected.l2, rel=1e-6)
    assert int(np.argmax(answer["outputs_after"])) == answer["new_digit"]


def test_robustness_curve_starts_at_the_test_accuracy(
    client: Any, network: Any, mnist: Any
) -> None:
    curve = client.get("/api/explain/robustness").json()
    assert curve["digits"] == 1000 and curve["sizes"][0] == 0
    test = mnist.test.first(1000)
    accuracy = 100 * network.evaluate(test.images / 255, test.labels) / 1000
    assert curve["accuracy"][0] == pytest.approx(accuracy)
    assert all(b <= a for a, b in zip(curve["accuracy"], curve["accuracy"][1:]))
    assert client.get("/api/explain/robustness").json() == curve  # computed once


def test_map_places_2000_digits_and_a_drawn_one(client: Any, mnist: Any) -> None:
    found = client.get("/api/explain/map").json()
    assert found["method"] == "pca" and len(found["points"]) == 2000
    assert found["labels"] == mnist.test.labels[:2000].astype(int).tolist()
    placed = client.post("/api/explain/map/place", json={"pixels": digit_pixels(mnist, 5)})
    np.testing.assert_allclose(placed.json()["point"], found["points"][5], atol=2e-3)
    assert_error(client.get("/api/explain/map?method=umap"), 422, "method", "pca")


def test_teach_then_keep_saves_a_new_model_the_page_can_use(client: Any, mnist: Any) -> None:
    examples = [
        {"pixels": digit_pixels(mnist, i), "label": int(mnist.test.labels[i])} for i in (8, 9)
    ]
    lesson = client.post("/api/explain/teach", json={"examples": examples}).json()
    assert lesson["lesson"].startswith("lesson-") and len(lesson["examples"]) == 2
    assert 0 < lesson["validation_before"] <= 100 and 0 < lesson["validation_after"] <= 100
    assert lesson["steps"] == -(-(2 * 10 + 200) // 10)
    before = client.get("/api/model").json()
    kept = client.post("/api/explain/teach/keep", json={"lesson": lesson["lesson"]}).json()
    assert client.get("/api/model").json()["source"] == before["source"]  # not served yet
    used = client.post("/api/models/use", json={"name": kept["saved"]}).json()
    assert kept["saved"] in used["source"]
    assert_error(
        client.post("/api/explain/teach/keep", json={"lesson": lesson["lesson"]}), 404, "lesson"
    )


@pytest.mark.parametrize(
    ("url", "body", "needles"),
    [
        ("/api/explain/saliency", {}, ("either 'pixels' or 'index'",)),
        ("/api/explain/saliency", {"pixels": [0.5] * 10}, ("784",)),
        ("/api/explain/flip", {"pixels": [2.0] * 784}, ("[0, 1]",)),
        ("/api/explain/flip", {"index": 10_000}, ("index",)),
        ("/api/explain/flip", {"pixels": [0] * 784, "steps": 3}, ("unknown field 'steps'",)),
        ("/api/explain/teach", {"examples": []}, ("1 to 8",)),
        ("/api/explain/teach", {"examples": [{"pixels": [0] * 784, "label": 12}]}, ("label",)),
        ("/api/explain/teach/keep", {"lesson": 3}, ("lesson",)),
    ],
)
def test_mistakes_are_one_line_422s(client: Any, url: str, body: Any, needles: Any) -> None:
    assert_error(client.post(url, json=body), 422, *needles)


def test_the_limits_state_the_explain_bounds(client: Any) -> None:
    stated = client.get("/api/limits").json()["explain"]
    assert stated == {
        "flip_steps": 200,
        "map_digits": 2000,
        "robustness_digits": 1000,
        "taught_drawings": 8,
    }
    nine = [{"pixels": [0] * 784, "label": 1}] * 9
    assert_error(client.post("/api/explain/teach", json={"examples": nine}), 422, "1 to 8")


def test_without_a_model_every_view_is_a_409(fresh_client: Any) -> None:
    assert_error(fresh_client.post("/api/explain/saliency", json={"index": 0}), 409, "no model")
    assert_error(fresh_client.get("/api/explain/robustness"), 409, "no model")


def test_results_are_kept_per_model_and_lessons_are_few(network: Any) -> None:
    from digitnet.web.explain_state import MAX_LESSONS, ExplainState
    from digitnet.web.session import CurrentModel

    state = ExplainState()
    first, second = (CurrentModel(network, name, None) for name in ("a.npz", "b.npz"))
    computed: list[str] = []

    def compute(name: str) -> Any:
        return lambda: computed.append(name) or name

    assert state.result(first, "curve", compute("a")) == "a"
    assert state.result(first, "curve", compute("again")) == "a"  # kept
    assert state.result(second, "curve", compute("b")) == "b"  # another model: computed
    assert state.result(first, "curve", compute("a2")) == "a2"  # the old results were dropped
    assert computed == ["a", "b", "a2"]
    lesson: Any = object()
    names = [state.add_lesson(first, lesson, 1) for _ in range(MAX_LESSONS + 1)]
    assert state.take_lesson(names[-1]).lesson is lesson
    with pytest.raises(NotFound, match="no lesson"):
        state.take_lesson(names[0])  # the oldest was forgotten
