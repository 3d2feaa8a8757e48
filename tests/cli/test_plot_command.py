"""`digitnet plot`: image files of a model's training and test results, on real MNIST."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from digitnet import cli, plots
from digitnet.conv.network import ConvNetwork
from digitnet.data import MnistSplit
from digitnet.modelfile import save
from digitnet.network import Network
from digitnet.settings import TrainingSettings
from digitnet.training import sgd, train

PLOTS = ("curves", "weights", "confusion", "mistakes")
SVG_ROOT = "{http://www.w3.org/2000/svg}svg"


@pytest.fixture(scope="module")
def small_network(mnist: MnistSplit, tmp_path_factory: pytest.TempPathFactory):
    """A [784, 16, 10] network trained briefly on a slice of MNIST, with its history."""
    network = Network([784, 16, 10], seed=1, dtype="float32")
    history = sgd(
        network,
        (mnist.training.images[:3000], mnist.training.labels[:3000]),
        epochs=3,
        seed=1,
        monitor={
            "validation": (mnist.validation.images[:500], mnist.validation.labels[:500]),
            "test": (mnist.test.images[:500], mnist.test.labels[:500]),
        },
    )
    return network, history


@pytest.fixture(scope="module")
def model(small_network, tmp_path_factory: pytest.TempPathFactory) -> Path:
    network, history = small_network
    return save(tmp_path_factory.mktemp("plot") / "small.npz", network, history=history)


@pytest.fixture(scope="module")
def model_without_history(small_network, tmp_path_factory: pytest.TempPathFactory) -> Path:
    network, _ = small_network
    return save(tmp_path_factory.mktemp("plot") / "bare.npz", network)


def assert_png(path: Path) -> None:
    assert path.stat().st_size > 1000
    with Image.open(path) as image:
        image.verify()
        assert image.format == "PNG"
        width, height = image.size
    assert 500 <= width <= 3000 and 300 <= height <= 3000, (path.name, image.size)


def assert_svg(path: Path) -> None:
    assert path.stat().st_size > 1000
    root = ET.parse(path).getroot()
    assert root.tag == SVG_ROOT
    width = float(root.get("width", "0").removesuffix("pt"))
    assert 200 <= width <= 2000, (path.name, width)


def test_plot_writes_the_four_pngs_and_says_so_one_line_each(
    run, model: Path, mnist_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "pictures"
    code, stdout, stderr = run(
        "plot", str(model), "--out-dir", str(out), "--data-dir", str(mnist_dir)
    )
    assert code == 0, stderr
    lines = stdout.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == [f"Wrote {out / f'{n}.png'}" for n in PLOTS]
    for name in PLOTS:
        assert_png(out / f"{name}.png")
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.png" for n in PLOTS)


@pytest.fixture(scope="module")
def conv_model(mnist: MnistSplit, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small convolutional network after one epoch on 500 images, with its history."""
    network = ConvNetwork("conv:4x5x5,pool:2,conv:6x3x3,pool:2,fc:20,softmax:10", seed=1)
    settings = TrainingSettings(
        epochs=1, mini_batch_size=10, learning_rate=0.1, seed=1, cost="log-likelihood"
    )
    history = train(
        network, mnist.training.first(500), settings, monitor={"validation": mnist.validation}
    )
    return save(tmp_path_factory.mktemp("plot") / "conv.npz", network, history=history)


def test_plot_of_a_conv_model_draws_its_filters_and_a_test_digits_feature_maps(
    run, conv_model: Path, mnist: MnistSplit, mnist_dir: Path, tmp_path: Path
) -> None:
    code, stdout, stderr = run(
        "plot", str(conv_model), "--out-dir", str(tmp_path), "--data-dir", str(mnist_dir)
    )
    assert code == 0, stderr
    names = ("curves", "filters", "maps", "confusion", "mistakes")
    lines = stdout.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == [
        f"Wrote {tmp_path / f'{n}.png'}" for n in names
    ]
    assert "the conv layers' learned filters" in lines[1]
    assert f"feature maps of test digit 0, a {mnist.test.labels[0]}" in lines[2]
    for name in names:
        assert_png(tmp_path / f"{name}.png")
    assert not (tmp_path / "weights.png").exists()


