"""Perceptrons, the NAND circuits built from them, and Rosenblatt's learning rule.

A perceptron with weights ``w`` and bias ``b`` outputs ``1 if w.x + b > 0 else 0``.
NAND (``w = (-2, -2)``, ``b = 3``) is universal: the half adder, full adder and ripple-carry
adder below are wired from NAND evaluations only (Nielsen, chapter 1).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from digitnet.errors import ConfigError

MAX_TRUTH_TABLE_INPUTS = 16  # 2**16 rows is already more than anyone reads


@dataclass(frozen=True, eq=False)
class Perceptron:
    """A perceptron: ``output = 1 if w.x + b > 0 else 0``.

    Parameters
    ----------
    weights : array_like, shape (n_inputs,)
        One weight per input; stored as a read-only float array.
    bias : float
        Minus the threshold: how easy it is to get the perceptron to fire.
    name : str
        Used as the output's column name in a truth table.
    """

    weights: NDArray[np.float64]
    bias: float
    name: str = "perceptron"

    def __post_init__(self) -> None:
        weights = np.array(self.weights, dtype=np.float64)
        if weights.ndim != 1 or weights.size == 0 or not np.all(np.isfinite(weights)):
            raise ConfigError(
                f"perceptron weights must be a non-empty finite 1-D array, got {weights!r}"
            )
        weights.flags.writeable = False
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "bias", float(self.bias))

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(f"x{i}" for i in range(1, self.weights.size + 1))

    @property
    def output_names(self) -> tuple[str, ...]:
        return (self.name,)

    def output(self, inputs: Sequence[float]) -> int:
        """Return 1 if ``w.x + b > 0`` else 0 for one input tuple ``x``."""
        x = np.asarray(inputs, dtype=np.float64)
        if x.shape != self.weights.shape:
            raise ConfigError(f"{self.name} takes {self.weights.size} inputs, got {inputs!r}")
        return int(self.weights @ x + self.bias > 0)

    def __call__(self, *inputs: float) -> int:
        return self.output(inputs)

    def outputs(self, X: ArrayLike) -> NDArray[np.int64]:
        """Outputs for every row of ``X``, shape (n_examples, n_inputs) -> (n_examples,)."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.weights.size:
            raise ConfigError(
                f"{self.name} needs inputs of shape (n_examples, {self.weights.size}), "
                f"got {X.shape}"
            )
        return (X @ self.weights + self.bias > 0).astype(np.int64)


AND = Perceptron(np.array([2.0, 2.0]), -3.0, "AND")
OR = Perceptron(np.array([2.0, 2.0]), -1.0, "OR")
NOT = Perceptron(np.array([-2.0]), 1.0, "NOT")
NAND = Perceptron(np.array([-2.0, -2.0]), 3.0, "NAND")


class Gate(NamedTuple):
    """One perceptron in a circuit: the signal it drives and the signals it reads."""

    output: str
    perceptron: Perceptron
    inputs: tuple[str, ...]


@dataclass(frozen=True)
class Circuit:
    """Perceptrons evaluated in order, each reading circuit inputs or earlier gates' outputs.

    ``circuit(*bits)`` takes one bit per name in ``input_names`` and returns the signals
    named in ``output_names``.
    """

    name: str
    input_names: tuple[str, ...]
    gates: tuple[Gate, ...]
    output_names: tuple[str, ...]

    def __post_init__(self) -> None:
        defined = set(self.input_names)
        for gate in self.gates:
            fits = len(gate.inputs) == gate.perceptron.weights.size
            if not (fits and set(gate.inputs) <= defined) or gate.output in defined:
                raise ConfigError(f"{self.name}: gate {gate.output!r} is miswired: {gate.inputs!r}")
            defined.add(gate.output)
        if unknown := [s for s in self.output_names if s not in defined]:
            raise ConfigError(f"{self.name}: outputs {unknown!r} are not driven by any gate")

    def __call__(self, *inputs: int) -> tuple[int, ...]:
        """Evaluate every gate in order and return the output bits."""
        if len(inputs) != len(self.input_names) or any(x not in (0, 1) for x in inputs):
            raise ConfigError(
                f"{self.name} takes {len(self.input_names)} bits {self.input_names}, got {inputs!r}"
            )
        signals = dict(zip(self.input_names, inputs, strict=True))
        for gate in self.gates:
            signals[gate.output] = gate.perceptron.output([signals[s] for s in gate.inputs])
        return tuple(signals[s] for s in self.output_names)


def _nand(output: str, *inputs: str) -> Gate:
    return Gate(output, NAND, inputs)


def xor_circuit() -> Circuit:
    """``x1 XOR x2`` from four NANDs (the half adder without its carry gate)."""
    gates = (
        _nand("n1", "x1", "x2"),
        _nand("n2", "x1", "n1"),
        _nand("n3", "x2", "n1"),
        _nand("XOR", "n2", "n3"),
    )
    return Circuit("XOR", ("x1", "x2"), gates, ("XOR",))


