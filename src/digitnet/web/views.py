"""JSON views: the results the app computes, as the dicts its responses and events send.

Accuracies are in percent, as the page shows them; a cost that is NaN or infinite (a
diverged run) is sent as null, which JSON can say. Arrays become lists of Python floats,
the centred pixels and the weights rounded to PIXEL_DECIMALS.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from digitnet.conv.network import AnyNetwork, ConvNetwork
from digitnet.data import Dataset
from digitnet.decision import Decision
from digitnet.history import History, RunEnd
from digitnet.imaging import PreprocessSteps
from digitnet.mnist_shape import MNIST_SIDE, N_DIGITS
from digitnet.network import Network
from digitnet.perceptron import Circuit, Perceptron
from digitnet.pixels import as_unit_interval
from digitnet.web.pictures import step_pictures

#: The data set measured after each epoch (the book's held-out 10,000).
MONITORED = "validation"
PIXEL_DECIMALS = 4  # of the centred pixels and the weights sent to the page
#: First-layer neurons whose weights each epoch event carries: 8 x 784 numbers, about 50 KB.
SNAPSHOT_NEURONS = 8


def percent(correct: int, total: int) -> float:
    """``correct`` out of ``total`` in percent, as the page shows accuracies."""
    return 100 * correct / total


def finite_or_none(value: float) -> float | None:
    """``value``, or None for NaN and infinity (which JSON cannot say): a diverged cost."""
    return float(value) if math.isfinite(value) else None


def model_view(
    network: AnyNetwork | None,
    *,
    source: str | None = None,
    history: History | None = None,
    training: bool,
) -> dict[str, Any]:
    """GET /api/model: the current network's kind (``dense`` or ``conv``, with its
    ``layers`` spec), sizes and activations (hidden, output, named as
    ``Network(activation=, output=)`` takes them), where it came from, how it learned."""
    conv = isinstance(network, ConvNetwork)
    return {
        "loaded": network is not None,
        "kind": None if network is None else "conv" if conv else "dense",
        "layers": network.spec if isinstance(network, ConvNetwork) else None,
        "sizes": list(network.sizes) if network is not None else None,
        "activation": network.hidden_activation.name if network is not None else None,
        "output": network.output_activation.name if network is not None else None,
        "source": source,
        "history": history_summary(history),
        "training": training,
    }


def history_summary(history: History | None) -> dict[str, Any] | None:
    """The per-epoch validation accuracy (percent) and cost of a model's training run."""
    if history is None:
        return None
    correct = history.correct.get(MONITORED, [])
    cost = history.cost.get(MONITORED, [])
    return {
        "epochs": history.epochs_run,
        "validation_accuracy": [percent(c, history.total[MONITORED]) for c in correct],
        "validation_cost": [finite_or_none(c) for c in cost],
    }


def first_layer_weights(network: Network) -> dict[str, Any]:
    """Each first-layer neuron's 784 incoming weights (the output layer's, if no hidden)."""
    weights = network.weights[0].astype(np.float64)
    return {
        "layer": 0,
        "shape": [MNIST_SIDE, MNIST_SIDE],
        "neurons": np.round(weights, PIXEL_DECIMALS).tolist(),
        "min": float(weights.min()),
        "max": float(weights.max()),
    }


def prediction_view(
    steps: PreprocessSteps, activations: list[NDArray[np.floating]], decision: Decision
) -> dict[str, Any]:
    """POST /api/predict: the answer, every layer's activations, every preprocessing stage.

    ``activations`` are the network's layers for the image, input first, output last;
    ``activation`` is the winning output's, ``activation_label`` what it is ("output
    activation", or "softmax probability" for a softmax output layer).
    """
    return {
        "digit": decision.digit,
        "activation": decision.activation,
        "activation_label": decision.label,
        "unsure": decision.unsure,
        "unsure_reason": decision.reason,
        "outputs": activations[-1].astype(np.float64).tolist(),
        "hidden": [layer.astype(np.float64).tolist() for layer in activations[1:-1]],
        "steps": step_pictures(steps),
        "centred_pixels": np.round(steps.vector.astype(np.float64), PIXEL_DECIMALS).tolist(),
    }


def lean_prediction_view(
    steps: PreprocessSteps,
    outputs: NDArray[np.float64],
    decision: Decision,
    pictures: tuple[str, ...] = (),
) -> dict[str, Any]:
    """POST /api/predict?view=lean: the answer and the ten ``outputs``, and ``steps`` with
    only the stages' pictures named in ``pictures`` (each a few milliseconds to draw)."""
    return answer_view(outputs, decision, step_pictures(steps, only=pictures))