def test_plot_writes_svg_when_asked(run, model: Path, mnist_dir: Path, tmp_path: Path) -> None:
    code, stdout, stderr = run(
        "plot", str(model), "--out-dir", str(tmp_path), "--format", "svg",
        "--data-dir", str(mnist_dir),
    )  # fmt: skip
    assert code == 0, stderr
    assert len(stdout.strip().splitlines()) == len(PLOTS)
    for name in PLOTS:
        assert_svg(tmp_path / f"{name}.svg")
    assert not list(tmp_path.glob("*.png"))


def test_plot_of_a_model_without_history_skips_the_curves_with_a_note(
    run, model_without_history: Path, mnist_dir: Path, tmp_path: Path
) -> None:
    code, stdout, stderr = run(
        "plot", str(model_without_history), "--out-dir", str(tmp_path),
        "--data-dir", str(mnist_dir),
    )  # fmt: skip
    assert code == 0, stderr
    lines = stdout.strip().splitlines()
    notes = [line for line in lines if not line.startswith("Wrote ")]
    assert len(notes) == 1 and "no training history" in notes[0] and "bare.npz" in notes[0]
    assert len(lines) == 1 + 3
    assert not (tmp_path / "curves.png").exists()
    for name in ("weights", "confusion", "mistakes"):
        assert_png(tmp_path / f"{name}.png")


def test_plot_uses_the_default_model_when_none_is_named(
    run, model: Path, mnist_dir: Path, tmp_path: Path, models_home: Path
) -> None:
    shutil.copy(model, models_home / "model.npz")  # where earlier versions kept the default
    code, _, stderr = run("plot", "--out-dir", str(tmp_path), "--data-dir", str(mnist_dir))
    assert code == 0, stderr
    assert_png(tmp_path / "curves.png")


def test_plot_with_a_bad_format_is_a_usage_error(run, model: Path, tmp_path: Path) -> None:
    out = tmp_path / "pictures"
    code, _, stderr = run("plot", str(model), "--out-dir", str(out), "--format", "jpg")
    assert code == 2
    assert "Invalid value for '--format'" in stderr and "'png', 'svg', 'pdf'" in stderr
    assert not out.exists()


def test_plot_of_a_missing_model_is_a_one_line_error(run, tmp_path: Path) -> None:
    code, _, stderr = run("plot", str(tmp_path / "absent.npz"), "--out-dir", str(tmp_path))
    assert code == 1
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "absent.npz" in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_plot_of_a_network_that_is_not_an_mnist_classifier_is_an_error(run, tmp_path: Path) -> None:
    path = save(tmp_path / "tiny.npz", Network([4, 3, 2], seed=0))
    code, _, stderr = run("plot", str(path), "--out-dir", str(tmp_path / "out"))
    assert code == 1
    assert "not an MNIST classifier" in stderr and "Traceback" not in stderr


def test_plot_is_listed_and_its_formats_are_the_plots_module_formats(run) -> None:
    code, stdout, _ = run("--help")
    assert code == 0 and "plot" in stdout
    assert cli.plot.PLOT_FORMATS == plots.FORMATS


def test_plot_writes_pdf_when_asked(run, model: Path, mnist_dir: Path, tmp_path: Path) -> None:
    code, _, stderr = run(
        "plot", str(model), "--out-dir", str(tmp_path), "--format", "pdf",
        "--data-dir", str(mnist_dir),
    )  # fmt: skip
    assert code == 0, stderr
    for name in PLOTS:
        data = (tmp_path / f"{name}.pdf").read_bytes()
        assert data.startswith(b"%PDF-") and b"CreationDate" not in data


def test_plot_of_several_models_overlays_their_curves(
    run, mnist: MnistSplit, tmp_path: Path
) -> None:
    paths = []
    for rate in (0.5, 3.0):
        network = Network([784, 10, 10], seed=1)
        history = sgd(
            network, mnist.training.first(1000), epochs=2, learning_rate=rate, seed=1,
            monitor={"validation": mnist.validation.first(300)},
        )  # fmt: skip
        paths.append(str(save(tmp_path / f"rate{rate:g}.npz", network, history=history)))
    code, stdout, stderr = run("plot", *paths, "--out-dir", str(tmp_path / "out"))
    assert code == 0, stderr
    assert stdout == f"Wrote {tmp_path / 'out' / 'compare.png'}: 2 runs' curves\n"
    assert_png(tmp_path / "out" / "compare.png")


def test_compared_models_need_a_history(run, model: Path, model_without_history: Path, tmp_path):
    code, _, stderr = run(
        "plot", str(model), str(model_without_history), "--out-dir", str(tmp_path)
    )
    assert code == 1 and stderr.startswith("Error: ") and "bare.npz holds no training" in stderr
