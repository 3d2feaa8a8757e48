"""Conv models on disk: format version 2 beside version 1, which still loads."""

import json

import numpy as np
import pytest

from digitnet.conv.network import ConvNetwork
from digitnet.errors import ModelFileError
from digitnet.modelfile import CONV_FORMAT_VERSION, load, read_metadata, save
from digitnet.network import Network

SPEC = "conv:4x5x5,pool:2,conv:6x3x3:same,pool:2,fc:20,softmax:10"


def rewrite_metadata(path, change):
    with np.load(path) as archive:
        arrays = dict(archive)
    metadata = json.loads(arrays["metadata"].tobytes())
    change(metadata)
    arrays["metadata"] = np.frombuffer(json.dumps(metadata).encode(), dtype=np.uint8)
    np.savez(path, **arrays)


def test_a_conv_model_comes_back_as_it_was(tmp_path):
    net = ConvNetwork(SPEC, seed=0, activation="tanh")
    path = save(tmp_path / "conv.npz", net, parameter_sets={"best": net.weights + net.biases})
    metadata = read_metadata(path)
    assert metadata["format_version"] == CONV_FORMAT_VERSION == 2
    assert metadata["layers"] == SPEC and metadata["sizes"] == list(net.sizes)
    saved = load(path)
    assert isinstance(saved.network, ConvNetwork) and saved.network.spec == SPEC
    assert saved.network.hidden_activation.name == "tanh"
    x = np.random.default_rng(1).random((4, 784))
    np.testing.assert_array_equal(saved.network.feedforward(x), net.feedforward(x))
    assert [p.shape for p in saved.parameter_sets["best"]] == [
        p.shape for p in net.weights + net.biases
    ]


def test_a_fully_connected_model_is_still_written_and_read_as_version_1(tmp_path):
    path = save(tmp_path / "dense.npz", Network([784, 5, 10], seed=0))
    assert read_metadata(path)["format_version"] == 1
    assert "layers" not in read_metadata(path)
    assert load(path).network.sizes == (784, 5, 10)


def test_a_version_1_file_naming_layers_is_read_as_the_fully_connected_one(tmp_path):
    path = save(tmp_path / "dense.npz", Network([784, 5, 10], seed=0))
    rewrite_metadata(path, lambda m: m.update(layers="conv:2x5x5,softmax:10"))
    assert isinstance(load(path).network, Network)


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        (7, "bad conv layers 7"),
        ("conv:2x5x5", "bad conv layers .layers must end with the output layer"),
        ("conv:3x5x5,pool:2,conv:6x3x3:same,pool:2,fc:20,softmax:10", "weights_0"),
    ],
)
def test_a_damaged_conv_model_is_refused_in_one_line(tmp_path, layers, message):
    path = save(tmp_path / "conv.npz", ConvNetwork(SPEC, seed=0))
    rewrite_metadata(path, lambda m: m.update(layers=layers))
    with pytest.raises(ModelFileError, match=message) as caught:
        load(path)
    assert "\n" not in str(caught.value)


def test_a_newer_format_is_refused(tmp_path):
    path = save(tmp_path / "conv.npz", ConvNetwork(SPEC, seed=0))
    rewrite_metadata(path, lambda m: m.update(format_version=3))
    with pytest.raises(ModelFileError, match="format version 3 is newer"):
        load(path)