def answer_view(
    outputs: NDArray[np.float64], decision: Decision, steps: dict[str, str] | None = None
) -> dict[str, Any]:
    """The lean view's answer: the digit, its activation, whether unsure and why, the ten
    ``outputs``, and ``steps`` (no pictures unless given)."""
    return {
        "digit": decision.digit,
        "activation": decision.activation,
        "activation_label": decision.label,
        "unsure": decision.unsure,
        "unsure_reason": decision.reason,
        "outputs": outputs.tolist(),
        "steps": steps or {},
    }


def epoch_data(history: History) -> dict[str, Any]:
    """The ``epoch`` event for the last epoch of ``history``."""
    return {
        "epoch": history.epochs_run,
        "epochs": history.settings.epochs,
        "validation_accuracy": percent(history.correct[MONITORED][-1], history.total[MONITORED]),
        "validation_cost": finite_or_none(history.cost[MONITORED][-1]),
        "seconds": history.seconds[-1],
    }


def sample_digits(test: Dataset) -> Dataset:
    """The first image of each digit in ``test`` (uint8 pixels), in order 0 to 9: the
    digits whose predictions the page follows while a network trains."""
    firsts = [np.flatnonzero(test.labels == digit)[:1] for digit in range(N_DIGITS)]
    order = np.concatenate(firsts).astype(np.intp)
    return Dataset(test.images[order], test.labels[order])


def samples_data(samples: Dataset) -> dict[str, Any]:
    """The ``samples`` event: the sample digits' labels and their 784 pixels (0-255)."""
    return {
        "labels": samples.labels.astype(int).tolist(),
        "pixels": np.asarray(samples.images).astype(int).tolist(),
    }


def learning_snapshot(network: Network, samples: Dataset) -> dict[str, Any]:
    """What an epoch event shows of the network learning: its first SNAPSHOT_NEURONS
    first-layer neurons' 784 weights (rounded) and ``max_abs``, the largest of them in
    size (the colour scale), and each sample's ``digit`` and output ``activations``."""
    weights = network.weights[0][:SNAPSHOT_NEURONS].astype(np.float64)
    outputs = network.feedforward(as_unit_interval(samples.images, network.dtype))
    return {
        "neurons": np.round(weights, PIXEL_DECIMALS).tolist(),
        "max_abs": float(np.abs(weights).max()),
        "predictions": [
            {"digit": int(row.argmax()), "outputs": np.round(row, PIXEL_DECIMALS).tolist()}
            for row in outputs.astype(np.float64)
        ],
    }


def done_data(history: History, saved: str | None, *, timed_out: bool = False) -> dict[str, Any]:
    """The ``done`` event: how far the run got, why it ended, the name it was saved as.

    ``timed_out``: the server's time limit ended it (the settings' ``time_budget``, or the
    run's own limit, given as ``timed_out``, which is then not a stop the page asked for);
    ``saved`` is None when nothing was (no finished epoch, or diverged weights).
    """
    correct = history.correct.get(MONITORED) or []
    best = percent(max(correct), history.total[MONITORED]) if correct else None
    return {
        "epochs_run": history.epochs_run,
        "best_validation_accuracy": best,
        "stopped": history.interrupted and not timed_out,
        "diverged": history.diverged_epoch is not None,
        "timed_out": timed_out or history.end is RunEnd.TIME_BUDGET,
        "saved": saved,
    }


def gate_answer(gate: Perceptron, bits: list[int]) -> dict[str, Any]:
    """POST /api/gates: the gate's output for ``bits`` and the sum ``z = w.x + b`` behind it.

    Returns
    -------
    dict
        ``{"output": 0 or 1, "weights": [...], "bias": b, "z": w.x + b}``.
    """
    return {
        "output": gate.output(bits),
        "weights": gate.weights.tolist(),
        "bias": gate.bias,
        "z": float(gate.weights @ bits + gate.bias),
    }


def circuit_trace(circuit: Circuit, inputs: dict[str, int]) -> dict[str, Any]:
    """POST /api/half-adder: ``circuit`` run on ``inputs`` signal by signal.

    Returns
    -------
    dict
        The output signals by name (``"sum"``, ``"carry"``) and ``"gates": [{"name",
        "inputs", "sources", "output"}, ...]``, every gate in order: ``inputs`` are the bits
        it reads from the signals named in ``sources``.
    """
    signals = dict(inputs)
    gates = []
    for gate in circuit.gates:
        bits = [signals[source] for source in gate.inputs]
        signals[gate.output] = gate.perceptron.output(bits)
        gates.append(
            {
                "name": gate.output,
                "inputs": bits,
                "sources": list(gate.inputs),
                "output": signals[gate.output],
            }
        )
    return {**{name: signals[name] for name in circuit.output_names}, "gates": gates}
