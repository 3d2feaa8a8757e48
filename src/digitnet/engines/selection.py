"""The one table that chooses how an epoch runs, and the runner it builds.

An engine (``TrainingSettings.engine``) is a way to run each mini-batch: a *loop* and an
*update*. The loops are the fused kernel (:mod:`digitnet.engines.fused_sgd`: a whole epoch
in one Numba call, for the maths it knows), NumPy steps (:mod:`digitnet.engines.numpy_steps`)
and the readable reference (:mod:`digitnet.engines.reference`); the update applies the rule
(momentum, L2, decay) in NumPy or in one compiled pass per parameter
(:mod:`digitnet.engines.compiled_update`). All compute the same update, to rounding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np
from numpy.typing import NDArray

from digitnet.activations import SIGMOID
from digitnet.conv.network import AnyNetwork, ConvNetwork
from digitnet.costs import COSTS, CROSS_ENTROPY, QUADRATIC
from digitnet.engines.numba_kernels import numba_available
from digitnet.engines.numpy_steps import NumpyEpoch, NumpyStep, Step
from digitnet.engines.reference import reference_step
from digitnet.errors import MissingExtra
from digitnet.network import Network
from digitnet.optimizer import GradientDescent
from digitnet.settings import TrainingSettings

FloatArray = NDArray[np.floating]


class Loop(Enum):
    FUSED = "the fused kernel"
    NUMPY = "NumPy steps"
    REFERENCE = "the readable reference"


class Update(Enum):
    NUMPY = "NumPy"
    ONE_PASS = "one compiled pass per parameter"


@dataclass(frozen=True)
class Engine:
    """What an engine runs: its loop where the fused kernel's maths applies, its loop
    elsewhere, and how that loop applies the update rule."""

    fits_kernel: Loop
    otherwise: Loop
    update: Update

    @property
    def needs_numba(self) -> bool:
        return Loop.FUSED in (self.fits_kernel, self.otherwise) or self.update is Update.ONE_PASS


#: The engines by name ("auto" stands for one of them, see :func:`choose_engine`).
ENGINE_TABLE: dict[str, Engine] = {
    "compiled": Engine(Loop.FUSED, Loop.NUMPY, Update.ONE_PASS),
    "numpy": Engine(Loop.NUMPY, Loop.NUMPY, Update.NUMPY),
    "reference": Engine(Loop.REFERENCE, Loop.REFERENCE, Update.NUMPY),
}

#: Most weight layers the fused kernel takes: Numba compiles it anew for each depth (the
#: layers are a tuple) and refuses tuples of 1,000; deeper networks run as NumPy steps.
FUSED_MAX_LAYERS = 100

#: Largest mini-batch for which "auto" picks the fused kernel; above it NumPy's BLAS-backed
#: matrix products are faster.
COMPILED_MAX_BATCH = 32


def kernel_limitation(settings: TrainingSettings, network: AnyNetwork) -> str | None:
    """Why the fused kernel cannot run this configuration, or None if it can.

    It computes sigmoid networks with the quadratic or cross-entropy cost, plain gradient
    descent with optional L2 or weight decay (a factor on the weights), no dropout, and
    networks up to :data:`FUSED_MAX_LAYERS` weight layers deep.
    """
    if not isinstance(network, Network):
        return "fully-connected networks only"
    if network.hidden_activation is not SIGMOID or network.output_activation is not SIGMOID:
        return "sigmoid neurons only"
    if settings.cost not in (QUADRATIC.name, CROSS_ENTROPY.name):
        return "the quadratic and cross-entropy costs only"
    if settings.momentum or settings.dropout:
        return "no momentum and no dropout"
    if len(network.weights) > FUSED_MAX_LAYERS:
        return f"at most {FUSED_MAX_LAYERS} weight layers"
    return None


def choose_engine(settings: TrainingSettings, network: AnyNetwork, mini_batch_size: int) -> str:
    """The engine that will run: ``settings.engine`` itself, or what ``"auto"`` stands for.

    "auto" is "compiled" when Numba is installed, except for the fused kernel's maths on
    mini-batches over :data:`COMPILED_MAX_BATCH`, where NumPy's step is faster; else "numpy".
    """
    name = settings.engine
    if name == "auto":
        fits = kernel_limitation(settings, network) is None
        big_batches = fits and mini_batch_size > COMPILED_MAX_BATCH
        name = "compiled" if numba_available() and not big_batches else "numpy"
    if ENGINE_TABLE[name].needs_numba and not numba_available():
        raise MissingExtra(f"engine '{name}'", "fast", "Numba")
    return name


class FusedEpoch:
    """Runs mini-batches through the fused kernel, :class:`~digitnet.engines.fused_sgd.FusedSGD`."""

    def __init__(
        self,
        network: Network,
        images: NDArray[Any],
        labels: NDArray[Any],
        m: int,
        *,
        cross_entropy: bool,
        weight_decay: float,
    ) -> None:
        from digitnet.engines.fused_sgd import FusedSGD  # imports nothing heavy until it runs

        self.kernel = FusedSGD(network, m, cross_entropy=cross_entropy)
        self.images, self.labels, self.weight_decay = images, labels, weight_decay
        self.velocities: list[FloatArray] = []  # the kernel's rule has no momentum
        self.run(np.empty(0, np.intp), 1.0)  # compile, or load from Numba's cache, now

    def run(self, order: NDArray[np.intp], learning_rate: float) -> None:
        # L2 and weight decay without momentum: w <- (1 - eta d) w - eta dC/dw each batch.
        weight_scale = 1 - learning_rate * self.weight_decay
        self.kernel.run(self.images, self.labels, order, learning_rate, weight_scale)

    def feedforward(self, images: NDArray[Any]) -> FloatArray:
        return self.kernel.feedforward(images)


def _conv_runner(
    network: ConvNetwork,
    images: NDArray[Any],
    targets: Callable[[], FloatArray],
    settings: TrainingSettings,
    rng: np.random.Generator,
    loop: Loop,
    update: Update,
) -> NumpyEpoch:
    """A conv network's runner: NumPy steps (with Numba's pooling and col2im for the
    compiled engine) or the readable reference, through the same update rules."""
    from digitnet.conv.steps import NUMPY_KERNELS, conv_step_maker

    kernels = NUMPY_KERNELS
    one_pass = None
    if update is Update.ONE_PASS:
        from digitnet.conv.kernels import COMPILED_KERNELS
        from digitnet.engines.compiled_update import descend

        kernels, one_pass = COMPILED_KERNELS, descend
    optimizer = GradientDescent(
        network,  # type: ignore[arg-type]  # weights and biases lists, as Network's
        momentum=settings.momentum,
        nesterov=settings.nesterov,
        l2_per_example=settings.l2 / images.shape[0],
        weight_decay=settings.weight_decay,
        one_pass=one_pass,
    )
    make_step = conv_step_maker(
        network,
        COSTS[settings.cost],
        optimizer,
        loop="reference" if loop is Loop.REFERENCE else "numpy",
        dropout=settings.dropout,
        rng=rng,
        kernels=kernels,
    )
    m = min(settings.mini_batch_size, images.shape[0])
    return NumpyEpoch(
        network,  # type: ignore[arg-type]
        images,
        targets(),
        m,
        make_step,
        velocities=optimizer.velocities,
    )


def make_runner(
    engine: str,
    network: AnyNetwork,
    images: NDArray[Any],
    labels: NDArray[Any],
    targets: Callable[[], FloatArray],
    settings: TrainingSettings,
    rng: np.random.Generator,
) -> NumpyEpoch | FusedEpoch:
    """The epoch runner of ``engine`` (a key of :data:`ENGINE_TABLE`) for this run.

    ``targets()`` makes the one-hot desired outputs, which only the NumPy loops need.
    """
    n, m = images.shape[0], min(settings.mini_batch_size, images.shape[0])
    cost = COSTS[settings.cost]
    l2_per_example = settings.l2 / n
    table = ENGINE_TABLE[engine]
    fits = kernel_limitation(settings, network) is None
    loop = table.fits_kernel if fits else table.otherwise
    if isinstance(network, ConvNetwork):
        return _conv_runner(network, images, targets, settings, rng, loop, table.update)
    if loop is Loop.FUSED:
        return FusedEpoch(
            network,
            images,
            labels,
            m,
            cross_entropy=cost is CROSS_ENTROPY,
            weight_decay=l2_per_example + settings.weight_decay,
        )
    one_pass = None
    if table.update is Update.ONE_PASS:
        from digitnet.engines.compiled_update import descend

        one_pass = descend
    optimizer = GradientDescent(
        network,
        momentum=settings.momentum,
        nesterov=settings.nesterov,
        l2_per_example=l2_per_example,
        weight_decay=settings.weight_decay,
        one_pass=one_pass,
    )
    make_step: Callable[[int], Step]
    if loop is Loop.REFERENCE:
        step = reference_step(network, cost, optimizer, dropout=settings.dropout, rng=rng)
        make_step = lambda size: step  # noqa: E731
    else:
        make_step = lambda size: NumpyStep(  # noqa: E731
            network, size, cost, optimizer, dropout=settings.dropout, rng=rng
        )
    return NumpyEpoch(network, images, targets(), m, make_step, velocities=optimizer.velocities)
