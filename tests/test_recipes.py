import pytest

from digitnet.errors import ConfigError
from digitnet.recipes import PRESETS, Recipe, recipe


def test_the_book_recipe_is_chapter_ones_experiment():
    book = recipe("book", seed=1)
    assert book.sizes == (784, 30, 10) and book.activation == "sigmoid" and book.init == "normal"
    assert (book.settings.epochs, book.settings.mini_batch_size) == (30, 10)
    assert book.settings.learning_rate == 3.0 and book.settings.cost == "quadratic"
    net = book.build()
    assert net.sizes == (784, 30, 10) and net.output_activation.name == "sigmoid"


def test_overrides_reach_the_network_and_the_settings():
    r = recipe("best", sizes=[784, 50, 10], dtype="float64", epochs=2, momentum=0.5, seed=3)
    assert r.sizes == (784, 50, 10) and r.dtype == "float64" and r.activation == "relu"
    assert r.settings.epochs == 2 and r.settings.momentum == 0.5 and r.settings.nesterov
    net = r.build()
    assert net.output_activation.name == "softmax"  # the log-likelihood cost of the preset
    assert net.dtype.__name__ == "float64"


def test_the_same_seed_builds_the_same_network():
    a, b = recipe(seed=7).build(), recipe(seed=7).build()
    assert all((x == y).all() for x, y in zip(a.weights, b.weights))


def test_a_preset_is_not_changed_by_overriding_it():
    recipe("book", epochs=1, sizes=(784, 10))
    assert PRESETS["book"].settings.epochs == 30 and PRESETS["book"].sizes == (784, 30, 10)


@pytest.mark.parametrize(
    ("preset", "overrides", "message"),
    [
        ("fast", {}, "preset must be one of book, best"),
        ("book", {"colour": "red"}, "unknown setting 'colour'"),
        ("book", {"activation": "step"}, "activation must be one of"),
        ("book", {"init": "zeros"}, "init must be one of"),
        ("book", {"dtype": "float16"}, "dtype must be one of"),
        ("book", {"sizes": (784, 0, 10)}, "positive integers"),
        ("book", {"learning_rate": 2e6}, "learning_rate must be a finite number"),
    ],
)
def test_a_bad_recipe_is_one_config_error(preset, overrides, message):
    with pytest.raises(ConfigError, match=message):
        recipe(preset, **overrides)


def test_a_recipe_is_checked_when_made_directly():
    with pytest.raises(ConfigError, match="activation"):
        Recipe((784, 10), activation="softmax")


def test_the_conv_preset_is_the_books_best_single_network():
    conv = recipe("conv", seed=1)
    assert conv.layers == "conv:20x5x5,pool:2,conv:40x5x5,pool:2,fc:1000,fc:1000,softmax:10"
    assert conv.sizes == (784, 2880, 640, 1000, 1000, 10)
    s = conv.settings
    assert (s.epochs, s.mini_batch_size, s.learning_rate, s.dropout) == (40, 10, 0.03, 0.5)
    assert s.expand and s.cost == "log-likelihood" and conv.activation == "relu"
    assert conv.build().spec == conv.layers


def test_sizes_over_a_conv_preset_give_a_fully_connected_network():
    dense = recipe("conv-fast", sizes=(784, 30, 10))
    assert dense.layers is None and dense.build().sizes == (784, 30, 10)
    again = recipe("book", layers="conv:4x5x5,pool:2,softmax:10", cost="log-likelihood")
    assert again.sizes == (784, 576, 10)


def test_conv_best_trains_a_wider_chapter_6_network_within_15_minutes():
    best = recipe("conv-best", seed=1)
    assert best.layers == "conv:32x5x5,pool:2,conv:64x5x5,pool:2,fc:256,softmax:10"
    s = best.settings
    # The budget spans training and evaluation; start-up, compiling and saving need the rest.
    assert s.time_budget is not None and 15 * 60 - s.time_budget >= 60
    assert s.schedule == "cosine" and s.augment and s.clean_fraction == 0.5 and not s.dropout
    assert best.build().spec == best.layers
