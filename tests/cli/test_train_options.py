"""`digitnet train` with the later chapters' options and presets, and the settings they set."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import click
import numpy as np
import pytest

from digitnet import cli
from digitnet.data import MNIST_FILES
from digitnet.errors import ConfigError
from digitnet.modelfile import load
from digitnet.settings import TrainingSettings

#: Settings that ``digitnet train`` sets through an option of another name: field -> option
#: (the option's Python name; its flag is ``--`` and the name with dashes). None today.
OPTION_OF_SETTING: dict[str, str] = {}

#: The options of ``digitnet train`` that are not training settings, and what they set.
NOT_SETTINGS: dict[str, str] = {
    "preset": "a recipe: settings and a network's shape together",
    "sizes": "the network",
    "layers": "the network: a convolutional one",
    "activation": "the network",
    "init": "the network's initial weights",
    "dtype": "the network",
    "training_size": "the data: the first n training images",
    "validation_size": "the data: the last n images of the training file",
    "data_dir": "the data: where MNIST is",
    "out": "where the model file goes",
    "make_default": "whether the saved model becomes the default",
    "checkpoint_dir": "where checkpoints go",
    "resume": "a run to go on with, from its checkpoint",
}

#: Settings whose bounds the command line states itself, not from the settings (issue 14,
#: item 4: "limits declared once, in the core"). Delete an entry once the two agree.
BOUNDS_ONLY_IN_THE_CLI: dict[str, str] = {}  # every bound of train lives in the settings

FIELDS = {field.name: field for field in dataclasses.fields(TrainingSettings)}


def train_options() -> dict[str, click.Option]:
    """The options of ``digitnet train``, by Python name, found through the CLI's group."""
    command = cli.main.get_command(click.Context(cli.main), "train")
    assert command is not None
    return {p.name: p for p in command.params if isinstance(p, click.Option) and p.name}


def option_of(field: str) -> str:
    return OPTION_OF_SETTING.get(field, field)


@pytest.mark.parametrize("field", FIELDS)
def test_every_training_setting_is_an_option_of_train(field: str) -> None:
    options = train_options()
    name = option_of(field)
    assert name in options, f"digitnet train has no option for TrainingSettings.{field}"
    if field not in OPTION_OF_SETTING:
        assert f"--{name.replace('_', '-')}" in options[name].opts


def test_every_option_of_train_is_a_setting_or_says_what_else_it_sets() -> None:
    settings = {option_of(field) for field in FIELDS}
    options = set(train_options())
    assert options - settings - set(NOT_SETTINGS) == set(), "add them to NOT_SETTINGS"
    assert set(NOT_SETTINGS) <= options, "NOT_SETTINGS names options that no longer exist"
    assert not settings & set(NOT_SETTINGS)


@pytest.mark.parametrize("field", [f for f, spec in FIELDS.items() if spec.type == "bool"])
def test_yes_no_settings_are_flags_with_a_no_form(field: str) -> None:
    option = train_options()[option_of(field)]
    assert option.is_flag and option.secondary_opts, f"--{field} should have a --no- form"


@pytest.mark.parametrize(
    "field", [f for f in FIELDS if isinstance(train_options()[option_of(f)].type, click.Choice)]
)
def test_every_choice_of_an_option_is_a_valid_setting(field: str) -> None:
    for choice in train_options()[option_of(field)].type.choices:  # type: ignore[attr-defined]
        assert getattr(TrainingSettings(**{field: choice}), field) == choice


def range_options() -> list[object]:
    ranged = []
    for field in FIELDS:
        kind = train_options()[option_of(field)].type
        if isinstance(kind, (click.IntRange, click.FloatRange)):
            known = BOUNDS_ONLY_IN_THE_CLI.get(field)
            marks = [pytest.mark.xfail(strict=True, reason=known)] if known else []
            ranged.append(pytest.param(field, marks=marks, id=field))
    return ranged


def accepted(field: str, value: float) -> bool:
    try:
        TrainingSettings(**{field: value})
    except ConfigError:
        return False
    return True


def beyond(value: float, direction: float, integer: bool) -> float:
    """The next value past ``value`` towards ``direction``: an integer or a float step."""
    if integer:
        return int(value) + (1 if direction > 0 else -1)
    return math.nextafter(value, direction)


@pytest.mark.parametrize("field", range_options())
def test_an_options_bounds_are_the_settings_bounds(field: str) -> None:
    kind = train_options()[option_of(field)].type
    integer = isinstance(kind, click.IntRange)
    for bound, is_open, outward in (
        (kind.min, kind.min_open, -math.inf),  # type: ignore[attr-defined]
        (kind.max, kind.max_open, math.inf),  # type: ignore[attr-defined]
    ):
        if bound is None:  # the option has no bound here: neither do the settings
            assert accepted(field, 10**9 if outward > 0 else 1), (field, outward)
            continue
        assert accepted(field, bound) is not is_open, (field, bound)
        assert not accepted(field, beyond(bound, outward, integer)), (field, bound)


