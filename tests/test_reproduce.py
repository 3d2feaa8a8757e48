"""digitnet.reproduce: the experiment lists, the statistics, the report, and a tiny real run."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from digitnet import reproduce
from digitnet.errors import ConfigError
from digitnet.history import STALLED_ACCURACY
from digitnet.reproduce import (
    Experiment,
    Job,
    RunResult,
    experiments,
)
from digitnet.sweep import Local

NETWORK_KEYS = ("a", "b", "c", "d", "e", "f", "g")


def rows_by_key(mode: str = "full", **options: object) -> dict[str, Experiment]:
    return {e.key: e for e in experiments(mode, **options)}  # type: ignore[arg-type]


def network_run(key: str, seed: int, accuracy: float, **fields: object) -> RunResult:
    defaults: dict[str, object] = {
        "correct": round(accuracy * 10_000),
        "total": 10_000,
        "seconds": 1.0,
        "best_epoch": 3,
        "test_at_best_validation": accuracy - 0.001,
        "validation": (accuracy - 0.02, accuracy - 0.01, accuracy),
        "test": (accuracy - 0.03, accuracy - 0.01, accuracy),
        "saturation_start": 0.6,
        "saturation_end": 0.8,
        "z_spread_start": 9.5,
        "engine": "compiled",
    }
    return RunResult(key, seed, accuracy, **(defaults | fields))  # type: ignore[arg-type]


def fake_results() -> list[RunResult]:
    """Runs of rows b and c as a full run might give them, and one baseline."""
    return [
        network_run("b", 1, 0.9651, saturation_start=0.62, saturation_end=0.79),
        network_run("b", 2, 0.8123, saturation_start=0.61, saturation_end=0.81),
        network_run("b", 3, 0.9640, saturation_start=0.63, saturation_end=0.78),
        network_run("c", 1, 0.9771, saturation_start=0.0, saturation_end=0.55, z_spread_start=1.0),
        network_run("c", 2, 0.9765, saturation_start=0.0, saturation_end=0.57, z_spread_start=1.0),
        network_run("c", 3, 0.9780, saturation_start=0.0, saturation_end=0.56, z_spread_start=1.0),
        RunResult("darkness", 1, 0.2225, 2225, 10_000, 0.03),
    ]


# ---- The experiments of each mode ---------------------------------------------------------


def test_full_mode_is_the_chapters_experiments_with_3_seeds_and_5_for_b_and_c() -> None:
    rows = rows_by_key("full")
    assert tuple(rows) == (*NETWORK_KEYS, "random", "darkness", "svm-auto", "svm-scale")
    assert rows["a"].sizes == (784, 30, 10) and rows["a"].book == "95.42%"
    assert rows["b"].sizes == (784, 100, 10) and rows["b"].book == "96.59%"
    assert rows["c"].init == "scaled" and rows["c"].book == ""
    assert rows["d"].learning_rate == 0.001 and rows["d"].book == "far worse"
    assert rows["e"].learning_rate == 100.0 and rows["e"].book == "far worse"
    assert rows["f"].sizes == (784, 10)
    assert rows["darkness"].book == "22.25%" and rows["svm-auto"].book == "94.35%"
    assert rows["svm-scale"].book == "" and "today's default" in rows["svm-scale"].title
    for key in NETWORK_KEYS:
        assert rows[key].epochs == 30 and rows[key].training_size is None
        assert len(rows[key].seeds) == (5 if key in "bc" else 3)
    assert rows["b"].seeds == rows["c"].seeds  # paired: only the initial scale differs
    assert rows["svm-auto"].training_size is None and rows["svm-auto"].gamma == "auto"


def test_quick_mode_is_2_seeds_4_epochs_and_svms_on_3000_images_said_in_the_label() -> None:
    rows = rows_by_key("quick")
    for key in NETWORK_KEYS:
        assert rows[key].epochs == 4 and len(rows[key].seeds) == 2
    for key in ("svm-auto", "svm-scale"):
        assert rows[key].training_size == 3_000
        assert "3,000" in rows[key].label and "3,000" in rows[key].title
    assert len(reproduce.jobs(list(rows.values()))) == 7 * 2 + 2 + 1 + 2


def test_no_svm_drops_the_svm_rows_and_test_options_shrink_every_row() -> None:
    assert not any(key.startswith("svm") for key in rows_by_key("quick", svm=False))
    rows = rows_by_key("quick", epochs=1, training_size=500)
    assert all(rows[key].epochs == 1 and rows[key].training_size == 500 for key in NETWORK_KEYS)
    assert rows["svm-auto"].training_size == 500 and rows["darkness"].training_size == 500


@pytest.mark.parametrize(
    "call",
    [
        lambda: experiments("slow"),
        lambda: experiments("quick", epochs=0),
        lambda: experiments("quick", training_size=-1),
        lambda: experiments("quick", epochs=True),
    ],
)
def test_bad_mode_or_sizes_are_config_errors(call) -> None:
    with pytest.raises(ConfigError):
        call()


# ---- Statistics -----------------------------------------------------------------------------


def test_a_run_stalls_when_no_epochs_validation_accuracy_leaves_chance() -> None:
    assert STALLED_ACCURACY == 0.2
    assert network_run("e", 1, 0.11, validation=(0.1, 0.1999, 0.11)).stalled
    assert not network_run("e", 1, 0.11, validation=(0.1, 0.2, 0.11)).stalled
    assert not RunResult("svm-auto", 1, None, missing="needs scikit-learn").stalled


def test_a_network_without_hidden_layer_that_learns_to_84_percent_has_not_stalled() -> None:
    assert not network_run("f", 1, 0.8395).stalled  # capacity, not a stall
    assert not network_run("b", 2, 0.6663).stalled


def test_summarise_gives_mean_sd_median_min_max_stalled_and_saturation() -> None:
    summary = reproduce.summarise(rows_by_key()["b"], fake_results())
    accuracies = [0.9651, 0.8123, 0.9640]
    assert summary.runs == 3
    assert summary.mean == pytest.approx(np.mean(accuracies))
    assert summary.std == pytest.approx(np.std(accuracies, ddof=1))  # the sample sd
    assert summary.median == pytest.approx(0.9640)
    assert (summary.low, summary.high) == (0.8123, 0.9651)
    assert summary.stalled == 0 and summary.diverged == 0
    assert summary.saturation_start == pytest.approx(0.62)
    assert summary.saturation_end == pytest.approx(0.79333, abs=1e-5)


def test_summarise_one_baseline_run_has_no_sd_and_no_stalled_count() -> None:
    summary = reproduce.summarise(rows_by_key()["darkness"], fake_results())
    assert summary.runs == 1 and summary.mean == 0.2225
    assert summary.std is None and summary.stalled is None


def test_summarise_a_row_that_could_not_run_says_why() -> None:
    missing = "needs scikit-learn: pip install 'digitnet[baselines]'"
    result = RunResult("svm-auto", 1, None, total=10_000, missing=missing)
    summary = reproduce.summarise(rows_by_key()["svm-auto"], [result])
    assert summary.runs == 0 and summary.mean is None and summary.missing == missing
    cells = reproduce.table_rows([summary])[0]
    assert missing in cells and "94.35%" in cells


def test_diverged_runs_are_counted_and_shown_beside_the_stalled() -> None:
    results = [network_run("e", 1, 0.1, diverged_epoch=2), network_run("e", 2, 0.1)]
    summary = reproduce.summarise(rows_by_key()["e"], results)
    assert summary.diverged == 1 and summary.stalled == 2
    assert (
        reproduce.table_rows([summary])[0][reproduce.TABLE_HEADER.index("stalled")]
        == "2 (1 diverged)"
    )


# ---- The report -----------------------------------------------------------------------------


def test_the_table_puts_the_books_figure_beside_ours() -> None:
    rows = experiments("full")
    summaries = reproduce.summarise_all(rows, fake_results())
    table = reproduce.markdown_table(summaries)
    lines = table.splitlines()
    assert len(lines) == 2 + len(rows)
    row_b = next(line for line in lines if line.startswith("| b. [784, 100, 10], rate 3 |"))
    assert "96.59%" in row_b and "91.38% ± 8.79" in row_b and "81.23-96.51" in row_b
    assert "62% → 79%" in row_b
    assert "| c. [784, 100, 10], rate 3, N(0, 1/n_in) | — | 97.72% ± 0.08 |" in table
    assert "| a. [784, 30, 10], rate 3 | 95.42% | not run |" in table


def test_the_caption_defines_best_epoch_stalled_and_saturation() -> None:
    text = reproduce.caption(experiments("full"))
    assert "highest test accuracy of any epoch" in text
    assert f"no epoch's validation accuracy reaches {STALLED_ACCURACY:.0%}" in text
    assert "sigma'(z) < 0.01" in text
    assert "short run" not in text
    assert "short run, not a reproduction" in reproduce.caption(experiments("quick"))


def test_the_explanation_quotes_the_measured_saturation_not_fixed_numbers() -> None:
    rows = experiments("full")
    paragraph = reproduce.explanation(reproduce.summarise_all(rows, fake_results()))
    assert paragraph is not None
    assert "62% of the hidden neuron-image pairs" in paragraph
    assert "0% of the pairs began saturated" in paragraph
    assert "lowest 81.23% over 3 runs" in paragraph and "97.72%" in paragraph
    assert "stalled" not in paragraph  # b's runs learned, if slowly: not a stall
    assert "standard deviation of 9.5" in paragraph and "standard deviation of 1.0" in paragraph
    assert "56% of its pairs were saturated (against 79% with N(0, 1))" in paragraph
    changed = [
        network_run(r.key, r.seed, r.accuracy or 0, saturation_start=0.44) if r.key == "b" else r
        for r in fake_results()
    ]
    other = reproduce.explanation(reproduce.summarise_all(rows, changed))
    assert other is not None and "44% of the hidden neuron-image pairs" in other


def test_no_explanation_without_both_hundred_neuron_rows() -> None:
    rows = experiments("full")
    only_b = [r for r in fake_results() if r.key != "c"]
    assert reproduce.explanation(reproduce.summarise_all(rows, only_b)) is None


def test_summary_csv_has_one_line_per_row_with_the_statistics() -> None:
    rows = experiments("full")
    text = reproduce.summary_csv(reproduce.summarise_all(rows, fake_results()))
    records = list(csv.DictReader(io.StringIO(text)))
    assert [r["key"] for r in records] == [e.key for e in rows]
    b = records[1]
    assert float(b["mean"]) == pytest.approx(0.913800, abs=1e-6)
    assert b["stalled"] == "0" and b["stalled_below"] == "0.2" and b["runs"] == "3"
    assert b["book_accuracy"] == "0.9659" and records[0]["mean"] == ""


def test_runs_and_curves_csv_have_one_line_per_run_and_per_epoch() -> None:
    rows, results = experiments("full"), fake_results()
    runs = list(csv.DictReader(io.StringIO(reproduce.runs_csv(rows, results))))
    assert len(runs) == len(results)
    assert runs[1]["accuracy"] == "0.8123" and runs[1]["stalled"] == "0"
    assert runs[-1]["key"] == "darkness" and runs[-1]["stalled"] == ""
    curves = list(csv.DictReader(io.StringIO(reproduce.curves_csv(results))))
    assert len(curves) == 6 * 3  # six network runs of three epochs; none for the baseline
    assert curves[2] == {"key": "b", "seed": "1", "epoch": "3", "validation": "0.9651",
                         "test": "0.9651"}  # fmt: skip


def test_write_reports_writes_every_file_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    rows = experiments("full")
    written = reproduce.write_reports(tmp_path, rows, fake_results())
    assert set(written) == set(reproduce.REPORT_FILES)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(reproduce.REPORT_FILES.values())
    report = written["table"].read_text(encoding="utf-8")
    assert report.startswith("# Chapter 1's results, reproduced")
    assert "| b. [784, 100, 10], rate 3 |" in report and "Why the book's [784, 100" in report


def test_row_curves_are_mean_min_max_per_epoch_a_diverged_run_counting_while_it_ran() -> None:
    results = [
        network_run("e", 1, 0.3, test=(0.1, 0.2, 0.3)),
        network_run("e", 2, 0.5, test=(0.5,), validation=(0.4,), diverged_epoch=1),
    ]
    [curves] = reproduce.row_curves(experiments("full"), results)
    test = next(band for band in curves.bands if band.name == "test")
    np.testing.assert_allclose(test.mean, [0.3, 0.2, 0.3])
    np.testing.assert_allclose(test.low, [0.1, 0.2, 0.3])
    np.testing.assert_allclose(test.high, [0.5, 0.2, 0.3])
    assert curves.runs == 2 and curves.mean_accuracy == pytest.approx(0.4)


def test_describe_run_says_seed_accuracy_epoch_and_stall() -> None:
    rows = rows_by_key("full")
    line = reproduce.describe_run(network_run("b", 2, 0.8123), rows["b"])
    assert line.startswith("b. [784, 100, 10]") and ", seed 2:" in line
    assert "81.23% at epoch 3 (" in line and "stalled" not in line
    line = reproduce.describe_run(network_run("e", 1, 0.1123), rows["e"])
    assert "11.23% at epoch 3 (stalled)" in line
    darkness = reproduce.describe_run(fake_results()[-1], rows["darkness"])
    assert darkness == "average darkness: 22.25% (0.0 s)"


def test_the_curves_figure_has_one_panel_per_network_row(tmp_path: Path) -> None:
    plots = pytest.importorskip("digitnet.plots")
    curves = reproduce.row_curves(experiments("full"), fake_results())
    figure = plots.reproduction_curves(curves)
    assert len(figure.axes) == 2
    assert figure.axes[0].get_title().startswith("b. [784, 100, 10], rate 3, N(0, 1)")
    assert "91.38%" in figure.axes[0].get_title()
    assert any(line.get_linestyle() == "--" for line in figure.axes[0].get_lines())  # the book
    path = plots.save_figure(figure, tmp_path / "curves.png")
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size[0] >= 800
    with pytest.raises(ConfigError):
        plots.reproduction_curves([])


def test_curves_panels_that_learned_share_a_scale_and_say_their_training() -> None:
    """Regression: panel g's title dropped "cross-entropy, L2 5", and b and c each had their
    own scale, so the chapter's comparison did not read at a glance."""
    plots = pytest.importorskip("digitnet.plots")
    results = [
        *fake_results(),
        network_run("g", 1, 0.9804, test=(0.97, 0.975, 0.9804)),
        network_run("e", 1, 0.1, test=(0.098, 0.1, 0.099), validation=(0.1, 0.099, 0.1)),
    ]
    figure = plots.reproduction_curves(reproduce.row_curves(experiments("full"), results))
    panels = {axes.get_title()[0]: axes for axes in figure.axes}
    assert set(panels) == {"b", "c", "e", "g"}
    assert "cross-entropy cost, L2 lambda 5" in panels["g"].get_title()
    assert "cost" not in panels["b"].get_title()
    assert panels["b"].get_ylim() == panels["c"].get_ylim() == panels["g"].get_ylim()
    assert panels["e"].get_ylim()[1] < 0.5  # at chance: its own scale, not the others'


