"""What the server lets one request ask for, so that no request can exhaust the machine.

Each refusal names its limit; GET /api/limits states them all, and the page's form has the
same bounds. A training run is bounded in epochs, in the work of one mini-batch (which
cannot be interrupted: a stop waits for it), in the memory it will hold (the core's
:func:`~digitnet.footprint.training_bytes`, checked before anything is allocated) and in
time (a run ends after MAX_RUN_SECONDS, as a time budget does in ``digitnet train``).
"""

from __future__ import annotations

from typing import Any

from digitnet.data.mnist import N_TRAINING, N_VALIDATION
from digitnet.errors import ConfigError
from digitnet.explain.flip import MAX_FLIP_STEPS
from digitnet.explain.hidden_map import MAP_DIGITS
from digitnet.explain.step import MAX_STEPS
from digitnet.footprint import training_bytes
from digitnet.imaging import MAX_IMAGE_PIXELS
from digitnet.measuring import step_work
from digitnet.network import n_parameters
from digitnet.recipes import Recipe
from digitnet.settings import LIMITS, MAX_SEED
from digitnet.training import check_mini_batch
from digitnet.web.connections import MAX_CONNECTIONS, REQUEST_SECONDS
from digitnet.web.decode_lanes import LARGE_IMAGE_PIXELS
from digitnet.web.explain_input import MAX_TAUGHT
from digitnet.web.explain_state import ROBUSTNESS_DIGITS
from digitnet.web.request_body import MAX_INT_DIGITS, MAX_JSON_BYTES, MAX_UPLOAD_BYTES

#: Epochs a page may ask for: a thousand of the book's network take hours.
MAX_EPOCHS = 1_000
#: Weights of the network a page may ask for.
MAX_WEIGHTS = 10_000_000
#: Memory a training run may hold (see footprint.training_bytes): with the server itself,
#: MNIST (55 MB) and the decodes in flight, the server stays under 1 GB.
MAX_TRAINING_BYTES = 384 * 2**20
#: Multiply-adds of one mini-batch step, 3 x mini-batch x parameters: a few tenths of a
#: second on one core, the longest a stop can wait.
MAX_STEP_WORK = 2_000_000_000
#: Seconds a run may train (its epochs end there, as with `digitnet train --time-budget`).
MAX_RUN_SECONDS = 3_600.0


def check_training(chosen: Recipe, n_examples: int) -> None:
    """Refuse a run that the server will not hold: each ConfigError names the limit."""
    settings, parameters = chosen.settings, n_parameters(chosen.sizes)
    if settings.epochs > MAX_EPOCHS:
        raise ConfigError(f"epochs must be at most {MAX_EPOCHS:,} here, got {settings.epochs:,}")
    check_mini_batch(settings.mini_batch_size, n_examples)
    work = step_work(parameters, settings.mini_batch_size)
    if work > MAX_STEP_WORK:
        raise ConfigError(
            f"a mini-batch of {settings.mini_batch_size:,} through {parameters:,} weights and "
            f"biases is {work:.2g} multiply-adds a step, over the limit of {MAX_STEP_WORK:.2g}: "
            f"use smaller mini-batches or a smaller network"
        )
    needed = training_bytes(chosen, n_examples, N_VALIDATION)
    if needed > MAX_TRAINING_BYTES:
        raise ConfigError(
            f"sizes {list(chosen.sizes)} with mini-batches of {settings.mini_batch_size:,} need "
            f"about {needed / 2**20:,.0f} MB to train, over the limit of "
            f"{MAX_TRAINING_BYTES / 2**20:,.0f} MB"
        )


def limits_view() -> dict[str, Any]:
    """GET /api/limits: every bound a request meets, with the units in the names."""
    rate = LIMITS["learning_rate"]
    return {
        "train": {
            "epochs": MAX_EPOCHS,
            "mini_batch_size": N_TRAINING,
            "training_size": N_TRAINING,
            "learning_rate_above": rate.low,
            "learning_rate_max": rate.high,
            "seed_max": MAX_SEED,
            "weights": MAX_WEIGHTS,
            "memory_bytes": MAX_TRAINING_BYTES,
            "step_multiply_adds": MAX_STEP_WORK,
            "run_seconds": MAX_RUN_SECONDS,
        },
        "step": {"steps": MAX_STEPS, "multiply_adds": MAX_STEP_WORK},
        "upload_bytes": MAX_UPLOAD_BYTES,
        "json_bytes": MAX_JSON_BYTES,
        "json_integer_digits": MAX_INT_DIGITS,
        "image_pixels": MAX_IMAGE_PIXELS,
        "large_image_pixels": LARGE_IMAGE_PIXELS,
        "request_seconds": REQUEST_SECONDS,
        "connections": MAX_CONNECTIONS,
        "explain": explain_limits(),
    }


def explain_limits() -> dict[str, int]:
    """What one explain request may ask for (see :mod:`digitnet.web.routes.explain`)."""
    return {
        "flip_steps": MAX_FLIP_STEPS,
        "map_digits": MAP_DIGITS,
        "robustness_digits": ROBUSTNESS_DIGITS,
        "taught_drawings": MAX_TAUGHT,
    }
