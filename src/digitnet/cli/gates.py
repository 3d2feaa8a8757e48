"""``digitnet gates``: perceptrons as logic gates, NAND-only adders and the learning rule."""

from __future__ import annotations

import click

from digitnet.perceptron import (
    AND,
    NAND,
    NOT,
    OR,
    add_bits,
    format_truth_table,
    half_adder,
    learning_demo,
    ripple_carry_adder,
)

#: The sum `digitnet gates` works out with its NAND-only adder.
GATES_DEMO_BITS = 4
GATES_DEMO_SUM = (5, 9)


@click.command("gates")
def gates_command() -> None:
    """Perceptrons as logic gates: truth tables, NAND-only adders and the learning rule."""
    for gate in (AND, OR, NOT, NAND):
        weights = ", ".join(f"{w:g}" for w in gate.weights)
        click.echo(f"{gate.name}: weights ({weights}), bias {gate.bias:g}")
        click.echo(format_truth_table(gate))
        click.echo()
    click.echo("Half adder made only of NAND perceptrons (sum = x1 XOR x2, carry = x1 AND x2):")
    click.echo(format_truth_table(half_adder()))
    click.echo()
    n_gates = len(ripple_carry_adder(GATES_DEMO_BITS).gates)
    a, b = GATES_DEMO_SUM
    click.echo(
        f"A {GATES_DEMO_BITS}-bit adder of {n_gates} NAND perceptrons: "
        f"{a} + {b} = {add_bits(a, b, GATES_DEMO_BITS)}"
    )
    click.echo()
    click.echo("The perceptron learning rule, from each gate's truth table:")
    for name, result in learning_demo():
        if not result.converged:
            click.echo(f"  {name}: {result.reason}")
            continue
        learned = result.perceptron
        weights = ", ".join(f"{w:g}" for w in learned.weights)
        click.echo(
            f"  {name}: learned weights ({weights}), bias {learned.bias:g} "
            f"in {result.epochs} epochs"
        )
