"""Reading a conv network's layers from text, and refusing bad text in one line."""

import pytest

from digitnet.conv.spec import Conv, Dense, format_layers, parse_layers
from digitnet.errors import ConfigError

BOOK = "conv:20x5x5,pool:2,conv:40x5x5,pool:2,fc:100,softmax:10"


def test_the_books_network_reads_and_writes_back():
    layers = parse_layers(BOOK)
    assert layers == (Conv(20, 5, "valid", 2), Conv(40, 5, "valid", 2), Dense(100), Dense(10, True))
    assert format_layers(layers) == BOOK
    assert parse_layers("conv:8x3x3:same, softmax:10") == (Conv(8, 3, "same"), Dense(10, True))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "layers must be a spec"),
        ("conv:20x5x5,fc:100", "must end with the output layer"),
        ("conv:20x5x4,softmax:10", "kernels are square"),
        ("pool:2,softmax:10", "pooling follows a conv layer"),
        ("conv:2x3x3,pool:2,pool:2,softmax:10", "pooling follows a conv layer, once"),
        ("fc:10,conv:2x3x3,softmax:10", "conv layers come before fc layers"),
        ("softmax:10,softmax:10", "softmax is the output layer"),
        ("conv:0x3x3,softmax:10", "maps must be from 1"),
        ("conv:2x99x99,softmax:10", "kernel size must be from 1 to 28"),
        ("fc:1000000,softmax:10", "neurons must be from 1"),
        ("conv:2x3x3:full,softmax:10", "not one of conv:FxKxK"),
        ("dense:10,softmax:10", "not one of conv:FxKxK"),
    ],
)
def test_a_bad_spec_is_one_line_naming_the_fault(text, message):
    with pytest.raises(ConfigError, match=message) as caught:
        parse_layers(text)
    assert "\n" not in str(caught.value)
