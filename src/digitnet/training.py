"""Learning: backpropagation and stochastic gradient descent over shuffled mini-batches.

Gradient descent moves every weight against the gradient of the cost,
``w <- w - eta * dC/dw`` (``eta`` is the learning rate: too large overshoots, too small
crawls). Stochastic gradient descent estimates the gradient on a small random mini-batch of
``m`` examples, ``dC/dw ~= 1/m sum_x dC_x/dw``, and sweeps the shuffled training set one
mini-batch at a time; one sweep is an epoch. Backpropagation computes the per-example
gradients for a whole mini-batch at once, with matrix products:

    delta^L = (a^L - y) * sigma'(z^L)                  (output error, quadratic cost)
    delta^l = (delta^(l+1) w^(l+1)) * sigma'(z^l)      (rows are examples)
    dC/db^l = mean over the batch of delta^l
    dC/dw^l = delta^l^T a^(l-1) / m
"""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from digitnet.activations import SIGMOID
from digitnet.costs import COSTS, QUADRATIC, Cost
from digitnet.errors import ConfigError
from digitnet.network import EVALUATION_CHUNK, Network
from digitnet.pixels import as_unit_interval

FloatArray = NDArray[np.floating]

#: Number of classes (digits 0-9); the output layer must have this many neurons for labels.
N_DIGITS = 10

#: Seeds the command line and the web app accept, and draw from when none is given.
MAX_SEED = 2**32 - 1

#: How many times per epoch the ``on_batch`` callback is called (for a progress bar).
PROGRESS_UPDATES_PER_EPOCH = 100

#: Ways to run an epoch. "compiled": the fused Numba kernel (:mod:`digitnet.compiled`);
#: "numpy": :class:`FastSigmoidQuadraticStep`; "reference": :func:`update_mini_batch`;
#: "auto": the fastest of these that applies.
ENGINES = ("auto", "compiled", "numpy", "reference")

#: Largest mini-batch for which "auto" picks the compiled kernel; above it NumPy's
#: BLAS-backed matrix products are faster.
COMPILED_MAX_BATCH = 32


class LabelledData(Protocol):
    """Anything with ``images`` (n_examples, n_features) and ``labels`` (n_examples,)."""

    @property
    def images(self) -> NDArray[Any]: ...

    @property
    def labels(self) -> NDArray[Any]: ...


Data = LabelledData | tuple[ArrayLike, ArrayLike]