def half_adder() -> Circuit:
    """The book's five-NAND half adder: ``sum = x1 XOR x2``, ``carry = x1 AND x2``."""
    gates = (
        _nand("n1", "x1", "x2"),
        _nand("n2", "x1", "n1"),
        _nand("n3", "x2", "n1"),
        _nand("sum", "n2", "n3"),
        _nand("carry", "n1", "n1"),  # NAND(n, n) = NOT n: the book's single weight of -4
    )
    return Circuit("half adder", ("x1", "x2"), gates, ("sum", "carry"))


def full_adder() -> Circuit:
    """Nine NANDs: ``sum = a XOR b XOR c``, ``carry_out = ab OR c(a XOR b)``."""
    gates = (
        *_inline(xor_circuit(), ("a", "b"), ("a_xor_b",), "ab."),
        _nand("n4", "a_xor_b", "carry_in"),
        _nand("n5", "a_xor_b", "n4"),
        _nand("n6", "carry_in", "n4"),
        _nand("sum", "n5", "n6"),
        _nand("carry_out", "n4", "ab.n1"),  # NOT(n4 AND n1) = (a XOR b) c OR ab
    )
    return Circuit("full adder", ("a", "b", "carry_in"), gates, ("sum", "carry_out"))


def _inline(
    circuit: Circuit, inputs: Sequence[str], outputs: Sequence[str], prefix: str
) -> tuple[Gate, ...]:
    """Copy ``circuit``'s gates wired to ``inputs``, outputs renamed, inner signals prefixed."""
    names = dict(zip(circuit.input_names, inputs, strict=True))
    names |= dict(zip(circuit.output_names, outputs, strict=True))
    gates = []
    for gate in circuit.gates:
        names.setdefault(gate.output, prefix + gate.output)
        wired = tuple(names[s] for s in gate.inputs)
        gates.append(Gate(names[gate.output], gate.perceptron, wired))
    return tuple(gates)


def ripple_carry_adder(n_bits: int) -> Circuit:
    """Add two ``n_bits`` numbers: inputs ``a0..``, ``b0..`` and outputs ``s0..s{n_bits}``.

    Bit 0 is the least significant; bit 0 uses a half adder, every other bit a full adder
    fed by the previous carry, and the last carry is the top sum bit.
    """
    if n_bits < 1:
        raise ConfigError(f"an adder needs at least 1 bit, got n_bits={n_bits}")
    a, b = [f"a{i}" for i in range(n_bits)], [f"b{i}" for i in range(n_bits)]
    sums = [f"s{i}" for i in range(n_bits + 1)]
    carry = sums[-1] if n_bits == 1 else "c1"
    gates = _inline(half_adder(), (a[0], b[0]), (sums[0], carry), "bit0.")
    for i in range(1, n_bits):
        carry_out = sums[-1] if i == n_bits - 1 else f"c{i + 1}"
        ins, outs = (a[i], b[i], carry), (sums[i], carry_out)
        gates += _inline(full_adder(), ins, outs, f"bit{i}.")
        carry = carry_out
    return Circuit(f"{n_bits}-bit adder", (*a, *b), gates, tuple(sums))


def add_bits(a: int, b: int, n_bits: int = 8) -> int:
    """``a + b`` computed by a NAND-only ripple-carry adder on ``n_bits``-bit numbers."""
    for value in (a, b):
        if not 0 <= value < 2**n_bits:
            raise ConfigError(f"{value} does not fit in {n_bits} unsigned bits")
    bits = [(x >> i) & 1 for x in (a, b) for i in range(n_bits)]
    return sum(bit << i for i, bit in enumerate(ripple_carry_adder(n_bits)(*bits)))


Logic = Perceptron | Circuit
TruthTable = list[tuple[tuple[int, ...], tuple[int, ...]]]


def truth_table(logic: Logic) -> TruthTable:
    """Rows ``(inputs, outputs)`` for every 0/1 input combination, counting up in binary."""
    n_inputs = len(logic.input_names)
    if n_inputs > MAX_TRUTH_TABLE_INPUTS:
        raise ConfigError(f"{logic.name} has {n_inputs} inputs; a truth table allows at most 16")
    rows = []
    for bits in itertools.product((0, 1), repeat=n_inputs):
        out = (logic(*bits),) if isinstance(logic, Perceptron) else logic(*bits)
        rows.append((bits, out))
    return rows


