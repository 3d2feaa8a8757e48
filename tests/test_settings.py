import dataclasses
import inspect
import math
import re

import pytest

from digitnet.errors import ConfigError
from digitnet.settings import LIMITS, Range, TrainingSettings
from digitnet.training import sgd

CALLBACKS = {"monitor", "on_batch", "on_epoch", "should_stop"}


def test_sgd_takes_every_setting_as_a_typed_keyword_with_the_same_default():
    parameters = inspect.signature(sgd).parameters
    keywords = {n: p for n, p in parameters.items() if p.kind is p.KEYWORD_ONLY}
    fields = {f.name: f for f in dataclasses.fields(TrainingSettings)}
    assert set(keywords) - CALLBACKS == set(fields)
    for name, field in fields.items():
        assert keywords[name].default == field.default, name
        assert keywords[name].annotation == field.type, name


@pytest.mark.parametrize(("name", "limits"), LIMITS.items())
def test_each_limit_is_enforced_by_the_settings_at_both_ends(name, limits):
    inside = limits.low + (1e-3 if limits.low_open else 0)
    TrainingSettings(**{name: inside})
    with pytest.raises(ConfigError, match=f"{name} must be a finite number"):
        TrainingSettings(**{name: limits.low - 1})
    beyond = limits.high if limits.high_open else (limits.high * 2 if limits.high != 0 else 1)
    if math.isfinite(limits.high):
        with pytest.raises(ConfigError, match=re.escape(limits.describe())):
            TrainingSettings(**{name: beyond})


@pytest.mark.parametrize(
    ("limits", "text"),
    [
        (Range(0, low_open=True), "above 0"),
        (Range(0, 1, high_open=True), "at least 0 and below 1"),
        (Range(0, 1e3), "at least 0 and at most 1000"),
    ],
)
def test_a_range_describes_itself_as_its_messages_say(limits, text):
    assert limits.describe() == text


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 10**400, True, "3"])
def test_non_numbers_and_non_finite_rates_are_refused(value):
    with pytest.raises(ConfigError, match="learning_rate"):
        TrainingSettings(learning_rate=value)
