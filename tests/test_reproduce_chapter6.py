"""Chapter 6's table: the book's rows as data, the ensemble row, a tiny run end to end."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet.errors import ConfigError
from digitnet.reproduce import (
    ENSEMBLE,
    RunResult,
    caption,
    chapter_experiments,
    ensemble_result,
    jobs,
    markdown,
    select_rows,
    summarise_all,
    title,
)
from digitnet.reproduce.chapter6 import NETWORK3_L2_SCALE, chapter6_experiments

BOOK = {"a": 0.9780, "b": 0.9878, "c": 0.9906, "d": 0.9923, "e": 0.9937, "f": 0.9943,
        "g": 0.9960, "h": 0.9967}  # fmt: skip


def test_full_mode_is_the_books_rows_with_its_settings() -> None:
    rows = {e.key: e for e in chapter_experiments(6)}
    assert {k: e.book_accuracy for k, e in rows.items()} == BOOK
    assert rows["a"].layers == "fc:100,softmax:10" and rows["a"].activation == "sigmoid"
    assert rows["c"].layers == "conv:20x5x5,pool:2,conv:40x5x5,pool:2,fc:100,softmax:10"
    assert all(rows[k].learning_rate == 0.1 and rows[k].epochs == 60 for k in "abc")
    for k in "def":
        assert rows[k].activation == "relu" and rows[k].learning_rate == 0.03
        assert rows[k].l2 == pytest.approx(0.1 * NETWORK3_L2_SCALE) and rows[k].epochs == 60
    assert [rows[k].expand for k in "defg"] == [False, True, True, True]
    assert rows["f"].layers.endswith("fc:100,fc:100,softmax:10")
    g = rows["g"]
    assert (g.dropout, g.l2, g.epochs, g.keep_outputs) == (0.5, 0.0, 40, True)
    assert g.layers.endswith("fc:1000,fc:1000,softmax:10") and g.seeds == (1, 2, 3, 4, 5)
    h = rows["h"]
    assert (h.method, h.ensemble_of, h.seeds) == (ENSEMBLE, "g", ())
    assert all(rows[k].seeds == (1, 2, 3) for k in "abcdef")
    assert len(jobs(list(rows.values()))) == 6 * 3 + 5  # the ensemble trains nothing itself
    assert all(e.chapter == 6 and e.cost == "log-likelihood" for k, e in rows.items() if k < "h")


def test_quick_mode_is_one_seed_one_epoch_on_a_slice_and_says_so() -> None:
    rows = chapter6_experiments("quick")
    networks = [e for e in rows if e.method != ENSEMBLE]
    assert all(e.epochs == 1 and e.training_size == 2_000 for e in networks)
    assert [len(e.seeds) for e in networks] == [1, 1, 1, 1, 1, 1, 3]
    assert "ensemble of 3" in rows[-1].label
    assert "short run, not a reproduction" in caption(rows)
    assert "short run" not in caption(chapter6_experiments())
    assert title(rows) == "Chapter 6's results, reproduced"


def test_other_chapters_and_bad_overrides_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="chapter must be one of 1, 6"):
        chapter_experiments(2)
    with pytest.raises(ConfigError, match="epochs"):
        chapter_experiments(6, epochs=0)
    with pytest.raises(ConfigError, match="mode"):
        chapter_experiments(6, "slow")


def _run(key: str, seed: int, outputs: list[list[float]] | None) -> RunResult:
    array = None if outputs is None else np.array(outputs, dtype=np.float32)
    return RunResult(key, seed, 0.5, 1, 2, test_outputs=array)


def test_the_ensemble_row_averages_the_probabilities_of_its_rows_networks() -> None:
    h = chapter6_experiments("quick")[-1]
    labels = np.array([0, 2])
    results = [
        _run("g", 1, [[0.9, 0.1, 0.0], [0.0, 0.45, 0.55]]),  # right, right
        _run("g", 2, [[0.4, 0.6, 0.0], [0.0, 0.6, 0.4]]),  # wrong, wrong
        _run("g", 3, [[0.4, 0.6, 0.0], [0.0, 0.3, 0.7]]),  # wrong, right
        _run("f", 1, [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]),  # another row's: not counted
    ]
    result = ensemble_result(h, results, labels)
    # means: [0.567, 0.433, 0] -> 0 right; [0, 0.45, 0.55] -> 2 right (votes would say 1, 1)
    assert (result.key, result.correct, result.total, result.accuracy) == ("h", 2, 2, 1.0)
    missing = ensemble_result(h, [_run("g", 1, None)], labels)
    assert missing.accuracy is None and missing.missing == "no network of row g to combine"


def test_the_report_names_the_chapter_and_the_ensemble_row() -> None:
    rows = chapter6_experiments("quick")
    results = [RunResult(k, 1, 0.98, 9800, 10_000, best_epoch=1, validation=(0.97,),
                         test=(0.98,)) for k in "abcdefg"]  # fmt: skip
    results.append(RunResult("h", 1, 0.99, 9900, 10_000))
    report = markdown(rows, summarise_all(rows, results))
    assert report.startswith("# Chapter 6's results, reproduced")
    assert "| h. ensemble of 3 of g | 99.67% | 99.00% |" in report
    assert "| a. fc 100, sigmoid | 97.80% | 98.00% |" in report
    assert "Why the book's" not in report  # chapter 1's paragraph


def test_select_rows_keeps_the_tables_order_and_brings_an_ensembles_members() -> None:
    rows = chapter_experiments(6, "quick")
    assert [row.key for row in select_rows(rows, ["d", "a"])] == ["a", "d"]
    assert [row.key for row in select_rows(rows, ["h"])] == ["g", "h"]
    assert [row.key for row in select_rows(chapter_experiments(1, "quick"), ["b"])] == ["b"]


@pytest.mark.parametrize(("keys", "message"), [(["z"], "no row 'z'"), ([], "at least one row")])
def test_select_rows_refuses_a_key_that_is_no_rows(keys: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        select_rows(chapter_experiments(6, "quick"), keys)
    assert "a, b, c, d, e, f, g, h" in str(caught.value)


def test_a_full_run_of_some_rows_is_a_reproduction_and_fewer_epochs_are_not() -> None:
    full = chapter6_experiments()
    assert "short run" not in caption(select_rows(full, ["a"]))  # 60 epochs: the book's
    assert "short run" not in caption(select_rows(full, ["g"]))  # 40 with dropout
    assert "short run" in caption(select_rows(chapter6_experiments(epochs=40), ["a"]))