@dataclass(frozen=True)
class TrainingSettings:
    """Everything that defines a training run; stored verbatim in the model file."""

    epochs: int = 30
    mini_batch_size: int = 10
    learning_rate: float = 3.0
    cost: str = "quadratic"
    seed: int | None = None
    engine: str = "auto"

    def __post_init__(self) -> None:
        for name in ("epochs", "mini_batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")
        rate = self.learning_rate
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not rate > 0:
            raise ConfigError(f"learning_rate must be a positive number, got {rate!r}")
        try:
            finite = math.isfinite(rate)
        except OverflowError:  # an int too large for a float
            finite = False
        if not finite:
            raise ConfigError(f"learning_rate must be a finite number, got {rate!r}")
        seed = self.seed
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
            raise ConfigError(f"seed must be a non-negative integer or None, got {seed!r}")
        if self.cost not in COSTS:
            raise ConfigError(f"cost must be one of {', '.join(COSTS)}, got {self.cost!r}")
        if self.engine not in ENGINES:
            raise ConfigError(f"engine must be one of {', '.join(ENGINES)}, got {self.engine!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class History:
    """What happened in each epoch of a training run.

    ``correct[name][i]``, ``accuracy[name][i]`` and ``cost[name][i]`` are measured on the
    monitored data set ``name`` (e.g. ``"validation"``) after epoch ``i + 1``;
    ``seconds[i]`` is the time spent training in that epoch (evaluation not included).
    """

    settings: TrainingSettings
    seconds: list[float] = field(default_factory=list)
    correct: dict[str, list[int]] = field(default_factory=dict)
    total: dict[str, int] = field(default_factory=dict)
    cost: dict[str, list[float]] = field(default_factory=dict)
    diverged_epoch: int | None = None
    interrupted: bool = False
    engine: str | None = None

    @property
    def epochs_run(self) -> int:
        return len(self.seconds)

    @property
    def accuracy(self) -> dict[str, list[float]]:
        return {k: [c / self.total[k] for c in v] for k, v in self.correct.items()}

    def best_epoch(self, name: str) -> int:
        """The epoch (1-based) with the most correct answers on data set ``name``."""
        return int(np.argmax(self.correct[name])) + 1

    def to_dict(self) -> dict[str, Any]:
        record = asdict(self)
        record["settings"] = self.settings.to_dict()
        return record

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> History:
        fields = dict(record)
        fields["settings"] = TrainingSettings(**fields["settings"])
        return cls(**fields)


def fresh_seed() -> int:
    """A random seed in 0..MAX_SEED for a run given none, to be recorded so it can repeat."""
    return secrets.randbelow(MAX_SEED + 1)


def one_hot(labels: ArrayLike, n_classes: int = N_DIGITS, dtype: Any = np.float64) -> FloatArray:
    """Desired outputs ``y``: row ``i`` is 1 at ``labels[i]`` and 0 elsewhere."""
    labels = np.asarray(labels)
    targets = np.zeros((labels.shape[0], n_classes), dtype=dtype)
    targets[np.arange(labels.shape[0]), labels] = 1
    return targets


def backprop(
    network: Network, x: FloatArray, y: FloatArray, cost: Cost = QUADRATIC
) -> tuple[list[FloatArray], list[FloatArray]]:
    """Gradients ``(dC/db, dC/dw)`` of the mean cost over one mini-batch.

    The readable reference implementation: the whole batch ``x`` (m, n_in) with desired
    outputs ``y`` (m, n_out) goes through the network as one matrix, then the error
    travels back layer by layer. Returns lists shaped like ``network.biases`` and
    ``network.weights``.
    """
    m = x.shape[0]
    activations = network.layer_activations(x)
    derivative = network.activation.derivative_from_output
    delta = cost.output_error(activations[-1], y, derivative(activations[-1]))
    nabla_b: list[FloatArray] = [np.empty(0)] * len(network.weights)
    nabla_w: list[FloatArray] = [np.empty(0)] * len(network.weights)
    for l in range(len(network.weights) - 1, -1, -1):
        nabla_b[l] = delta.sum(axis=0) / m
        nabla_w[l] = delta.T @ activations[l] / m
        if l > 0:
            delta = (delta @ network.weights[l]) * derivative(activations[l])
    return nabla_b, nabla_w


def update_mini_batch(
    network: Network, x: FloatArray, y: FloatArray, learning_rate: float, cost: Cost = QUADRATIC
) -> None:
    """One step of gradient descent on one mini-batch: ``w <- w - eta dC/dw`` (reference)."""
    nabla_b, nabla_w = backprop(network, x, y, cost)
    for b, w, nb, nw in zip(network.biases, network.weights, nabla_b, nabla_w):
        b -= learning_rate * nb
        w -= learning_rate * nw


class FastSigmoidQuadraticStep:
    """The same update as :func:`update_mini_batch`, for speed: no allocation per batch.

    Hot loop: every array is preallocated for one batch size and every NumPy call writes
    with ``out=`` (``np.dot`` has the least per-call overhead at these tiny sizes; the bias
    gradient is ``ones @ delta``, cheaper than a reduction). The learning rate is folded into
    the output error, a tiny (m, n_out) array, so each big weight update is one product and
    one subtraction; ``sigma'`` comes from the stored activations. Specific to sigmoid
    neurons and the quadratic cost.
    """

    def __init__(self, network: Network, mini_batch_size: int) -> None:
        self.network = network
        dtype, m, sizes = network.dtype, mini_batch_size, network.sizes
        self.batch_size = m
        self.activations = [np.empty((m, n), dtype) for n in sizes]
        self.deltas = [np.empty((m, n), dtype) for n in sizes]
        self.scratch = [np.empty((m, n), dtype) for n in sizes]
        self.nabla_w = [np.empty_like(w) for w in network.weights]
        self.nabla_b = [np.empty_like(b) for b in network.biases]
        self.ones = np.ones(m, dtype)

    def __call__(self, x: FloatArray, y: FloatArray, learning_rate: float) -> None:
        """Update the network on the batch ``x`` (m, n_in), ``y`` (m, n_out)."""
        weights, biases = self.network.weights, self.network.biases
        acts, deltas, scratch = self.activations, self.deltas, self.scratch
        acts[0] = x
        for l in range(len(weights)):
            z = acts[l + 1]
            np.dot(acts[l], weights[l].T, out=z)
            z += biases[l]
            np.negative(z, out=z)
            np.exp(z, out=z)  # overflow to inf is exact: sigma = 1 / (1 + inf) = 0
            z += 1
            np.reciprocal(z, out=z)
        delta, output = deltas[-1], acts[-1]
        np.subtract(output, y, out=delta)
        delta *= output
        np.subtract(1, output, out=scratch[-1])
        delta *= scratch[-1]
        delta *= learning_rate / self.batch_size
        for l in range(len(weights) - 1, -1, -1):
            np.dot(self.ones, delta, out=self.nabla_b[l])
            np.dot(delta.T, acts[l], out=self.nabla_w[l])
            if l > 0:  # propagate through w^l before it changes
                np.dot(delta, weights[l], out=deltas[l])
                deltas[l] *= acts[l]
                np.subtract(1, acts[l], out=scratch[l])
                deltas[l] *= scratch[l]
            biases[l] -= self.nabla_b[l]
            weights[l] -= self.nabla_w[l]
            delta = deltas[l]


def _as_arrays(data: Data, name: str, network: Network) -> tuple[FloatArray, NDArray[Any]]:
    if isinstance(data, tuple):
        images, labels = data
    else:
        images, labels = data.images, data.labels
    images = np.asarray(images)
    if images.dtype != np.uint8:  # uint8 pixels stay as they are: 4x less memory
        images = np.ascontiguousarray(images, dtype=network.dtype)
    labels = np.asarray(labels)
    if images.ndim != 2 or images.shape[1] != network.sizes[0]:
        raise ConfigError(
            f"{name} images must have shape (n_examples, {network.sizes[0]}), got {images.shape}"
        )
    if labels.shape != (images.shape[0],):
        raise ConfigError(f"{name}: {labels.shape[0]} labels for {images.shape[0]} images")
    if labels.size and (labels.min() < 0 or labels.max() >= network.sizes[-1]):
        raise ConfigError(f"{name} labels must lie in 0..{network.sizes[-1] - 1}")
    return images, labels


def evaluate_cost_and_correct(
    network: Network,
    images: FloatArray,
    labels: NDArray[Any],
    cost: Cost = QUADRATIC,
    *,
    feedforward: Callable[[NDArray[Any]], FloatArray] | None = None,
) -> tuple[float, int]:
    """The mean cost and the number classified correctly, in chunks to bound memory.

    ``feedforward`` (default ``network.feedforward``) computes the outputs of a chunk; the
    compiled engine passes its own, about twice as fast on uint8 pixels.
    """
    forward = network.feedforward if feedforward is None else feedforward
    total_cost, correct, n = 0.0, 0, images.shape[0]
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(0, n, EVALUATION_CHUNK):
            outputs = forward(images[i : i + EVALUATION_CHUNK])
            chunk_labels = labels[i : i + EVALUATION_CHUNK]
            targets = one_hot(chunk_labels, network.sizes[-1], network.dtype)
            total_cost += cost.value(outputs, targets) * outputs.shape[0]
            correct += int(np.count_nonzero(np.argmax(outputs, axis=1) == chunk_labels))
    return total_cost / max(n, 1), correct


def resolve_engine(engine: str, network: Network, cost: Cost, mini_batch_size: int) -> str:
    """The engine that will run: ``engine`` itself, or what ``"auto"`` stands for."""
    from digitnet import compiled  # cheap: Numba itself is imported only when the kernel runs

    fast_maths = cost is QUADRATIC and network.activation is SIGMOID
    if engine == "compiled":
        if not compiled.available():
            raise ConfigError("engine 'compiled' needs Numba: pip install 'digitnet[fast]'")
        if not fast_maths:
            raise ConfigError("engine 'compiled' supports sigmoid neurons and quadratic cost")
        return engine
    if engine == "auto":
        small = mini_batch_size <= COMPILED_MAX_BATCH
        if fast_maths and small and compiled.available():
            return "compiled"
        return "numpy" if fast_maths else "reference"
    if engine == "numpy" and not fast_maths:
        return "reference"
    return engine


class NumpyEpoch:
    """Runs mini-batches through a NumPy update: the fast step, or the reference one.

    Each batch is gathered by index into a contiguous buffer (uint8 pixels are scaled into
    it), so the training data is never copied whole.
    """

    def __init__(
        self,
        network: Network,
        images: NDArray[Any],
        targets: FloatArray,
        mini_batch_size: int,
        cost: Cost,
        *,
        fast: bool,
    ) -> None:
        self.network, self.images, self.targets, self.cost = network, images, targets, cost
        self.mini_batch_size = mini_batch_size
        self.pixels = np.empty((mini_batch_size, images.shape[1]), images.dtype)
        self.x = np.empty((mini_batch_size, images.shape[1]), network.dtype)
        self.steps: dict[int, FastSigmoidQuadraticStep] = {}
        self.fast = fast

    def run(self, order: NDArray[np.intp], learning_rate: float) -> None:
        """SGD over the examples ``order``, ``mini_batch_size`` at a time."""
        m = self.mini_batch_size
        for start in range(0, len(order), m):
            index = order[start : start + m]
            size = len(index)
            x, y = self.x[:size], self.targets[index]
            if self.images.dtype == np.uint8:
                pixels = self.pixels[:size]
                np.take(self.images, index, axis=0, out=pixels)
                as_unit_interval(pixels, self.network.dtype, out=x)
            else:
                np.take(self.images, index, axis=0, out=x)
            if self.fast:
                if size not in self.steps:  # one for the batch size, one for a short last batch
                    self.steps[size] = FastSigmoidQuadraticStep(self.network, size)
                self.steps[size](x, y, learning_rate)
            else:
                update_mini_batch(self.network, x, y, learning_rate, self.cost)


class CompiledEpoch:
    """Runs mini-batches through the fused Numba kernel of :mod:`digitnet.compiled`."""

    def __init__(self, network: Network, images: NDArray[Any], labels: NDArray[Any], m: int):
        from digitnet.compiled import CompiledSGD

        self.kernel = CompiledSGD(network, m)
        self.images, self.labels = images, labels
        self.run(np.empty(0, np.intp), 1.0)  # compile, or load from Numba's cache, now

    def run(self, order: NDArray[np.intp], learning_rate: float) -> None:
        self.kernel.run(self.images, self.labels, order, learning_rate)

    def feedforward(self, images: NDArray[Any]) -> FloatArray:
        return self.kernel.feedforward(images)


class _StopRequested(Exception):
    """Raised inside :func:`train` when its ``should_stop`` callback returns True."""


def train(
    network: Network,
    training_data: Data,
    settings: TrainingSettings,
    *,
    monitor: Mapping[str, Data] | None = None,
    on_batch: Callable[[int, int], None] | None = None,
    on_epoch: Callable[[History], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    rng: np.random.Generator | None = None,
    history: History | None = None,
) -> History:
    """Train ``network`` in place by mini-batch SGD; see :func:`sgd` for the parameters.

    ``rng`` (default: a new generator from ``settings.seed``) shuffles each epoch. To resume
    a run, pass the network, generator and ``history`` saved after its last finished epoch
    (see :mod:`digitnet.checkpoint`): training goes on from the next epoch and ends exactly
    as the uninterrupted run would have.
    """
    images, labels = _as_arrays(training_data, "training", network)
    monitored = {name: _as_arrays(d, name, network) for name, d in (monitor or {}).items()}
    cost = COSTS[settings.cost]
    n, m = images.shape[0], min(settings.mini_batch_size, images.shape[0])
    engine = resolve_engine(settings.engine, network, cost, m)
    if history is None:
        history = History(settings, engine=engine)
        for name, (x, _) in monitored.items():
            history.correct[name], history.cost[name], history.total[name] = [], [], x.shape[0]
    elif set(history.correct) != set(monitored) or history.settings != settings:
        raise ConfigError("the history to resume has other settings or monitored data sets")
    history.interrupted = False
    runner: NumpyEpoch | CompiledEpoch
    if engine == "compiled":
        runner = CompiledEpoch(network, images, labels, m)
    else:
        targets = one_hot(labels, network.sizes[-1], network.dtype)
        runner = NumpyEpoch(network, images, targets, m, cost, fast=engine == "numpy")
    forward = runner.feedforward if isinstance(runner, CompiledEpoch) else None
    n_batches = -(-n // m)
    chunk = max(1, n_batches // PROGRESS_UPDATES_PER_EPOCH)  # batches between reports
    rng = np.random.default_rng(settings.seed) if rng is None else rng
    try:
        for epoch in range(history.epochs_run + 1, settings.epochs + 1):
            order = rng.permutation(n)
            start = time.perf_counter()
            with np.errstate(over="ignore", invalid="ignore"):
                for first in range(0, n_batches, chunk):
                    runner.run(order[first * m : (first + chunk) * m], settings.learning_rate)
                    if on_batch is not None:
                        on_batch(min(first + chunk, n_batches), n_batches)
                    if should_stop is not None and should_stop():
                        raise _StopRequested
            history.seconds.append(time.perf_counter() - start)
            for name, (x_eval, y_eval) in monitored.items():
                value, correct = evaluate_cost_and_correct(
                    network, x_eval, y_eval, cost, feedforward=forward
                )
                history.cost[name].append(value)
                history.correct[name].append(correct)
            if not all(np.isfinite(w).all() for w in network.weights + network.biases):
                history.diverged_epoch = epoch
            if on_epoch is not None:
                on_epoch(history)
            if history.diverged_epoch is not None:
                break
    except (KeyboardInterrupt, _StopRequested):
        history.interrupted = True
    return history


def sgd(
    network: Network,
    training_data: Data,
    *,
    epochs: int = 30,
    mini_batch_size: int = 10,
    learning_rate: float = 3.0,
    cost: str = "quadratic",
    seed: int | None = None,
    engine: str = "auto",
    monitor: Mapping[str, Data] | None = None,
    on_batch: Callable[[int, int], None] | None = None,
    on_epoch: Callable[[History], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> History:
    """Train ``network`` in place by stochastic gradient descent over shuffled mini-batches.

    Parameters
    ----------
    network : Network
        Updated in place.
    training_data : Dataset or (images, labels)
        ``images`` of shape (n_examples, n_in) and integer ``labels`` of shape (n_examples,).
    epochs, mini_batch_size, learning_rate, cost, seed
        The hyperparameters (see :class:`TrainingSettings`); ``seed`` drives the shuffling.
    engine : {"auto", "compiled", "numpy", "reference"}
        How to run the epochs (see ``ENGINES``); all compute the same update, to rounding.
    monitor : mapping of name -> Dataset or (images, labels), optional
        Held-out data measured (accuracy and cost) after every epoch, e.g.
        ``{"validation": split.validation}``.
    on_batch : callable(batches_done, batches_total), optional
        Called about 100 times per epoch, for a progress bar.
    on_epoch : callable(History), optional
        Called after each epoch with the history so far.
    should_stop : callable() -> bool, optional
        Asked as often as ``on_batch`` is called; True stops training as Ctrl-C does.

    Returns
    -------
    History
        Per-epoch seconds, and accuracy and cost on each monitored set. Training stops
        early, and ``history.diverged_epoch`` says when, if a weight becomes non-finite;
        Ctrl-C stops it between mini-batches with ``history.interrupted`` set.
    """
    settings = TrainingSettings(
        epochs=epochs,
        mini_batch_size=mini_batch_size,
        learning_rate=learning_rate,
        cost=cost,
        seed=seed,
        engine=engine,
    )
    return train(
        network,
        training_data,
        settings,
        monitor=monitor,
        on_batch=on_batch,
        on_epoch=on_epoch,
        should_stop=should_stop,
    )
