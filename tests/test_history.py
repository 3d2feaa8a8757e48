import json

import numpy as np
import pytest

from digitnet.errors import ModelFileError
from digitnet.history import STALLED_ACCURACY, History, RunEnd, is_stalled
from digitnet.modelfile import load, save
from digitnet.network import Network
from digitnet.settings import TrainingSettings


def _history(end: RunEnd | None) -> History:
    history = History(TrainingSettings(epochs=3, seed=1), engine="numpy", end=end)
    history.seconds = [0.1, 0.1]
    history.correct, history.total = {"validation": [5, 7]}, {"validation": 10}
    history.cost = {"validation": [0.5, 0.4]}
    return history


@pytest.mark.parametrize("end", [*RunEnd, None])
def test_the_end_of_a_run_survives_json(end):
    history = _history(end)
    assert History.from_dict(json.loads(json.dumps(history.to_dict()))) == history


def test_interrupted_and_diverged_epoch_are_read_from_the_end():
    assert _history(RunEnd.INTERRUPTED).interrupted
    assert not _history(RunEnd.COMPLETED).interrupted
    assert _history(RunEnd.DIVERGED).diverged_epoch == 2
    assert _history(RunEnd.TIME_BUDGET).diverged_epoch is None


@pytest.mark.parametrize(
    ("interrupted", "stopped", "diverged_epoch", "end"),
    [
        (True, None, None, RunEnd.INTERRUPTED),
        (False, None, 2, RunEnd.DIVERGED),
        (False, "time budget", None, RunEnd.TIME_BUDGET),
        (False, "early stopping", None, RunEnd.EARLY_STOPPING),
        (False, "learning rate down to 1/128", None, RunEnd.RATE_EXHAUSTED),
        (False, None, None, None),
    ],
)
def test_histories_of_older_files_read_their_three_fields_as_one_end(
    interrupted, stopped, diverged_epoch, end
):
    record = _history(None).to_dict()
    del record["end"]
    record.update(interrupted=interrupted, stopped=stopped, diverged_epoch=diverged_epoch)
    assert History.from_dict(record).end is end


def test_a_model_file_with_an_unknown_end_is_damaged(tmp_path):
    path = save(tmp_path / "m.npz", Network([4, 3], seed=0), history=_history(RunEnd.COMPLETED))
    assert load(path).history.end is RunEnd.COMPLETED
    record = _history(None).to_dict()
    record["end"] = "exploded"
    with pytest.raises(ValueError):
        History.from_dict(record)
    with pytest.raises(ModelFileError):
        _save_with_history(tmp_path / "bad.npz", record)
        load(tmp_path / "bad.npz")


def _save_with_history(path, record):
    """A model file whose metadata holds ``record`` as its history."""
    import numpy as np

    from digitnet import modelfile

    net = Network([4, 3], seed=0)
    metadata = {
        "format": modelfile.FORMAT_NAME, "format_version": 1, "sizes": [4, 3],
        "dtype": "float64", "activation": "sigmoid", "output": "sigmoid",
        "training": None, "history": record,
    }  # fmt: skip
    np.savez(
        path,
        metadata=np.frombuffer(json.dumps(metadata).encode(), np.uint8),
        weights_0=net.weights[0],
        biases_0=net.biases[0],
    )


def _record(**changes):
    record = json.loads(json.dumps(_history(RunEnd.COMPLETED).to_dict()))
    record.update(changes)
    return record


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"seconds": "fast"}, "seconds"),
        ({"seconds": [0.1, None]}, "seconds"),
        ({"correct": {"validation": ["5", 7]}}, "correct"),
        ({"correct": {"validation": [5, 11]}}, "correct"),
        ({"correct": {"validation": [5]}}, "correct"),
        ({"correct": {"test": [5, 7]}}, "correct"),
        ({"total": {"validation": 0}}, "total"),
        ({"cost": {"validation": [0.5, "high"]}}, "cost"),
        ({"learning_rates": [3.0]}, "learning_rates"),
        ({"saturation": [0.5, 2.0]}, "saturation"),
        ({"engine": 7}, "engine"),
        ({"kept_epoch": 3}, "kept_epoch"),
        ({"elapsed": None}, "elapsed"),
        ({"settings": "fast"}, "settings"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_malformed_history_is_refused_naming_its_field(changes, field):
    with pytest.raises(ModelFileError, match=repr(field)):
        History.from_dict(_record(**changes))


def test_a_model_file_with_a_malformed_history_does_not_load(tmp_path):
    _save_with_history(tmp_path / "bad.npz", _record(seconds=[0.1, None]))
    with pytest.raises(ModelFileError, match=r"bad\.npz: damaged metadata .*'seconds'"):
        load(tmp_path / "bad.npz")


def test_a_diverged_cost_of_nan_is_a_number_the_history_keeps():
    record = _record(cost={"validation": [0.5, float("nan")]})
    assert np.isnan(History.from_dict(json.loads(json.dumps(record))).cost["validation"][1])


def _validation(correct: list[int]) -> History:
    history = _history(RunEnd.COMPLETED)
    history.seconds = [0.1] * len(correct)
    history.correct, history.total = {"validation": correct}, {"validation": 100}
    history.cost = {"validation": [0.5] * len(correct)}
    return history


def test_a_run_stalled_when_its_best_validation_accuracy_stays_near_chance():
    assert STALLED_ACCURACY == 0.2
    assert _validation([10, 19, 11]).stalled
    assert not _validation([10, 20, 11]).stalled  # it learned once: the weights fell back
    assert not _validation([80, 84]).stalled  # a small network's capacity, not a stall
    assert not _validation([]).stalled and not is_stalled([])


def test_a_stalled_run_is_unhealthy_and_says_its_best_validation_accuracy():
    assert _validation([10, 19, 11]).unhealthy() == (
        "the run stalled near chance (best validation 19.00%)"
    )
    assert _validation([80, 84]).unhealthy() is None
