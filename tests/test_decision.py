"""decide(): the digit, its activation named for what it is, and when it is marked unsure."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from digitnet.decision import FIRING_LEVEL, RUNNER_UP_SHARE, decide, top
from digitnet.errors import ConfigError


def outputs(**active: float) -> np.ndarray:
    """Ten activations of 0.01, with ``d3=0.9`` setting digit 3's to 0.9."""
    a = np.full(10, 0.01)
    for name, value in active.items():
        a[int(name[1:])] = value
    return a


def test_a_clear_winner_is_sure() -> None:
    decision = decide(outputs(d7=0.95, d1=0.2))
    assert decision.digit == 7 and not decision.unsure and decision.reason is None


def test_the_value_shown_is_the_winning_activation_not_a_share_of_the_ten() -> None:
    decision = decide(outputs(d4=0.32, d1=0.1))
    assert decision.activation == 0.32 and decision.label == "output activation"
    assert decision.shown() == "4 (output activation 0.32)"


def test_only_a_softmax_output_is_called_a_probability() -> None:
    a = np.array([0.1, 0.76, 0.14])
    decision = decide(a, output_activation="softmax")
    assert decision.activation == 0.76 and decision.label == "softmax probability"
    assert decision.shown() == "1 (softmax probability 0.76)"
    assert decide([0.000023, 0.999977], output_activation="softmax").shown() == (
        "1 (softmax probability > 0.99)"
    )
    assert decide([0.0, 1.0], output_activation="softmax").shown().endswith("1.00)")


def test_no_output_firing_is_unsure_and_says_so() -> None:
    decision = decide(outputs(d2=FIRING_LEVEL - 0.01))
    assert decision.digit == 2 and decision.unsure
    assert decision.reason is not None and "no output fires" in decision.reason
    assert "0.49" in decision.reason


def test_a_close_runner_up_is_unsure_and_named() -> None:
    decision = decide(outputs(d3=0.8, d5=0.8 * RUNNER_UP_SHARE + 0.01))
    assert decision.digit == 3 and decision.unsure
    assert decision.reason is not None and decision.reason.startswith("5 is close behind")


def test_a_runner_up_at_exactly_the_share_is_not_close() -> None:
    assert not decide(outputs(d3=0.8, d5=0.8 * RUNNER_UP_SHARE)).unsure


def test_a_tie_goes_to_the_lower_digit_as_predict_does() -> None:
    decision = decide(outputs(d6=0.9, d2=0.9))
    assert decision.digit == 2 and decision.unsure and "6 is close behind" in str(decision.reason)


def test_all_zero_outputs_do_not_divide_by_zero() -> None:
    decision = decide(np.zeros(10))
    assert decision.digit == 0 and decision.activation == 0.0 and decision.unsure


@pytest.mark.parametrize(
    "bad", [np.ones((2, 10)), np.ones(1), [], np.array([0.5, np.nan]), [0.1, np.inf]]
)
def test_malformed_outputs_are_a_config_error(bad: object) -> None:
    with pytest.raises(ConfigError, match="outputs"):
        decide(bad)  # type: ignore[arg-type]


@given(arrays(np.float64, 10, elements=st.floats(0, 1)))
def test_decision_agrees_with_argmax_and_the_rule(a: np.ndarray) -> None:
    decision = decide(a)
    assert decision.digit == int(np.argmax(a))
    assert decision.activation == a.max()
    second = np.sort(a)[-2]
    expected = a.max() < FIRING_LEVEL or second > RUNNER_UP_SHARE * a.max()
    assert decision.unsure == expected
    assert (decision.reason is not None) == decision.unsure


def test_the_preprocessings_doubt_makes_a_firm_answer_unsure() -> None:
    firm = [0.01, 0.98, 0.02, 0, 0, 0, 0, 0, 0, 0]
    assert not decide(firm).unsure
    decision = decide(firm, doubt="the ink is 500 times wider than tall")
    assert decision.unsure and decision.digit == 1
    assert decision.reason == "the ink is 500 times wider than tall"


def test_top_ranks_the_most_active_first_and_a_tie_lower_digit_first() -> None:
    a = outputs(d6=0.9, d2=0.9, d8=0.3)
    assert top(a, 3) == [(2, 0.9), (6, 0.9), (8, 0.3)]
    assert top(a, 1)[0][0] == decide(a).digit
