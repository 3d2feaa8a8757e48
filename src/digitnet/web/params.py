"""Checking the JSON a page sends: to train (with the rules of ``digitnet train``'s
options), to ask a gate, to run the half adder.

Every mistake is a :class:`~digitnet.errors.ConfigError` whose one-line message names the
field and the value; the server answers it with 422.
"""

from __future__ import annotations

from typing import Any

from digitnet.data.mnist import MNIST_PIXELS, N_DIGITS, N_TRAINING
from digitnet.errors import ConfigError
from digitnet.network import validate_sizes
from digitnet.perceptron import AND, NAND, NOT, OR, Circuit, Perceptron
from digitnet.recipes import recipe
from digitnet.settings import fresh_seed
from digitnet.web.limits import MAX_RUN_SECONDS, MAX_WEIGHTS, check_training
from digitnet.web.training_run import DTYPE, TrainRequest
from digitnet.web.validation import check_bit, is_int, json_object, reject_unknown

#: The fields of POST /api/train and their defaults (those of `digitnet train`).
TRAIN_FIELDS: dict[str, Any] = {
    "sizes": [MNIST_PIXELS, 30, N_DIGITS],
    "learning_rate": 3.0,
    "mini_batch_size": 10,
    "epochs": 30,
    "training_size": None,
    "seed": None,
}
#: The gates POST /api/gates knows, by name.
GATES = {gate.name: gate for gate in (AND, OR, NAND, NOT)}
GATE_FIELDS = {"gate": None, "inputs": None}


def parse_train_request(body: Any) -> TrainRequest:
    """POST /api/train's JSON -> a TrainRequest; a missing or null field takes its default.

    The run ends after MAX_RUN_SECONDS (its ``time_budget``).

    Raises
    ------
    ConfigError
        If a field is unknown or out of range: sizes must start with 784 and end with 10,
        numbers must be positive, ``training_size`` at most 50,000, ``seed`` 0..2**32 - 1;
        or if the run is over a limit of :mod:`digitnet.web.limits` (epochs, mini-batch,
        work per step, memory).
    """
    fields = dict(TRAIN_FIELDS)
    given = json_object(body, "train request")
    reject_unknown(given, TRAIN_FIELDS, "train request")
    fields.update({k: v for k, v in given.items() if v is not None})
    chosen = recipe(  # the settings check every number against the core's limits
        "book",
        sizes=parse_sizes(fields["sizes"]),
        dtype=DTYPE,
        epochs=fields["epochs"],
        mini_batch_size=fields["mini_batch_size"],
        learning_rate=fields["learning_rate"],
        seed=fresh_seed() if fields["seed"] is None else fields["seed"],
        engine="auto",
        time_budget=MAX_RUN_SECONDS,
    )
    size = fields["training_size"]
    if size is not None and (not is_int(size) or not 1 <= size <= N_TRAINING):
        raise ConfigError(f"training_size must be an integer from 1 to {N_TRAINING}, got {size!r}")
    check_training(chosen, N_TRAINING if size is None else size)
    return TrainRequest(chosen, size)


def parse_sizes(value: Any) -> tuple[int, ...]:
    """Layer sizes for MNIST: a list of positive integers, 784 first and 10 last."""
    if not isinstance(value, list):
        raise ConfigError(f"sizes must be a list of integers like [784, 30, 10], got {value!r}")
    sizes = validate_sizes(value)
    if sizes[0] != MNIST_PIXELS or sizes[-1] != N_DIGITS:
        raise ConfigError(f"sizes: MNIST needs 784 inputs and 10 outputs, got {list(sizes)}")
    n_weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    if n_weights > MAX_WEIGHTS:
        raise ConfigError(
            f"sizes {list(sizes)} make {n_weights:,} weights, over the limit of {MAX_WEIGHTS:,}"
        )
    return sizes


def parse_gate_request(body: Any) -> tuple[Perceptron, list[int]]:
    """POST /api/gates' JSON ``{"gate", "inputs"}`` -> the gate and its input bits."""
    request = json_object(body, "gate request")
    reject_unknown(request, GATE_FIELDS, "gate request")
    name = request.get("gate")
    if not isinstance(name, str) or name not in GATES:
        raise ConfigError(f"gate must be one of {', '.join(GATES)}, got {name!r}")
    gate = GATES[name]
    inputs = request.get("inputs")
    n_inputs = gate.weights.size
    if not isinstance(inputs, list) or len(inputs) != n_inputs:
        raise ConfigError(f"{name} takes a list of {n_inputs} input bits, got {inputs!r}")
    return gate, [check_bit(bit, f"{name} input {i + 1}") for i, bit in enumerate(inputs)]


def parse_circuit_inputs(body: Any, circuit: Circuit, what: str) -> dict[str, int]:
    """A JSON object of one bit per input of ``circuit`` (``{"x1", "x2"}``) -> those bits."""
    request = json_object(body, what)
    reject_unknown(request, dict.fromkeys(circuit.input_names), what)
    return {name: check_bit(request.get(name), name) for name in circuit.input_names}
