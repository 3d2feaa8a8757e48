"""Checking the JSON a page sends to train, with the rules of ``digitnet train``'s options.

Every mistake is a :class:`~digitnet.errors.ConfigError` whose one-line message names the
field and the value; the server answers it with 422.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from digitnet.data.mnist import MNIST_PIXELS, N_DIGITS, N_TRAINING
from digitnet.errors import ConfigError
from digitnet.network import validate_sizes
from digitnet.training import MAX_SEED, TrainingSettings, fresh_seed
from digitnet.web.training_run import TrainRequest

#: The fields of POST /api/train and their defaults (those of `digitnet train`).
TRAIN_FIELDS: dict[str, Any] = {
    "sizes": [MNIST_PIXELS, 30, N_DIGITS],
    "learning_rate": 3.0,
    "mini_batch_size": 10,
    "epochs": 30,
    "training_size": None,
    "seed": None,
}
MAX_LEARNING_RATE = 1e6  # as `digitnet train --learning-rate`
#: A bound on the network a page may ask for, so that a typo cannot exhaust the memory.
MAX_WEIGHTS = 10_000_000


def json_object(body: Any, what: str) -> Mapping[str, Any]:
    """``body`` if it is a JSON object, else a ConfigError naming ``what`` it was for."""
    if not isinstance(body, Mapping):
        raise ConfigError(f"{what}: expected a JSON object, got {type(body).__name__}")
    return body


def reject_unknown(body: Mapping[str, Any], known: Mapping[str, Any], what: str) -> None:
    unknown = sorted(set(body) - set(known))
    if unknown:
        raise ConfigError(f"{what}: unknown field {unknown[0]!r} (known: {', '.join(known)})")


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_train_request(body: Any) -> TrainRequest:
    """POST /api/train's JSON -> a TrainRequest; a missing or null field takes its default.

    Raises
    ------
    ConfigError
        If a field is unknown or out of range: sizes must start with 784 and end with 10,
        numbers must be positive, ``training_size`` at most 50,000, ``seed`` 0..2**32 - 1.
    """
    fields = dict(TRAIN_FIELDS)
    given = json_object(body, "train request")
    reject_unknown(given, TRAIN_FIELDS, "train request")
    fields.update({k: v for k, v in given.items() if v is not None})
    sizes = parse_sizes(fields["sizes"])
    rate = fields["learning_rate"]
    if isinstance(rate, (int, float)) and not isinstance(rate, bool) and rate > MAX_LEARNING_RATE:
        raise ConfigError(f"learning_rate must be at most {MAX_LEARNING_RATE:g}, got {rate!r}")
    seed = fields["seed"]
    if seed is None:
        seed = fresh_seed()
    elif not is_int(seed) or not 0 <= seed <= MAX_SEED:
        raise ConfigError(f"seed must be an integer from 0 to {MAX_SEED}, got {seed!r}")
    settings = TrainingSettings(
        epochs=fields["epochs"],
        mini_batch_size=fields["mini_batch_size"],
        learning_rate=rate,
        seed=seed,
        engine="auto",
    )
    size = fields["training_size"]
    if size is not None and (not is_int(size) or not 1 <= size <= N_TRAINING):
        raise ConfigError(f"training_size must be an integer from 1 to {N_TRAINING}, got {size!r}")
    return TrainRequest(sizes, settings, size)


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
