"""The conv network's figures: its filters, and one image's feature maps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from digitnet import plots
from digitnet.conv.feature_maps import feature_maps, filters
from digitnet.conv.network import ConvNetwork
from digitnet.errors import ConfigError

SMALL = "conv:4x5x5,pool:2,conv:6x3x3,pool:2,fc:20,softmax:10"


def images_of(figure):
    return [image for axes in figure.axes for image in axes.get_images()]


def titles_of(figure) -> list[str]:
    return [sub.get_suptitle() for sub in figure.subfigs]


def test_the_filters_are_drawn_a_layer_at_a_time_centred_at_zero() -> None:
    network = ConvNetwork(SMALL, seed=0)
    figure = plots.conv_filters(network)
    images = images_of(figure)
    expected = [picture for layer in filters(network) for picture in layer]
    assert len(images) == 4 + 6
    for image, picture in zip(images, expected, strict=True):
        np.testing.assert_array_equal(image.get_array(), picture.astype(np.float64))
        assert image.get_cmap().name == plots.WEIGHT_CMAP
        assert image.norm.vmin == pytest.approx(-image.norm.vmax)
    first, second = images[0].norm, images[4].norm
    assert first.vmax == pytest.approx(np.abs(network.weights[0]).max(), rel=1e-6)
    assert second.vmax == pytest.approx(np.abs(filters(network)[1]).max(), rel=1e-6)
    assert titles_of(figure) == [
        "Layer 1 (conv:4x5x5,pool:2): its kernels, 5 x 5 (red excites, blue inhibits)",
        "Layer 2 (conv:6x3x3,pool:2): each kernel's mean over its 4 input maps, 3 x 3 "
        "(red excites, blue inhibits)",
    ]
    assert SMALL in figure.get_suptitle()


def test_the_feature_maps_follow_the_image_in_grey_from_zero_to_each_layers_highest() -> None:
    network = ConvNetwork(SMALL, seed=1)
    image = np.random.default_rng(0).integers(0, 256, 784).astype(np.uint8)
    figure = plots.feature_maps_figure(network, image, title="noise")
    images = images_of(figure)
    maps = feature_maps(network, image)
    assert len(images) == 1 + 4 + 6
    np.testing.assert_allclose(images[0].get_array(), image.reshape(28, 28) / 255)
    drawn = iter(images[1:])
    for layer in maps:
        for f in range(layer.shape[2]):
            shown = next(drawn)
            np.testing.assert_array_equal(shown.get_array(), layer[:, :, f].astype(np.float64))
            assert shown.get_cmap().name == "gray"
            assert (shown.norm.vmin, shown.norm.vmax) == (0.0, pytest.approx(layer.max()))
    assert titles_of(figure)[0] == "The input: noise, 28 x 28"
    assert titles_of(figure)[2].startswith("Layer 2 (conv:6x3x3,pool:2): 6 maps of 5 x 5, black")


def test_a_network_without_conv_layers_and_a_bad_image_are_one_line_errors() -> None:
    with pytest.raises(ConfigError, match="has no conv layer"):
        plots.conv_filters(ConvNetwork("fc:10,softmax:10", seed=0))
    with pytest.raises(ConfigError, match="one image of 784 pixels"):
        plots.feature_maps_figure(ConvNetwork(SMALL, seed=0), np.zeros(783))


def test_the_book_networks_figures_save_as_pngs_of_a_readable_size(tmp_path: Path) -> None:
    network = ConvNetwork("conv:20x5x5,pool:2,conv:40x5x5,pool:2,fc:100,softmax:10", seed=0)
    for name, figure in (
        ("filters", plots.conv_filters(network)),
        ("maps", plots.feature_maps_figure(network, np.zeros(784))),
    ):
        path = plots.save_figure(figure, tmp_path / f"{name}.png")
        with Image.open(path) as picture:
            width, height = picture.size
        assert 1000 <= width <= 2000 and 300 <= height <= 1000, (name, picture.size)
