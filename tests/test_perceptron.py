import itertools

import numpy as np
import pytest

from digitnet.errors import ConfigError
from digitnet.perceptron import (
    AND,
    NAND,
    NOT,
    OR,
    Circuit,
    Gate,
    Perceptron,
    add_bits,
    format_truth_table,
    full_adder,
    half_adder,
    learn_perceptron,
    learn_truth_table,
    learning_demo,
    ripple_carry_adder,
    truth_table,
    xor_circuit,
)

BIT_PAIRS = [(0, 0), (0, 1), (1, 0), (1, 1)]


@pytest.mark.parametrize(
    ("gate", "expected"),
    [
        (AND, [0, 0, 0, 1]),
        (OR, [0, 1, 1, 1]),
        (NAND, [1, 1, 1, 0]),
    ],
)
def test_two_input_gates_match_their_truth_tables(gate, expected):
    assert truth_table(gate) == [(pair, (y,)) for pair, y in zip(BIT_PAIRS, expected, strict=True)]


def test_not_inverts_its_input():
    assert truth_table(NOT) == [((0,), (1,)), ((1,), (0,))]


def test_nand_has_the_books_weights_and_bias():
    assert NAND.weights.tolist() == [-2.0, -2.0]
    assert NAND.bias == 3.0


def test_call_and_vectorised_outputs_agree():
    X = np.array(BIT_PAIRS)
    for gate in (AND, OR, NAND):
        assert gate.outputs(X).tolist() == [gate(*row) for row in BIT_PAIRS]


def test_perceptron_weights_are_read_only():
    with pytest.raises(ValueError, match="read-only"):
        NAND.weights[0] = 5.0


def test_xor_from_nand_is_exclusive_or():
    assert [xor_circuit()(a, b) for a, b in BIT_PAIRS] == [(a ^ b,) for a, b in BIT_PAIRS]


def test_nand_half_adder_adds_two_bits():
    for (a, b), (total, carry) in truth_table(half_adder()):
        assert total + 2 * carry == a + b


def test_half_adder_uses_the_books_five_nands():
    assert len(half_adder().gates) == 5


def test_nand_full_adder_adds_three_bits():
    rows = truth_table(full_adder())
    assert len(rows) == 8
    for (a, b, carry_in), (total, carry_out) in rows:
        assert total + 2 * carry_out == a + b + carry_in


def test_ripple_carry_adder_adds_every_pair_of_4_bit_numbers():
    for a, b in itertools.product(range(16), repeat=2):
        assert add_bits(a, b, 4) == a + b


def test_ripple_carry_adder_truth_table_is_binary_addition():
    adder = ripple_carry_adder(2)
    assert adder.input_names == ("a0", "a1", "b0", "b1")
    for (a0, a1, b0, b1), sums in truth_table(adder):
        assert sum(bit << i for i, bit in enumerate(sums)) == (a0 + 2 * a1) + (b0 + 2 * b1)


def test_one_bit_adder_is_a_half_adder():
    assert [ripple_carry_adder(1)(a, b) for a, b in BIT_PAIRS] == [(0, 0), (1, 0), (1, 0), (0, 1)]


@pytest.mark.parametrize(
    "circuit",
    [xor_circuit(), half_adder(), full_adder(), ripple_carry_adder(4)],
    ids=lambda c: c.name,
)
def test_circuits_evaluate_only_nand_perceptrons(circuit):
    assert circuit.gates
    assert all(gate.perceptron is NAND for gate in circuit.gates)


def test_circuit_evaluates_its_gates_perceptrons():
    inverter = Circuit("inverter", ("x",), (Gate("y", NAND, ("x", "x")),), ("y",))
    or_instead = Circuit("or", ("x",), (Gate("y", OR, ("x", "x")),), ("y",))
    assert [inverter(0), inverter(1)] == [(1,), (0,)]
    assert [or_instead(0), or_instead(1)] == [(0,), (1,)]


def test_format_truth_table_has_a_header_and_one_row_per_input_combination():
    lines = format_truth_table(half_adder()).splitlines()
    assert lines[0].split() == ["x1", "x2", "|", "sum", "carry"]
    assert len(lines) == 2 + 4
    assert lines[-1].split() == ["1", "1", "|", "0", "1"]


def test_format_truth_table_of_a_gate_names_its_output():
    lines = format_truth_table(NAND).splitlines()
    assert lines[0].split() == ["x1", "x2", "|", "NAND"]
    assert [line.split()[-1] for line in lines[2:]] == ["1", "1", "1", "0"]


@pytest.mark.parametrize("gate", [AND, OR, NAND], ids=lambda gate: gate.name)
@pytest.mark.parametrize("rng_or_seed", [None, 0])
def test_learning_rule_learns_linearly_separable_gates(gate, rng_or_seed):
    targets = gate.outputs(BIT_PAIRS).tolist()
    result = learn_perceptron(BIT_PAIRS, targets, rng_or_seed=rng_or_seed)
    assert result.converged, result.reason
    assert result.errors[-1] == 0
    assert result.perceptron.outputs(BIT_PAIRS).tolist() == targets


