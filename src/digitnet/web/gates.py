"""The perceptron playground's answers: one gate, and the NAND half adder signal by signal.

Both use :mod:`digitnet.perceptron` as ``digitnet gates`` does. A bad request is a
:class:`~digitnet.errors.ConfigError` (the server answers 422).
"""

from __future__ import annotations

from typing import Any

from digitnet.errors import ConfigError
from digitnet.perceptron import AND, NAND, NOT, OR, Perceptron, half_adder
from digitnet.web.params import is_int, json_object, reject_unknown

GATES = {gate.name: gate for gate in (AND, OR, NAND, NOT)}
HALF_ADDER_FIELDS = {"x1": 0, "x2": 0}


def check_bit(value: Any, name: str) -> int:
    if not is_int(value) or value not in (0, 1):
        raise ConfigError(f"{name} must be 0 or 1, got {value!r}")
    return int(value)


def gate_answer(body: Any) -> dict[str, Any]:
    """POST /api/gates: ``{"gate", "inputs"}`` -> the output and the sum ``z = w.x + b``.

    Returns
    -------
    dict
        ``{"output": 0 or 1, "weights": [...], "bias": b, "z": w.x + b}``.
    """
    request = json_object(body, "gate request")
    reject_unknown(request, {"gate": None, "inputs": None}, "gate request")
    name = request.get("gate")
    if not isinstance(name, str) or name not in GATES:
        raise ConfigError(f"gate must be one of {', '.join(GATES)}, got {name!r}")
    gate: Perceptron = GATES[name]
    inputs = request.get("inputs")
    n_inputs = gate.weights.size
    if not isinstance(inputs, list) or len(inputs) != n_inputs:
        raise ConfigError(f"{name} takes a list of {n_inputs} input bits, got {inputs!r}")
    bits = [check_bit(bit, f"{name} input {i + 1}") for i, bit in enumerate(inputs)]
    z = float(gate.weights @ bits + gate.bias)
    return {
        "output": gate.output(bits),
        "weights": gate.weights.tolist(),
        "bias": gate.bias,
        "z": z,
    }


def half_adder_answer(body: Any) -> dict[str, Any]:
    """POST /api/half-adder: ``{"x1", "x2"}`` -> the sum and carry bits and every gate.

    Returns
    -------
    dict
        ``{"sum", "carry", "gates": [{"name", "inputs", "sources", "output"}, ...]}``, the
        five NAND gates in order: ``inputs`` are the bits each reads from the signals
        named in ``sources``.
    """
    request = json_object(body, "half adder request")
    reject_unknown(request, HALF_ADDER_FIELDS, "half adder request")
    circuit = half_adder()
    signals = {name: check_bit(request.get(name), name) for name in circuit.input_names}
    gates = []
    for gate in circuit.gates:
        inputs = [signals[source] for source in gate.inputs]
        signals[gate.output] = gate.perceptron.output(inputs)
        gates.append(
            {
                "name": gate.output,
                "inputs": inputs,
                "sources": list(gate.inputs),
                "output": signals[gate.output],
            }
        )
    return {"sum": signals["sum"], "carry": signals["carry"], "gates": gates}