def format_truth_table(logic: Logic) -> str:
    """The truth table as plain text: a header of signal names, a rule, one line per row."""
    names = (*logic.input_names, "|", *logic.output_names)
    widths = [len(name) for name in names]
    lines = [" ".join(names), "-" * (sum(widths) + len(widths) - 1)]
    for inputs, outputs in truth_table(logic):
        cells = (*map(str, inputs), "|", *map(str, outputs))
        lines.append(" ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True)))
    return "\n".join(lines)


@dataclass(frozen=True)
class LearningResult:
    """What the perceptron learning rule ended with.

    Attributes
    ----------
    perceptron : Perceptron
        The final weights and bias; they reproduce every target when ``converged``.
    epochs : int
        Passes made over the examples.
    converged : bool
        True when a whole epoch made no mistake.
    errors : tuple of int
        Misclassified examples (hence updates) in each epoch.
    reason : str
        One line saying why learning stopped.
    """

    perceptron: Perceptron
    epochs: int
    converged: bool
    errors: tuple[int, ...]
    reason: str


def learn_perceptron(
    inputs: ArrayLike,
    targets: ArrayLike,
    *,
    learning_rate: float = 1.0,
    max_epochs: int = 100,
    rng_or_seed: np.random.Generator | int | None = None,
) -> LearningResult:
    """Rosenblatt's rule from zero weights: ``w += eta (t - y) x``, ``b += eta (t - y)``.

    Parameters
    ----------
    inputs : array_like, shape (n_examples, n_inputs)
    targets : array_like of 0/1, shape (n_examples,)
    learning_rate : float > 0
    max_epochs : int >= 1
        A backstop; in order, boolean data cycles (or converges) long before it.
    rng_or_seed : numpy.random.Generator, int or None
        None presents the examples in order; otherwise they are reshuffled every epoch.

    Returns
    -------
    LearningResult

    Notes
    -----
    Learning stops at the first epoch without a mistake, which the convergence theorem
    promises when the data is linearly separable. In order, one epoch is a fixed map from
    the state ``(w, b)`` to the next, so a repeated state means the rule loops forever with
    mistakes in every epoch: the data is not linearly separable. Shuffled runs lack that
    proof and stop at ``max_epochs``.
    """
    X, t = _validate_examples(inputs, targets)
    if not (np.isfinite(learning_rate) and learning_rate > 0):
        raise ConfigError(f"learning_rate must be a positive number, got {learning_rate}")
    if not isinstance(max_epochs, int) or max_epochs < 1:
        raise ConfigError(f"max_epochs must be at least 1, got {max_epochs}")
    rng = None if rng_or_seed is None else np.random.default_rng(rng_or_seed)
    weights, bias = np.zeros(X.shape[1]), 0.0
    seen = {(*weights.tolist(), bias): 0}  # state at each epoch boundary -> epoch
    errors: list[int] = []

    def result(converged: bool, reason: str) -> LearningResult:
        learned = Perceptron(weights, bias, "learned")
        return LearningResult(learned, len(errors), converged, tuple(errors), reason)

    for epoch in range(1, max_epochs + 1):
        order = range(len(t)) if rng is None else rng.permutation(len(t))
        mistakes = 0
        for i in order:
            error = t[i] - int(X[i] @ weights + bias > 0)  # t - y, in {-1, 0, 1}
            if error:
                weights += learning_rate * error * X[i]
                bias += learning_rate * error
                mistakes += 1
        errors.append(mistakes)
        if mistakes == 0:
            return result(True, f"every example classified correctly in epoch {epoch}")
        state = (*weights.tolist(), bias)
        if rng is None and state in seen:
            return result(
                False,
                f"not linearly separable: after epoch {epoch} the weights returned to "
                f"their state after epoch {seen[state]}",
            )
        seen[state] = epoch
    return result(False, f"no error-free epoch within max_epochs={max_epochs}")


def learn_truth_table(logic: Logic, **options: Any) -> LearningResult:
    """The learning rule on ``logic``'s own truth table: can one perceptron compute it?

    ``logic`` (a gate, or a circuit such as :func:`xor_circuit`) must have one output; the
    examples are its input rows in binary order and the targets its outputs. ``options`` go
    to :func:`learn_perceptron`.
    """
    if len(logic.output_names) != 1:
        raise ConfigError(
            f"{logic.name} has {len(logic.output_names)} outputs; a perceptron learns one"
        )
    rows = truth_table(logic)
    inputs = np.array([row_inputs for row_inputs, _ in rows])
    targets = np.array([outputs[0] for _, outputs in rows])
    return learn_perceptron(inputs, targets, **options)


def learning_demo() -> list[tuple[str, LearningResult]]:
    """The rule on AND, OR and NAND, which it learns, and on XOR, which no perceptron computes.

    Returns ``(name, result)`` pairs in that order, as ``digitnet gates`` shows them.
    """
    return [(logic.name, learn_truth_table(logic)) for logic in (AND, OR, NAND, xor_circuit())]


def _validate_examples(
    inputs: ArrayLike, targets: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    X = np.asarray(inputs, dtype=np.float64)
    t = np.asarray(targets)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ConfigError(f"inputs must have shape (n_examples, n_inputs), got {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ConfigError("inputs must be finite numbers, got NaN or infinity")
    if t.shape != (X.shape[0],):
        raise ConfigError(f"targets must have shape ({X.shape[0]},) to match inputs, got {t.shape}")
    if not np.all((t == 0) | (t == 1)):
        raise ConfigError(f"targets must be 0 or 1, got {np.unique(t)!r}")
    return X, t.astype(np.int64)