def test_options_given_with_a_preset_override_it(run, mnist_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "best.npz"
    code, stdout, stderr = run(
        "train", "--preset", "best", "--sizes", "784,20,10", "--epochs", "2",
        "--training-size", "600", "--time-budget", "1h", "--seed", "3",
        "--data-dir", str(mnist_dir), "--out", str(out),
    )  # fmt: skip
    assert code == 0, stderr
    assert "Network([784, 20, 10], dtype=float32, activation='relu', output='softmax')" in stdout
    assert "Nesterov momentum 0.9" in stdout and "fresh distortions each epoch" in stdout
    assert "Epoch 2/2:" in stdout and "rate " in stdout
    saved = load(out)
    assert saved.settings is not None
    assert (saved.settings.epochs, saved.settings.cost, saved.settings.augment) == (
        2, "log-likelihood", True,
    )  # fmt: skip
    assert saved.settings.time_budget == 3600.0  # never reached, even by a cold Numba compile


def test_cross_entropy_l2_and_scaled_init_from_the_command_line(
    run, mnist_dir: Path, tmp_path: Path
) -> None:
    code, stdout, stderr = run(
        "train", "--sizes", "784,30,10", "--cost", "cross-entropy", "--l2", "5", "--init",
        "scaled", "--learning-rate", "0.5", "--epochs", "2", "--training-size", "2000",
        "--seed", "1", "--early-stopping", "3", "--data-dir", str(mnist_dir),
        "--out", str(tmp_path / "m.npz"),
    )  # fmt: skip
    assert code == 0, stderr
    assert "cross-entropy cost" in stdout and "L2 lambda 5" in stdout
    assert "saturated" in stdout  # sigmoid networks show their saturation each epoch
    assert "The model keeps the weights of epoch" in stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--nesterov",), "nesterov needs a momentum"),
        (
            ("--sizes", "784,30,10", "--dropout", "0.5", "--preset", "book", "--sizes", "784,10"),
            "dropout needs a hidden layer",
        ),
    ],
)
def test_inconsistent_options_are_one_line_errors(
    run, mnist_dir: Path, tmp_path: Path, args: tuple[str, ...], needle: str
) -> None:
    code, _, stderr = run(
        "train", *args, "--data-dir", str(mnist_dir), "--out", str(tmp_path / "m")
    )
    assert code == 1
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and needle in lines[0], stderr


def test_time_budget_none_drops_the_presets_budget(run, mnist_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "best.npz"
    code, _, stderr = run(
        "train", "--preset", "best", "--sizes", "784,10", "--epochs", "1", "--time-budget",
        "none", "--training-size", "300", "--data-dir", str(mnist_dir), "--out", str(out),
    )  # fmt: skip
    assert code == 0, stderr
    saved = load(out)
    assert saved.settings is not None and saved.settings.time_budget is None
    assert saved.settings.schedule == "cosine"  # over the epochs now


@pytest.mark.parametrize("budget", ["abc", "0", "-5m", "inf"])
def test_a_bad_time_budget_is_a_usage_error(run, budget: str) -> None:
    code, _, stderr = run("train", "--time-budget", budget)
    assert code == 2
    assert "--time-budget" in stderr


# --- Other data in MNIST's form --------------------------------------------------------------


def write_idx_dataset(folder: Path, n_train: int, n_test: int, side: int = 28) -> Path:
    """Random ``side`` x ``side`` digits under MNIST's four names, as another data set."""
    rng = np.random.default_rng(0)
    folder.mkdir()
    for (images, labels), n in zip((MNIST_FILES[:2], MNIST_FILES[2:]), (n_train, n_test)):
        pixels = rng.integers(0, 256, (n, side, side), dtype=np.uint8)
        for name, array, code in ((images, pixels, 0x08), (labels, np.arange(n) % 10, 0x08)):
            header = bytes([0, 0, code, array.ndim]) + np.array(array.shape, ">u4").tobytes()
            (folder / name.removesuffix(".gz")).write_bytes(
                header + array.astype(np.uint8).tobytes()
            )
    return folder


def test_train_takes_any_idx_data_set_in_mnists_form(run, tmp_path: Path) -> None:
    data = write_idx_dataset(tmp_path / "other", n_train=1_200, n_test=100)
    out = tmp_path / "m.npz"
    code, stdout, stderr = run(
        "train", "--epochs", "1", "--sizes", "784,10", "--validation-size", "300", "--seed", "1",
        "--data-dir", str(data), "--out", str(out),
    )  # fmt: skip
    assert code == 0, stderr
    assert "on 900 images" in stdout
    assert " / 300 (" in stdout and " / 100 (" in stdout  # validation, then test
    assert load(out).metadata["validation_size"] == 300


@pytest.mark.parametrize(
    ("n_train", "side", "args", "needle"),
    [
        (5, 28, (), "holds 5 examples, too few to split into training and validation"),
        (240, 28, ("--validation-size", "240"), "validation size 240 leaves nothing to train on"),
        (240, 28, ("--training-size", "500"), "--training-size 500 is more than the 200"),
        (240, 16, (), "expected uint8 images of 28 x 28 pixels"),
        (
            240,
            28,
            ("--training-size", "100", "--mini-batch-size", "100000"),
            "mini_batch_size 100,000 is more than the 100 training images",
        ),
    ],
    ids=["too-small", "validation-size", "training-size", "16x16", "mini-batch"],
)
def test_data_that_does_not_fit_is_a_one_line_error(
    run, tmp_path: Path, n_train: int, side: int, args: tuple[str, ...], needle: str
) -> None:
    data = write_idx_dataset(tmp_path / "other", n_train=n_train, n_test=10, side=side)
    code, stdout, stderr = run(
        "train", "--epochs", "1", *args, "--data-dir", str(data), "--out", str(tmp_path / "m")
    )
    lines = stderr.strip().splitlines()
    assert code == 1 and len(lines) == 1 and lines[0].startswith("Error: "), stderr
    assert needle in lines[0]
    assert "Training" not in stdout  # refused before it says it trains