def test_learning_rule_reports_xor_not_separable_in_finitely_many_epochs():
    result = learn_perceptron(BIT_PAIRS, [0, 1, 1, 0], max_epochs=1000)
    assert not result.converged
    assert result.epochs < 1000
    assert result.reason.startswith("not linearly separable")
    assert all(errors > 0 for errors in result.errors)


def test_shuffled_learning_on_xor_stops_at_max_epochs():
    result = learn_perceptron(BIT_PAIRS, [0, 1, 1, 0], max_epochs=20, rng_or_seed=1)
    assert not result.converged
    assert result.epochs == 20
    assert "max_epochs=20" in result.reason


def test_learning_with_the_same_seed_is_repeatable():
    runs = [learn_perceptron(BIT_PAIRS, [0, 0, 0, 1], rng_or_seed=7) for _ in range(2)]
    assert runs[0].errors == runs[1].errors
    assert runs[0].perceptron.weights.tolist() == runs[1].perceptron.weights.tolist()


@pytest.mark.parametrize("inputs", [(1,), (1, 0, 1)])
def test_wrong_number_of_inputs_to_a_gate_is_a_config_error(inputs):
    with pytest.raises(ConfigError, match="NAND takes 2 inputs"):
        NAND(*inputs)


def test_wrong_shape_for_vectorised_outputs_is_a_config_error():
    with pytest.raises(ConfigError, match=r"\(4, 3\)"):
        AND.outputs(np.zeros((4, 3)))


@pytest.mark.parametrize("inputs", [(1,), (1, 0, 1), (2, 0)])
def test_wrong_inputs_to_a_circuit_are_a_config_error(inputs):
    with pytest.raises(ConfigError, match="half adder takes 2 bits"):
        half_adder()(*inputs)


def test_miswired_circuit_is_a_config_error():
    with pytest.raises(ConfigError, match="'y' is miswired"):
        Circuit("bad", ("x",), (Gate("y", NAND, ("x", "later")),), ("y",))


def test_empty_weights_are_a_config_error():
    with pytest.raises(ConfigError, match="weights"):
        Perceptron(np.array([]), 0.0)


@pytest.mark.parametrize(("a", "b"), [(16, 0), (0, -1)])
def test_add_bits_rejects_numbers_that_do_not_fit(a, b):
    with pytest.raises(ConfigError, match="does not fit in 4 unsigned bits"):
        add_bits(a, b, 4)


@pytest.mark.parametrize(
    ("inputs", "targets", "kwargs", "match"),
    [
        (BIT_PAIRS, [0, 1, 1, 2], {}, "targets must be 0 or 1"),
        (BIT_PAIRS, [0, 1, 1], {}, r"targets must have shape \(4,\)"),
        ([0, 1, 1, 0], [0, 1, 1, 0], {}, "inputs must have shape"),
        (BIT_PAIRS, [0, 0, 0, 1], {"learning_rate": 0.0}, "learning_rate"),
        (BIT_PAIRS, [0, 0, 0, 1], {"max_epochs": 0}, "max_epochs"),
    ],
)
def test_learning_rule_rejects_bad_settings(inputs, targets, kwargs, match):
    with pytest.raises(ConfigError, match=match):
        learn_perceptron(inputs, targets, **kwargs)


@pytest.mark.parametrize("gate", [AND, OR, NAND], ids=lambda gate: gate.name)
def test_learning_a_truth_table_reproduces_the_gate(gate):
    result = learn_truth_table(gate)
    assert result.converged, result.reason
    assert result.perceptron.outputs(BIT_PAIRS).tolist() == gate.outputs(BIT_PAIRS).tolist()


def test_learning_the_xor_circuits_table_finds_it_not_separable():
    result = learn_truth_table(xor_circuit())
    expected = learn_perceptron(BIT_PAIRS, [0, 1, 1, 0])
    assert not result.converged and result.reason.startswith("not linearly separable")
    assert result.errors == expected.errors and result.reason == expected.reason


def test_a_truth_table_with_two_outputs_cannot_be_learned():
    with pytest.raises(ConfigError, match="half adder has 2 outputs"):
        learn_truth_table(half_adder())


def test_learning_demo_learns_and_or_nand_but_not_xor():
    demo = learning_demo()
    assert [name for name, _ in demo] == ["AND", "OR", "NAND", "XOR"]
    assert [result.converged for _, result in demo] == [True, True, True, False]
    and_gate = demo[0][1].perceptron
    assert and_gate.outputs(BIT_PAIRS).tolist() == [0, 0, 0, 1]
