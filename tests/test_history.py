import json

import pytest

from digitnet.errors import ModelFileError
from digitnet.history import History, RunEnd
from digitnet.modelfile import load, save
from digitnet.network import Network
from digitnet.settings import TrainingSettings


def _history(end: RunEnd | None) -> History:
    history = History(TrainingSettings(epochs=3, seed=1), engine="numpy", end=end)
    history.seconds = [0.1, 0.1]
    history.correct, history.total, history.cost = {"validation": [5, 7]}, {"validation": 10}, {}
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