# ---- Running ------------------------------------------------------------------------------


def test_the_longest_runs_start_first() -> None:
    rows = rows_by_key("full")
    work = {key: reproduce.expected_work(Job(rows[key], 1)) for key in rows}
    assert work["svm-auto"] > work["b"] > work["a"] > work["f"] > work["darkness"]


def test_runs_that_should_stop_kept_from_starting_say_so(tmp_path: Path) -> None:
    rows = [e for e in experiments("quick") if e.key in ("random", "darkness")]
    calls: list[object] = []
    results = reproduce.run(
        rows,
        data_dir=tmp_path,  # never read: nothing runs
        backend=Local(1),
        on_result=lambda *args: calls.append(args),
        should_stop=lambda: True,
    )
    assert [(r.key, r.seed) for r in results] == [("random", 1), ("random", 2), ("darkness", 1)]
    assert all(r.accuracy is None and r.missing == reproduce.STOPPED for r in results)
    assert not calls


@pytest.mark.parametrize("workers", [0, -1, 1.5, True])
def test_workers_must_be_a_positive_integer(workers: object) -> None:
    with pytest.raises(ConfigError, match="workers"):
        reproduce.run([], backend=Local(workers))  # type: ignore[arg-type]


def test_a_tiny_real_run_in_this_process(mnist_dir: Path) -> None:
    tiny = experiments("quick", epochs=1, training_size=3000, handwriting=2)
    rows = [e for e in tiny if e.key in "bcf"]
    rows += [e for e in experiments("quick") if e.key == "darkness"]
    calls: list[tuple[int, int, str]] = []
    results = reproduce.run(
        rows,
        data_dir=mnist_dir,
        backend=Local(1),
        on_result=lambda done, total, r: calls.append((done, total, r.key)),
    )
    assert [(r.key, r.seed) for r in results] == [(j.experiment.key, j.seed)
                                                  for j in reproduce.jobs(rows)]  # fmt: skip
    assert [done for done, _, _ in calls] == list(range(1, 8))
    assert {total for _, total, _ in calls} == {7}
    by_key = {r.key: r for r in results}
    assert by_key["b"].saturation_start is not None and by_key["b"].saturation_start > 0.4
    assert by_key["c"].saturation_start is not None and by_key["c"].saturation_start < 0.05
    summaries = {s.experiment.key: s for s in reproduce.summarise_all(rows, results)}
    assert summaries["c"].mean is not None and summaries["b"].mean is not None
    assert summaries["c"].mean > max(0.5, summaries["b"].mean)  # one epoch on 3,000 images
    assert by_key["f"].saturation_start is None and len(by_key["f"].test) == 1
    assert by_key["darkness"].correct == 2225  # the book's figure, on all 50,000 images
    own = by_key["c"].handwriting  # 16 images of the own set: a multiple of 1/16
    assert own is not None and 0 <= own <= 1 and (own * 16).is_integer()
    assert by_key["darkness"].handwriting is None


