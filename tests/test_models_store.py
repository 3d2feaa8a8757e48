"""The models folder: every run kept under a fresh name, and the rule for the default."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from digitnet.errors import DigitnetError, ModelFileError
from digitnet.history import History, RunEnd
from digitnet.modelfile import load, save
from digitnet.models_store import ModelStore, models_home
from digitnet.network import Network
from digitnet.settings import TrainingSettings

NOW = datetime(2025, 3, 14, 10, 15, 2)


def run(correct: list[int], end: RunEnd = RunEnd.COMPLETED) -> History:
    """A history whose validation accuracy per epoch is ``correct`` / 100."""
    history = History(TrainingSettings(epochs=len(correct), seed=1), end=end)
    history.seconds = [0.1] * len(correct)
    history.correct, history.total = {"validation": correct}, {"validation": 100}
    history.cost = {"validation": [0.1] * len(correct)}
    return history


@pytest.fixture
def store(tmp_path: Path) -> ModelStore:
    return ModelStore(tmp_path / "home")


def net() -> Network:
    return Network([784, 5, 10], seed=0)


def test_a_first_healthy_run_becomes_the_default(store: ModelStore) -> None:
    saved = store.add(net(), run([80, 95]), now=NOW)
    assert saved.is_default and saved.reason is None
    assert saved.model.name == "20250314-101502-784-5-10-95.00"
    assert store.default() == saved.model
    assert store.pointer.read_text() == saved.model.name + "\n"
    assert load(saved.model.path).history == run([80, 95])


def test_a_less_accurate_run_is_kept_beside_the_default(store: ModelStore) -> None:
    """The issue's case: a 53.72% quick run replaced a 95.49% default."""
    best = store.add(net(), run([95]), now=NOW).model
    quick = store.add(net(), run([54]), now=NOW.replace(minute=16))
    assert not quick.is_default and quick.default == best
    assert "more accurate (95.00% against 54.00%)" in (quick.reason or "")
    assert store.default_name() == best.name
    assert [m.name for m in store.models()] == [best.name, quick.model.name]
    assert quick.model.name == "20250314-101602-784-5-10-54.00"


def test_two_runs_saved_in_the_same_second_get_two_names(store: ModelStore) -> None:
    first = store.add(net(), run([90]), now=NOW).model
    second = store.add(net(), run([90]), now=NOW).model
    assert second.name == first.name + "-2"
    assert first.path.is_file() and second.path.is_file()


@pytest.mark.parametrize(
    ("history", "reason"),
    [
        (run([90, 95], RunEnd.INTERRUPTED), "interrupted"),
        (run([90, 95], RunEnd.DIVERGED), "diverged"),
        (run([10, 11]), "stalled near chance (best validation 11.00%)"),
    ],
)
def test_an_unhealthy_run_is_not_made_the_default_unless_asked(
    store: ModelStore, history: History, reason: str
) -> None:
    saved = store.add(net(), history, now=NOW)  # no default yet, and still not this one
    assert not saved.is_default and reason in (saved.reason or "")
    assert store.default() is None
    forced = store.add(net(), history, now=NOW, make_default=True)
    assert forced.is_default and store.default_name() == forced.model.name


def test_keep_default_keeps_even_a_better_run_aside(store: ModelStore) -> None:
    old = store.add(net(), run([50]), now=NOW).model
    better = store.add(net(), run([99]), now=NOW, make_default=False)
    assert not better.is_default and store.default_name() == old.name


def test_the_earlier_single_model_is_the_default_until_another_is(store: ModelStore) -> None:
    store.home.mkdir()
    save(store.legacy, net(), history=run([90]))
    assert store.default_name() == "model" and store.default().path == store.legacy  # type: ignore[union-attr]
    assert store.add(net(), run([80]), now=NOW).reason is not None  # 90% stays
    newer = store.add(net(), run([97]), now=NOW)
    assert newer.is_default and store.legacy.is_file()  # kept, listed, usable again
    assert store.models()[0].name == "model"
    assert store.use("model").path == store.legacy


def test_use_and_remove_refuse_unknown_names_and_paths(store: ModelStore) -> None:
    default = store.add(net(), run([90]), now=NOW).model
    other = store.add(net(), run([50]), now=NOW).model
    for name in ("nope", "../home/default-model", "", ".npz", "/etc/passwd"):
        with pytest.raises(ModelFileError, match="digitnet models"):
            store.use(name)
    with pytest.raises(DigitnetError, match="is the default model"):
        store.remove(default.name)
    assert store.remove(other.name + ".npz") == other and not other.path.exists()
    assert store.use(default.name + ".npz") == default


def test_a_default_that_was_deleted_is_a_one_line_error(store: ModelStore) -> None:
    default = store.add(net(), run([90]), now=NOW).model
    default.path.unlink()
    with pytest.raises(ModelFileError, match="missing") as info:
        store.default()
    assert "\n" not in str(info.value)
    assert store.add(net(), run([60]), now=NOW).is_default  # nothing left to compare with


def test_a_damaged_file_is_listed_not_fatal(store: ModelStore) -> None:
    good = store.add(net(), run([90]), now=NOW).model
    (store.folder / "broken.npz").write_bytes(b"not a zip")
    models = {m.name: m for m in store.models()}
    assert models["broken"].metadata is None and "not a digitnet model" in models["broken"].problem  # type: ignore[operator]
    assert models[good.name].accuracy() == 0.9
    with pytest.raises(ModelFileError, match="cannot be the default"):
        store.use("broken")


def test_the_home_is_read_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIGITNET_HOME", str(tmp_path / "elsewhere"))
    assert models_home() == tmp_path / "elsewhere"
    monkeypatch.delenv("DIGITNET_HOME")
    assert models_home().name == "digitnet"
