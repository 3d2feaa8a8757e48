"""The figures of digitnet.plots, drawn from small synthetic data, and their atomic saving."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from digitnet import plots
from digitnet.errors import ConfigError, DigitnetError
from digitnet.history import History, RunEnd
from digitnet.network import Network
from digitnet.settings import TrainingSettings

SVG_ROOT = "{http://www.w3.org/2000/svg}svg"


def make_history(names: tuple[str, ...] = ("validation", "test"), epochs: int = 4) -> History:
    rng = np.random.default_rng(0)
    history = History(TrainingSettings(epochs=epochs, seed=7), engine="numpy")
    history.seconds = [0.1] * epochs
    for name in names:
        history.correct[name] = sorted(rng.integers(20, 90, size=epochs).tolist())
        history.total[name] = 100
        history.cost[name] = sorted(rng.random(epochs).tolist(), reverse=True)
    return history


def images_of(figure: Figure) -> list:
    return [image for axes in figure.axes for image in axes.get_images()]


def texts_of(figure: Figure) -> list[str]:
    return [text.get_text() for axes in figure.axes for text in axes.texts]


# training_curves


def test_training_curves_draws_accuracy_and_cost_with_a_line_per_data_set() -> None:
    history = make_history()
    figure = plots.training_curves(history)
    accuracy_axes, cost_axes = figure.axes
    for axes, values in ((accuracy_axes, history.accuracy), (cost_axes, history.cost)):
        lines = {line.get_label(): line for line in axes.get_lines()}
        for name in ("validation", "test"):
            line = lines[f"{name} (100 images)"]
            np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3, 4])
            np.testing.assert_allclose(line.get_ydata(), values[name])
    best = history.best_epoch("validation")
    assert f"best validation (epoch {best})" in [t.get_text() for t in accuracy_axes.texts] + [
        line.get_label() for line in accuracy_axes.get_lines()
    ]
    [legend] = figure.legends  # the figure's, below the axes: it hides no point
    assert accuracy_axes.get_legend() is None
    assert {"validation (100 images)", "test (100 images)"} <= {
        t.get_text() for t in legend.get_texts()
    }
    assert "4 epochs" in figure.get_suptitle() and "seed 7" in figure.get_suptitle()


def tick_labels(axes, which: str) -> list[str]:
    axis = axes.yaxis if which == "y" else axes.xaxis
    low, high = axes.get_ylim() if which == "y" else axes.get_xlim()
    ticks = [tick for tick in axis.get_major_ticks() if low <= tick.get_loc() <= high]
    return [tick.label1.get_text() for tick in ticks]


def test_one_epoch_curves_read_right() -> None:
    """Regression: one epoch gave "95.6%" on every y tick, x ticks at 0.96, 0.98, ...,
    and "1 epochs" in the title."""
    figure = plots.training_curves(make_history(epochs=1))
    figure.canvas.draw()
    accuracy_axes, cost_axes = figure.axes
    for axes in (accuracy_axes, cost_axes):
        labels = tick_labels(axes, "y")
        assert len(labels) >= 3 and len(set(labels)) == len(labels), labels
        assert tick_labels(axes, "x") == ["1"]
    assert "Training: 1 epoch," in figure.get_suptitle()


def test_compared_curves_draw_one_line_per_run_labelled_by_what_differs() -> None:
    slow, fast = make_history(epochs=3), make_history(epochs=4)
    fast.settings = TrainingSettings(epochs=4, seed=7, learning_rate=0.5)
    figure = plots.compared_curves([("slow", slow), ("fast", fast)])
    accuracy_axes, cost_axes = figure.axes
    lines = {line.get_label(): line for line in accuracy_axes.get_lines()}
    assert set(lines) == {"slow: epochs 3, learning rate 3", "fast: epochs 4, learning rate 0.5"}
    np.testing.assert_allclose(
        lines["fast: epochs 4, learning rate 0.5"].get_ydata(), fast.accuracy["validation"]
    )
    assert len(cost_axes.get_lines()) == 2
    assert "validation" in accuracy_axes.get_title()


def test_compared_curves_need_two_runs_with_a_shared_data_set() -> None:
    with pytest.raises(ConfigError, match="at least two"):
        plots.compared_curves([("one", make_history())])
    with pytest.raises(ConfigError, match="no data set measured in all"):
        plots.compared_curves(
            [("a", make_history(("validation",))), ("b", make_history(("test",)))]
        )


def test_training_curves_labels_any_monitored_set_by_its_name() -> None:
    figure = plots.training_curves(make_history(names=("held-out",), epochs=2))
    labels = [line.get_label() for line in figure.axes[0].get_lines()]
    assert labels == ["held-out (100 images)"]  # no best-validation mark without validation


def test_training_curves_says_when_training_diverged() -> None:
    history = make_history()  # 4 epochs, diverged after the last
    history.end = RunEnd.DIVERGED
    assert "diverged at epoch 4" in plots.training_curves(history).get_suptitle()


def test_training_curves_of_an_empty_history_is_an_error() -> None:
    with pytest.raises(ConfigError, match="no measured epoch"):
        plots.training_curves(History(TrainingSettings()))


def test_drawing_leaves_matplotlib_settings_as_they_were() -> None:
    before = matplotlib.rcParams["font.size"], matplotlib.rcParams["axes.spines.top"]
    figure = plots.training_curves(make_history())
    assert figure.axes[0].title.get_fontsize() == plots.STYLE["axes.titlesize"]
    assert (matplotlib.rcParams["font.size"], matplotlib.rcParams["axes.spines.top"]) == before


# hidden_weights


def test_hidden_weights_draws_each_neuron_as_a_28x28_image_centred_at_zero() -> None:
    network = Network([784, 7, 10], seed=0)
    figure = plots.hidden_weights(network)
    images = images_of(figure)
    assert len(images) == 7
    assert len(figure.axes) == 7 + 1  # and a colour bar
    for j, image in enumerate(images):
        np.testing.assert_allclose(image.get_array(), network.weights[0][j].reshape(28, 28))
        assert image.get_cmap().name == plots.WEIGHT_CMAP
        assert image.norm.vmin == pytest.approx(-image.norm.vmax)
    assert "7 hidden neurons" in figure.get_suptitle()


def test_hidden_weights_draws_at_most_limit_neurons() -> None:
    figure = plots.hidden_weights(Network([784, 12, 10], seed=0), limit=5)
    assert len(images_of(figure)) == 5
    assert "first 5 of 12" in figure.get_suptitle()


def test_hidden_weights_without_hidden_layer_draws_the_output_neurons() -> None:
    figure = plots.hidden_weights(Network([784, 10], seed=0))
    assert len(images_of(figure)) == 10 and "output neurons" in figure.get_suptitle()


def test_hidden_weights_needs_28x28_inputs() -> None:
    with pytest.raises(ConfigError, match="28x28"):
        plots.hidden_weights(Network([4, 3, 2], seed=0))


# confusion_matrix_figure


def test_confusion_matrix_figure_writes_every_count_in_its_cell() -> None:
    confusion = np.array([[5, 1, 0], [0, 7, 2], [3, 0, 9]])
    figure = plots.confusion_matrix_figure(confusion)
    (axes,) = figure.axes
    assert len(axes.get_images()) == 1
    cells = {(round(t.get_position()[1]), round(t.get_position()[0])): t for t in axes.texts}
    assert len(cells) == 9
    for (i, j), count in np.ndenumerate(confusion):
        assert cells[i, j].get_text() == str(count)
    assert cells[2, 2].get_color() == "white"  # the darkest cell
    assert cells[0, 1].get_color() == "black"
    assert "21 / 27 correct (77.78%)" in axes.get_title()
    assert axes.get_xlabel() == "predicted digit" and axes.get_ylabel() == "true digit"


@pytest.mark.parametrize(
    "confusion",
    [np.zeros((2, 3), int), np.array([[1, -1], [0, 2]]), np.ones((2, 2)), np.zeros((0, 0), int)],
)
def test_confusion_matrix_figure_rejects_what_is_not_a_square_matrix_of_counts(confusion) -> None:
    with pytest.raises(ConfigError, match="square matrix of counts"):
        plots.confusion_matrix_figure(confusion)


# misclassified_gallery


@pytest.fixture
def digits() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(12, 784), dtype=np.uint8)
    labels = np.arange(12) % 10
    predicted = labels.copy()
    predicted[[1, 4, 6, 9, 11]] = [7, 0, 0, 3, 8]
    return images, labels, predicted


def test_misclassified_gallery_shows_each_mistake_with_true_and_predicted(digits) -> None:
    images, labels, predicted = digits
    figure = plots.misclassified_gallery(images, labels, predicted)
    shown = images_of(figure)
    assert len(shown) == 5
    titles = [axes.get_title() for axes in figure.axes]
    assert titles == ["1 → 7", "4 → 0", "6 → 0", "9 → 3", "1 → 8"]
    np.testing.assert_array_equal(shown[0].get_array(), images[1].reshape(28, 28))
    assert "5 of 12 digits" in figure.get_suptitle()


def test_misclassified_gallery_draws_at_most_limit_and_takes_28x28_images(digits) -> None:
    images, labels, predicted = digits
    figure = plots.misclassified_gallery(images.reshape(-1, 28, 28), labels, predicted, limit=2)
    assert len(images_of(figure)) == 2
    assert "the first 2 shown" in figure.get_suptitle()


def test_misclassified_gallery_without_mistakes_says_so(digits) -> None:
    images, labels, _ = digits
    figure = plots.misclassified_gallery(images, labels, labels)
    assert images_of(figure) == []
    assert texts_of(figure) == ["No mistakes on 12 digits"]


def test_misclassified_gallery_rejects_mismatched_shapes(digits) -> None:
    images, labels, predicted = digits
    with pytest.raises(ConfigError, match="one label and one prediction per image"):
        plots.misclassified_gallery(images, labels[:5], predicted)
    with pytest.raises(ConfigError, match="images must have shape"):
        plots.misclassified_gallery(images[:, :100], labels, predicted)


# save_figure


def drawings(digits) -> dict[str, Figure]:
    images, labels, predicted = digits
    return {
        "curves": plots.training_curves(make_history()),
        "weights": plots.hidden_weights(Network([784, 9, 10], seed=0)),
        "confusion": plots.confusion_matrix_figure(np.eye(10, dtype=int) * 90 + 1),
        "mistakes": plots.misclassified_gallery(images, labels, predicted),
    }


@pytest.mark.parametrize("name", ["curves", "weights", "confusion", "mistakes"])
def test_save_figure_writes_a_png_of_the_figure_size(digits, tmp_path: Path, name: str) -> None:
    figure = drawings(digits)[name]
    width, height = figure.get_size_inches() * plots.DPI
    path = plots.save_figure(figure, tmp_path / f"{name}.png", "png")
    assert path == tmp_path / f"{name}.png"
    with Image.open(path) as image:
        image.verify()
        assert image.format == "PNG"
        assert abs(image.size[0] - width) <= 1 and abs(image.size[1] - height) <= 1
        assert 400 <= image.size[0] <= 2500 and 150 <= image.size[1] <= 2500
    assert [p.name for p in tmp_path.iterdir()] == [f"{name}.png"]  # no temporary file left


@pytest.mark.parametrize("name", ["curves", "weights", "confusion", "mistakes"])
def test_save_figure_writes_an_svg_document(digits, tmp_path: Path, name: str) -> None:
    path = plots.save_figure(drawings(digits)[name], tmp_path / f"{name}.svg", "svg")
    root = ET.parse(path).getroot()
    assert root.tag == SVG_ROOT
    assert root.get("width", "").endswith("pt") and root.get("height", "").endswith("pt")
    assert b"<dc:date>" not in path.read_bytes()  # no timestamp: same figure, same file


def test_save_figure_takes_the_format_from_the_file_name(tmp_path: Path) -> None:
    path = plots.save_figure(plots.training_curves(make_history()), tmp_path / "c.SVG")
    assert ET.parse(path).getroot().tag == SVG_ROOT


def test_save_figure_rejects_other_formats_and_writes_nothing(tmp_path: Path) -> None:
    figure = plots.training_curves(make_history())
    with pytest.raises(ConfigError, match="png, svg, pdf, got 'jpg'"):
        plots.save_figure(figure, tmp_path / "curves.jpg")
    with pytest.raises(ConfigError, match="got 'eps'"):
        plots.save_figure(figure, tmp_path / "curves.png", "eps")
    assert list(tmp_path.iterdir()) == []


def test_save_figure_writes_an_undated_pdf(tmp_path: Path) -> None:
    paths = [
        plots.save_figure(plots.training_curves(make_history()), tmp_path / f"{n}.pdf")
        for n in ("a", "b")
    ]
    data = [path.read_bytes() for path in paths]
    assert data[0].startswith(b"%PDF-") and data[0] == data[1]  # no timestamp


def test_save_figure_failing_to_draw_leaves_the_old_file_and_nothing_else(
    tmp_path: Path,
) -> None:
    target = tmp_path / "curves.png"
    target.write_bytes(b"old picture")
    figure = plots.training_curves(make_history())
    figure.suptitle(r"$\notacommand$")  # mathtext fails only when the figure is drawn
    with pytest.raises(ValueError, match="notacommand"):
        plots.save_figure(figure, target, "png")
    assert target.read_bytes() == b"old picture"
    assert [p.name for p in tmp_path.iterdir()] == ["curves.png"]


def test_save_figure_into_a_missing_folder_is_a_one_line_error(tmp_path: Path) -> None:
    target = tmp_path / "absent" / "curves.png"
    with pytest.raises(DigitnetError, match="cannot write") as info:
        plots.save_figure(plots.training_curves(make_history()), target)
    assert str(target) in str(info.value) and "\n" not in str(info.value)


def test_save_figure_closes_a_pyplot_figure(tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    plt.switch_backend("agg")
    figure = plt.figure()
    figure.add_subplot().plot([1, 2, 3])
    assert plt.fignum_exists(figure.number)
    plots.save_figure(figure, tmp_path / "line.png")
    assert not plt.fignum_exists(figure.number)
    assert (tmp_path / "line.png").stat().st_size > 0
