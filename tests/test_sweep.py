"""digitnet.sweep: the grid and its samples, run ids, records, tables, files, a real sweep."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from digitnet.errors import ConfigError, MissingExtra
from digitnet.sweep import (
    Local,
    Run,
    RunRecord,
    Sweep,
    load_record,
    read_sweep_file,
    record_path,
    run_id,
    run_sweep,
    runs_csv,
    save_record,
    summarise,
    summary_csv,
    write_tables,
)

#: Runs of seconds: a [784, 10, 10] network, one epoch on 1,000 images, NumPy's engine.
TINY = {"sizes": [(784, 10, 10)], "epochs": 1, "training_size": 1000, "engine": "numpy"}


def record(seed: int, accuracy: float | None, **options: object) -> RunRecord:
    return RunRecord(
        id=f"id{seed}{options}",
        preset="book",
        options=dict(options),
        seed=seed,
        validation=() if accuracy is None else (accuracy,),
        test=() if accuracy is None else (accuracy,),
        best_epoch=None if accuracy is None else 1,
        best_validation=accuracy,
        test_accuracy=accuracy,
        end="completed",
        engine="numpy",
        seconds=1.0,
        where="host:1",
        backend="local",
    )


# ---- The grid ------------------------------------------------------------------------------


def test_the_grid_is_every_combination_times_every_seed() -> None:
    sweep = Sweep({"learning_rate": [0.1, 0.5, 3.0], "sizes": [(784, 30, 10), (784, 100, 10)],
                   "epochs": 30}, seeds=range(1, 6))  # fmt: skip
    runs = sweep.runs()
    assert len(runs) == 3 * 2 * 5 and sweep.swept == ("learning_rate", "sizes")
    assert runs[0].settings == {"learning_rate": 0.1, "sizes": (784, 30, 10), "epochs": 30}
    assert [r.seed for r in runs[:6]] == [1, 2, 3, 4, 5, 1]
    assert len({r.id for r in runs}) == 30


def test_one_networks_sizes_is_one_value_not_a_list_of_them() -> None:
    sweep = Sweep({"sizes": [784, 30, 10], "learning_rate": 0.5})
    assert sweep.grid == {"sizes": ((784, 30, 10),), "learning_rate": (0.5,)}
    assert sweep.swept == ()


def test_random_samples_are_distinct_points_of_the_grid_drawn_by_their_seed() -> None:
    grid = {"learning_rate": [0.1, 0.3, 1.0, 3.0], "mini_batch_size": [5, 10, 20]}
    first = Sweep(grid, samples=5, sample_seed=1).points()
    assert len(set(first)) == 5
    assert set(first) <= set(Sweep(grid).points())
    assert Sweep(grid, samples=5, sample_seed=1).points() == first
    assert Sweep(grid, samples=5, sample_seed=2).points() != first


def test_the_preset_can_be_swept_too() -> None:
    runs = Sweep({"preset": ["book", "best"], "epochs": 1}).runs()
    assert [r.recipe().sizes for r in runs] == [(784, 30, 10), (784, 1024, 1024, 10)]
    assert [r.recipe().settings.epochs for r in runs] == [1, 1]


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ({"learning_rate": [0.5, -1.0]}, "learning_rate"),
        ({"sizes": [(784, 10)], "cost": ["nonsense"]}, "cost must be one of"),
        ({"seed": [1, 2]}, "cannot vary 'seed'"),
        ({"out": ["x"]}, "cannot vary 'out'"),
        ({"epochs": []}, "no value to try"),
        ({"training_size": [0]}, "training_size must be a positive integer"),
        ({"preset": ["book", "nonsense"]}, "preset must be one of"),
        ({"sizes": [(784, 20)]}, r"sizes: network \[784, 20\] is not an MNIST classifier"),
    ],
)
def test_a_bad_value_is_refused_before_anything_runs(grid: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Sweep(grid)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"seeds": ()}, "seeds"),
        ({"seeds": (1, -1)}, "seeds"),
        ({"samples": 0}, "samples must be from 1"),
        ({"samples": 3}, "samples must be from 1 to the grid's 2 points"),
        ({"preset": "nonsense"}, "preset must be one of"),
        ({"samples": 1, "sample_seed": -1}, "sample_seed must be a whole number"),
    ],
)
def test_bad_seeds_samples_or_preset_are_refused(options: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Sweep({"learning_rate": [0.5, 1.0]}, **options)


def test_a_sweep_of_too_many_runs_is_refused() -> None:
    with pytest.raises(ConfigError, match="more than 100,000"):
        Sweep({"mini_batch_size": list(range(1, 1001))}, seeds=range(101))


# ---- Identities ------------------------------------------------------------------------------


def test_a_runs_id_is_what_it_computes_however_it_was_spelled() -> None:
    plain = Run("book", (("epochs", 30),), seed=1)
    spelled = Run("book", (("epochs", 30), ("learning_rate", 3.0), ("sizes", (784, 30, 10))), 1)
    assert run_id(plain) == run_id(spelled) == run_id(Run("book", (), 1))
    assert run_id(Run("book", (), 2)) != run_id(plain)  # another seed
    assert run_id(Run("book", (("training_size", 1000),), 1)) != run_id(plain)
    assert run_id(Run("book", (), 1, validation_size=5000)) != run_id(plain)
    assert run_id(Run("book", (("learning_rate", 0.5),), 1)) != run_id(plain)
    assert run_id(Run("book", (("learning_rate", 3),), 1)) == run_id(plain)  # 3 is 3.0


# ---- Records --------------------------------------------------------------------------------


def test_a_record_comes_back_as_it_was_saved(tmp_path: Path) -> None:
    saved = record(1, 0.9, learning_rate=0.5, sizes=[784, 30, 10])
    path = save_record(tmp_path, saved)
    assert path == record_path(tmp_path, saved.id) and path.parent.name == "runs"
    assert load_record(tmp_path, saved.id) == saved
    assert load_record(tmp_path, "absent") is None
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left


@pytest.mark.parametrize("text", ["", "{", "[]", '{"id": "x"}'])
def test_a_damaged_record_is_one_line_naming_its_file(tmp_path: Path, text: str) -> None:
    path = record_path(tmp_path, "abc")
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=f"{path}: not a sweep's run record"):
        load_record(tmp_path, "abc")


def test_a_record_under_another_runs_name_is_refused(tmp_path: Path) -> None:
    save_record(tmp_path, record(1, 0.9))
    record_path(tmp_path, "id1{}").rename(record_path(tmp_path, "other"))
    with pytest.raises(ConfigError, match=r"holds run 'id1\{\}', not 'other'"):
        load_record(tmp_path, "other")


# ---- Tables ---------------------------------------------------------------------------------


def test_the_summary_has_mean_sd_median_and_range_per_setting() -> None:
    records = [
        record(1, 0.90, learning_rate=0.5),
        record(2, 0.92, learning_rate=0.5),
        record(3, 0.97, learning_rate=0.5),
        record(1, 0.80, learning_rate=3.0),
        record(2, None, learning_rate=3.0),  # no epoch ended: not counted
    ]
    first, second = summarise(records)
    assert first.options == {"learning_rate": 0.5} and first.runs == 3
    assert first.mean == pytest.approx(0.93, abs=1e-12)
    assert first.sd == pytest.approx(((0.03**2 + 0.01**2 + 0.04**2) / 2) ** 0.5, abs=1e-12)
    assert (first.median, first.low, first.high) == (0.92, 0.90, 0.97)
    assert second.runs == 1 and second.sd is None and second.mean == 0.80
    lines = summary_csv([first, second]).splitlines()
    assert lines[0] == "learning_rate,runs,mean,sd,median,min,max,mean_best_validation"
    assert lines[2] == "3.0,1,0.8,,0.8,0.8,0.8,0.8"


def test_the_runs_table_is_tidy_one_line_per_run() -> None:
    text = runs_csv([record(1, 0.9, sizes=[784, 30, 10], nesterov=True)])
    header, line = text.splitlines()
    assert header.startswith("sizes,nesterov,seed,test_accuracy,")
    assert line.startswith('"784,30,10",true,1,0.9,')


# ---- Files ----------------------------------------------------------------------------------


def test_a_toml_file_gives_the_sweep(tmp_path: Path) -> None:
    path = tmp_path / "sweep.toml"
    path.write_text(
        'preset = "book"\nseeds = 3\nsamples = 2\n[options]\nlearning-rate = [0.1, 0.5, 3.0]\n'
        "sizes = [[784, 30, 10], [784, 100, 10]]\nepochs = 30\n",
        encoding="utf-8",
    )
    sweep = Sweep(**read_sweep_file(path))
    assert sweep.seeds == (1, 2, 3) and sweep.samples == 2
    assert sweep.grid["sizes"] == ((784, 30, 10), (784, 100, 10))
    assert sweep.grid["learning_rate"] == (0.1, 0.5, 3.0)


def test_a_yaml_file_gives_the_same_sweep(tmp_path: Path) -> None:
    pytest.importorskip("yaml")
    toml, yaml = tmp_path / "s.toml", tmp_path / "s.yaml"
    toml.write_text("seeds = [4, 2]\n[options]\nmomentum = [0.0, 0.9]\n", encoding="utf-8")
    yaml.write_text("seeds: [4, 2]\noptions:\n  momentum: [0.0, 0.9]\n", encoding="utf-8")
    assert Sweep(**read_sweep_file(toml)) == Sweep(**read_sweep_file(yaml))


def test_a_yaml_file_without_pyyaml_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)
    path = tmp_path / "s.yml"
    path.write_text("seeds: 2\n", encoding="utf-8")
    with pytest.raises(MissingExtra, match=r"reading s.yml needs PyYAML: .*digitnet\[cluster\]"):
        read_sweep_file(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("seeds = [", "not TOML"),
        ("colour = 1", "unknown key 'colour'"),
        ("options = 3", "options must be a table"),
        ("seeds = 0", "seeds must be a count of at least 1"),
        ('seeds = "x"', "seeds must be a count or a list"),
    ],
)
def test_a_bad_file_is_one_line_naming_it(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "sweep.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        read_sweep_file(path)


# ---- A real sweep ---------------------------------------------------------------------------


def test_a_sweep_records_each_run_and_a_second_pass_reruns_nothing(
    mnist_dir: Path, tmp_path: Path
) -> None:
    sweep = Sweep({**TINY, "learning_rate": [0.5, 3.0]}, seeds=(1, 2))
    seen: list[tuple[int, int, bool]] = []
    records = run_sweep(
        sweep, tmp_path, data_dir=mnist_dir, backend=Local(1),
        on_result=lambda done, total, r, ran: seen.append((done, total, ran)),
    )  # fmt: skip
    assert seen == [(1, 4, True), (2, 4, True), (3, 4, True), (4, 4, True)]
    assert all(r is not None for r in records)
    assert [r.id for r in records if r] == [run.id for run in sweep.runs()]
    assert sorted(p.stem for p in (tmp_path / "runs").iterdir()) == sorted(
        r.id for r in records if r
    )
    first = records[0]
    assert first is not None and first.options["learning_rate"] == 0.5 and first.seed == 1
    assert len(first.validation) == len(first.test) == 1 and first.best_epoch == 1
    assert first.test_accuracy is not None and 0.0 < first.test_accuracy < 1.0
    assert first.backend == "local" and first.engine == "numpy"
    seen.clear()
    again = run_sweep(
        sweep, tmp_path, data_dir=mnist_dir, backend=Local(1),
        on_result=lambda done, total, r, ran: seen.append((done, total, ran)),
    )  # fmt: skip
    assert again == records and [ran for *_, ran in seen] == [False] * 4


def test_a_sweep_that_shares_runs_with_another_reuses_them(mnist_dir: Path, tmp_path: Path) -> None:
    run_sweep(Sweep({**TINY, "learning_rate": [0.5]}), tmp_path, data_dir=mnist_dir,
              backend=Local(1))  # fmt: skip
    ran: list[bool] = []
    run_sweep(
        Sweep({**TINY, "learning_rate": [0.5, 3.0]}), tmp_path, data_dir=mnist_dir,
        backend=Local(1), on_result=lambda *args: ran.append(args[3]),
    )  # fmt: skip
    assert ran == [False, True]


def test_runs_give_the_same_figures_in_this_process_and_in_workers(
    mnist_dir: Path, tmp_path: Path
) -> None:
    sweep = Sweep({**TINY, "learning_rate": [0.5, 3.0]}, seeds=(1, 2))
    here = run_sweep(sweep, tmp_path / "here", data_dir=mnist_dir, backend=Local(1))
    apart = run_sweep(sweep, tmp_path / "apart", data_dir=mnist_dir, backend=Local(2))
    assert [r.test for r in here if r] == [r.test for r in apart if r]
    assert {r.where for r in here if r} != {r.where for r in apart if r}
    written = write_tables(tmp_path / "here", [r for r in here if r])
    assert sorted(p.name for p in written.values()) == ["runs.csv", "runs.jsonl", "summary.csv"]
    lines = written["records"].read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == [r.id for r in here if r]


def test_a_training_size_beyond_the_images_is_one_line(mnist_dir: Path, tmp_path: Path) -> None:
    sweep = Sweep({**TINY, "training_size": 60_000})
    with pytest.raises(ConfigError, match="training_size 60000 is more than the 50,000"):
        run_sweep(sweep, tmp_path, data_dir=mnist_dir, backend=Local(1))


def test_the_plot_has_a_panel_per_swept_option() -> None:
    plots = pytest.importorskip("digitnet.plots")
    networks = ([784, 30, 10], [784, 10])
    records = [record(s, 0.8 + 0.01 * s, learning_rate=lr, sizes=sizes)
               for s in (1, 2) for lr in (0.5, 3.0) for sizes in networks]  # fmt: skip
    figure = plots.sweep_accuracy(records, ("learning_rate", "sizes"))
    titles = [axes.get_title() for axes in figure.axes]
    assert titles == ["--learning-rate", "--sizes"]
    labels = [tick.get_text() for tick in figure.axes[1].get_xticklabels()]
    assert labels == ["784,30,10", "784,10"]
    with pytest.raises(ConfigError, match="no swept option"):
        plots.sweep_accuracy(records, ())
