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
from digitnet.recipes import PRESETS, recipe
from digitnet.settings import fresh_seed
from digitnet.web.limits import MAX_RUN_SECONDS, MAX_WEIGHTS, check_training
from digitnet.web.training_run import DTYPE, TrainRequest
from digitnet.web.validation import check_bit, is_int, json_object, reject_unknown

#: The fields of POST /api/train that override the preset's recipe, as `digitnet train`'s
#: options do; a missing or null one takes the preset's value.
RECIPE_FIELDS = (
    "sizes", "learning_rate", "mini_batch_size", "epochs", "cost", "activation", "init", "l2",
    "momentum", "nesterov", "dropout", "schedule", "augment",
)  # fmt: skip
#: Every field of POST /api/train and its default (None: the preset's, or none).
TRAIN_FIELDS: dict[str, Any] = {
    "preset": "book",
    **dict.fromkeys(RECIPE_FIELDS),
    "training_size": None,
    "seed": None,
}
#: The presets the page trains: the fully-connected ones (a conv network's views on the page,
#: its feature maps and filters, are still to come).
PAGE_PRESETS = {name: preset for name, preset in PRESETS.items() if preset.layers is None}
#: The gates POST /api/gates knows, by name.
GATES = {gate.name: gate for gate in (AND, OR, NAND, NOT)}
GATE_FIELDS = {"gate": None, "inputs": None}


def parse_train_request(body: Any) -> TrainRequest:
    """POST /api/train's JSON -> a TrainRequest; a missing or null field takes its default.

    ``preset`` (a key of :data:`PAGE_PRESETS`, "book" by default) gives the
    recipe and the fields of RECIPE_FIELDS override it, checked by :func:`recipe` against
    the core's limits. The run ends after MAX_RUN_SECONDS: its ``time_budget``, except with a
    cosine schedule, which then spans the epochs asked for (not an hour), and the run's
    ``time_limit`` ends it instead.

    Raises
    ------
    ConfigError
        If a field is unknown or out of range (the preset, a choice such as the cost, a
        number outside the core's LIMITS): sizes must start with 784 and end with 10,
        numbers must be positive, ``training_size`` at most 50,000, ``seed`` 0..2**32 - 1;
        or if the run is over a limit of :mod:`digitnet.web.limits` (epochs, mini-batch,
        work per step, memory).
    """
    fields = dict(TRAIN_FIELDS)
    given = json_object(body, "train request")
    reject_unknown(given, TRAIN_FIELDS, "train request")
    fields.update({k: v for k, v in given.items() if v is not None})
    overrides = {name: fields[name] for name in RECIPE_FIELDS if fields[name] is not None}
    if "sizes" in overrides:
        overrides["sizes"] = parse_sizes(overrides["sizes"])
    preset = fields["preset"]
    if not isinstance(preset, str) or preset not in PAGE_PRESETS:
        raise ConfigError(f"preset must be one of {', '.join(PAGE_PRESETS)}, got {preset!r}")
    chosen = recipe(  # the settings check every number against the core's limits
        preset,
        **overrides,
        dtype=DTYPE,
        seed=fresh_seed() if fields["seed"] is None else fields["seed"],
        engine="auto",
    )
    cosine = chosen.settings.schedule == "cosine"
    chosen = chosen.replace(time_budget=None if cosine else MAX_RUN_SECONDS)
    if "sizes" not in overrides:
        parse_sizes(list(chosen.sizes))  # a preset's network within the page's weights
    size = fields["training_size"]
    if size is not None and (not is_int(size) or not 1 <= size <= N_TRAINING):
        raise ConfigError(f"training_size must be an integer from 1 to {N_TRAINING}, got {size!r}")
    check_training(chosen, N_TRAINING if size is None else size)
    return TrainRequest(chosen, size, time_limit=MAX_RUN_SECONDS if cosine else None)


def preset_fields() -> dict[str, dict[str, Any]]:
    """GET /api/train/presets: each preset's value of every field of RECIPE_FIELDS, as the
    page's form fills them in when the preset is chosen."""
    views = {}
    for name, preset in PAGE_PRESETS.items():
        network = {"sizes": list(preset.sizes), "activation": preset.activation}
        fields = {**network, "init": preset.init, **preset.settings.to_dict()}
        views[name] = {field: fields[field] for field in RECIPE_FIELDS}
    return views


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
