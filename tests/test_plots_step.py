"""The step-through as one figure (digitnet.plots.step)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="the plots extra is not installed")

from digitnet.errors import ConfigError
from digitnet.explain.step import learning_step
from digitnet.network import Network
from digitnet.plots import save_figure
from digitnet.plots.step import MAX_GRADIENT_NEURONS, step_figure


def a_step(sizes, **kwargs):
    network = Network(sizes, seed=3, init="scaled")
    image = np.random.default_rng(5).random(784)
    return network, learning_step(network, image, 4, learning_rate=1.0, **kwargs)


def titles(figure) -> str:
    found = [figure.get_suptitle()]
    for sub in figure.subfigs:
        found.append(sub.get_suptitle())
        found += [axes.get_title() for axes in sub.axes]
    return " | ".join(found)


def test_the_figure_holds_every_stage():
    network, step = a_step([784, 30, 10])
    figure = step_figure(step, network)
    text = titles(figure)
    for words in ("Forward", "BP1", "BP2", "BP3", "BP4", "the right output (4) ", "on a 4"):
        assert words in text, words
    gradient = figure.subfigs[2]
    pictures = [axes for axes in gradient.axes if axes.get_images()]
    assert len(pictures) == 30
    drawn = -step.nabla_w[0][7].reshape(28, 28)  # neuron 7's picture: where its weights move
    np.testing.assert_array_equal(pictures[7].get_images()[0].get_array(), drawn)


def test_a_wide_layer_shows_the_neurons_learning_most():
    network, step = a_step([784, 64, 20, 10])
    figure = step_figure(step, network)
    pictures = [axes for axes in figure.subfigs[2].axes if axes.get_images()]
    assert len(pictures) == MAX_GRADIENT_NEURONS
    shown = sorted(int(axes.get_title()) for axes in pictures)
    largest = np.sort(np.argsort(-np.abs(step.deltas[0]))[:MAX_GRADIENT_NEURONS])
    assert shown == largest.tolist()
    assert "hidden layer 2" in titles(figure)


def test_a_later_step_is_named_and_saved_as_svg(tmp_path):
    network, step = a_step([784, 12, 10], steps=3)
    written = save_figure(step_figure(step, network), tmp_path / "a.svg").read_bytes()
    assert written.startswith(b"<?xml") and b"step 3" in written


def test_another_network_s_step_is_refused():
    _, step = a_step([784, 12, 10])
    with pytest.raises(ConfigError, match="not one of network"):
        step_figure(step, Network([784, 13, 10]))
    with pytest.raises(ConfigError, match="does not take 28x28"):
        step_figure(step, Network([100, 12, 10]))