def test_a_missing_scikit_learn_makes_the_svm_rows_say_how_to_install_it(
    mnist_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.svm", None)
    rows = [e for e in experiments("quick", training_size=100) if e.method == reproduce.SVM]
    results = reproduce.run(rows, data_dir=mnist_dir, backend=Local(1))
    assert len(results) == 2
    for result in results:
        assert result.accuracy is None
        assert result.missing == "needs scikit-learn: pip install 'digitnet[baselines]'"


def test_row_g_is_chapter_3s_network() -> None:
    row = rows_by_key("full")["g"]
    assert (row.sizes, row.cost, row.l2, row.learning_rate, row.init) == (
        (784, 100, 10), "cross-entropy", 5.0, 0.1, "scaled",
    )  # fmt: skip
    assert row.book == "98.04%" and "60 epochs" in row.title


def test_networks_are_scored_on_the_own_handwriting_set_and_the_report_says_so() -> None:
    full, quick = experiments("full"), experiments("quick")
    assert {e.handwriting for e in full if e.method == reproduce.NETWORK} == {200}
    assert {e.handwriting for e in quick if e.method == reproduce.NETWORK} == {20}
    assert {e.handwriting for e in experiments("quick", handwriting=0)} == {0}
    assert "own set of non-MNIST digits (1600 images" in reproduce.caption(full)
    assert "own set" not in reproduce.caption(experiments("full", handwriting=0))
    rows = [e for e in full if e.key == "a"]
    results = [RunResult("a", 1, 0.95, handwriting=0.8), RunResult("a", 2, 0.96, handwriting=0.9)]
    [cells] = reproduce.table_rows(reproduce.summarise_all(rows, results))
    assert cells[reproduce.TABLE_HEADER.index("own handwriting")] == "85.00%"
    assert "handwriting" in reproduce.runs_csv(rows, results).splitlines()[0]


@pytest.mark.parametrize("value", [-1, 1.5, True])
def test_the_handwriting_set_size_must_be_a_whole_number(value: object) -> None:
    with pytest.raises(ConfigError, match="handwriting"):
        experiments("quick", handwriting=value)  # type: ignore[arg-type]
