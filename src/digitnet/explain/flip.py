"""The smallest change that flips an answer: gradient steps on the input, kept in [0, 1].

The network answers ``c = argmax_j z_j^L``. To change its mind, climb the margin of the
strongest other digit ``k``, ``y = z_k - z_c`` (the weighted inputs, not the activations,
whose ``sigma'`` vanishes on a saturated output), whose gradient comes back to the pixels
by BP2 (:func:`~digitnet.explain.saliency.input_gradient`, from ``dy/dz^L = e_k - e_c``):

    x <- clip(x + s g / ||g||, 0, 1)      g = dy/dx, less what would leave [0, 1]

a step of L2 length ``s`` at a time until the answer changes. The path found is then
shortened: the change ``x' - x`` is scaled by the least ``t`` in [0, 1] that still flips the
answer (bisection), which stays in [0, 1] since it lies between two images that are. The
sizes are ``||x' - x||_2`` and ``||x' - x||_inf`` (one pixel's largest change).

This finds *a* small change, not the smallest there is: the robustness curve it gives is an
upper bound on the accuracy under changes of each size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from digitnet.errors import ConfigError
from digitnet.explain.saliency import forward, input_gradient
from digitnet.network import Network
from digitnet.pixels import as_unit_interval

FloatArray = NDArray[np.floating]

#: L2 length of one step on the input (a full pixel is 1): small next to a digit's ink,
#: whose L2 norm is about 9, so the bisection has little to shorten.
FLIP_STEP = 0.1
#: Steps before the search gives up: an L2 path of 20, more than the ink of most digits.
MAX_FLIP_STEPS = 200
#: Halvings of the bisection that shortens the change: to 1/4096 of its length.
BISECTIONS = 12


@dataclass(frozen=True)
class Flips:
    """What the search did to each of ``m`` images (rows).

    Attributes
    ----------
    digits, new_digits : ndarray of int, shape (m,)
        The answer before and after the change (the same where nothing flipped).
    changed : ndarray, shape (m, n_in)
        The changed images, in [0, 1] (the original where nothing flipped).
    flipped : ndarray of bool, shape (m,)
        Whether the answer changed within the steps allowed.
    l2, linf : ndarray, shape (m,)
        The size of the change ``changed - x``: its L2 norm and its largest pixel.
    steps : ndarray of int, shape (m,)
        Gradient steps taken.
    """

    digits: NDArray[np.intp]
    new_digits: NDArray[np.intp]
    changed: FloatArray
    flipped: NDArray[np.bool_]
    l2: FloatArray
    linf: FloatArray
    steps: NDArray[np.intp]


@dataclass(frozen=True)
class Flip:
    """The smallest change found that flips one image's answer (see :func:`flip`)."""

    digit: int
    new_digit: int
    flipped: bool
    original: FloatArray
    changed: FloatArray
    l2: float
    linf: float
    steps: int

    @property
    def change(self) -> FloatArray:
        """``changed - original`` (n_in,): what was added to (or taken from) each pixel."""
        return self.changed - self.original

    def sizes(self) -> dict[str, int | float | bool]:
        """The answer before and after, whether it flipped, the steps and the change's sizes:
        the fields the command's ``--json`` and the web view both give."""
        return {
            "digit": self.digit,
            "new_digit": self.new_digit,
            "flipped": self.flipped,
            "steps": self.steps,
            "l2": self.l2,
            "linf": self.linf,
        }


def flip(
    network: Network, x: ArrayLike, *, step: float = FLIP_STEP, max_steps: int = MAX_FLIP_STEPS
) -> Flip:
    """The smallest change found to image ``x`` (n_in,) in [0, 1] that changes the answer.

    >>> import numpy as np
    >>> net = Network([784, 30, 10], seed=0)
    >>> found = flip(net, np.full(784, 0.5))
    >>> found.flipped, found.new_digit != found.digit, bool(found.changed.min() >= 0)
    (True, True, True)
    """
    original = np.asarray(as_unit_interval(x, network.dtype))
    if original.shape != (network.sizes[0],):
        raise ConfigError(f"flip changes one image of {network.sizes[0]} pixels at a time")
    found = flips(network, original[None, :], step=step, max_steps=max_steps)
    return Flip(
        int(found.digits[0]),
        int(found.new_digits[0]),
        bool(found.flipped[0]),
        original,
        found.changed[0],
        float(found.l2[0]),
        float(found.linf[0]),
        int(found.steps[0]),
    )


def flips(
    network: Network,
    images: ArrayLike,
    *,
    step: float = FLIP_STEP,
    max_steps: int = MAX_FLIP_STEPS,
) -> Flips:
    """:func:`flip` for every row of ``images`` (m, n_in) at once: each a matrix product."""
    if not (np.isfinite(step) and step > 0):
        raise ConfigError(f"step must be a positive number, got {step!r}")
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
        raise ConfigError(f"max_steps must be a positive integer, got {max_steps!r}")
    x, activations = forward(network, images)
    digits = np.argmax(activations[-1], axis=1)
    current, steps = x.copy(), np.zeros(len(x), dtype=np.intp)
    active = np.arange(len(x))
    for _ in range(max_steps):
        if active.size == 0:
            break
        outputs = activations[-1]
        rivals = np.where(np.arange(outputs.shape[1]) == digits[active, None], -np.inf, outputs)
        delta = np.zeros_like(outputs)
        rows = np.arange(active.size)
        delta[rows, np.argmax(rivals, axis=1)] = 1  # d(z_k - z_c)/dz^L = e_k - e_c
        delta[rows, digits[active]] = -1
        gradient = input_gradient(network, activations, delta)
        here = current[active]
        gradient[((here <= 0) & (gradient < 0)) | ((here >= 1) & (gradient > 0))] = 0
        norm = np.linalg.norm(gradient, axis=1)
        moving = norm > 0  # a zero gradient (every pixel at a bound) cannot go further
        active, here = active[moving], here[moving]
        if active.size == 0:
            break
        step_of_norm = (step / norm[moving]).astype(x.dtype)
        current[active] = np.clip(here + step_of_norm[:, None] * gradient[moving], 0, 1)
        steps[active] += 1
        activations = network.activations_for(current[active])
        still = np.argmax(activations[-1], axis=1) == digits[active]
        active = active[still]
        activations = [a[still] for a in activations]
    flipped = network.predict(current) != digits
    changed = _shorten(network, x, current, digits, flipped)
    change = (changed - x).astype(np.float64)
    return Flips(
        digits,
        network.predict(changed),
        changed,
        flipped,
        np.linalg.norm(change, axis=1),
        np.abs(change).max(axis=1, initial=0.0),
        steps,
    )


def _shorten(
    network: Network,
    x: FloatArray,
    current: FloatArray,
    digits: NDArray[np.intp],
    flipped: NDArray[np.bool_],
) -> FloatArray:
    """``x + t (current - x)`` with the least ``t`` that still flips each flipped row."""
    low = np.zeros(len(x), dtype=x.dtype)  # not flipped at low, flipped at high
    high = np.where(flipped, 1, 0).astype(x.dtype)
    rows = np.flatnonzero(flipped)
    for _ in range(BISECTIONS if rows.size else 0):
        middle = (low[rows] + high[rows]) / 2
        trial = x[rows] + middle[:, None] * (current[rows] - x[rows])
        changes = network.predict(trial) != digits[rows]
        high[rows] = np.where(changes, middle, high[rows])
        low[rows] = np.where(changes, low[rows], middle)
    return x + high[:, None] * (current - x)


@dataclass(frozen=True)
class RobustnessCurve:
    """Accuracy against the size of the change allowed (see :func:`robustness_curve`).

    Attributes
    ----------
    sizes : ndarray, shape (k,)
        L2 sizes of change.
    accuracy : ndarray, shape (k,)
        Share of the images, 0 to 1, still read right under any change found of that size.
    flip_sizes : ndarray, shape (m,)
        Each image's change that flips it: 0 if it was read wrong to begin with, ``inf``
        if none was found.
    """

    sizes: FloatArray
    accuracy: FloatArray
    flip_sizes: FloatArray


def robustness_curve(
    network: Network, images: ArrayLike, labels: ArrayLike, sizes: ArrayLike
) -> RobustnessCurve:
    """Accuracy on ``images`` (m, n_in) when each may be changed by up to each L2 size.

    ``accuracy[i]`` is the share read right whose smallest flipping change found is larger
    than ``sizes[i]``; at size 0 it is the plain accuracy. An upper bound on the true
    robust accuracy, as the search may miss smaller changes.
    """
    labels = np.asarray(labels)
    found = flips(network, images)
    if labels.shape != found.digits.shape:
        raise ConfigError(f"got {labels.shape} labels for {found.digits.shape[0]} images")
    flip_sizes = np.where(found.flipped, found.l2, np.inf)
    flip_sizes[found.digits != labels] = 0
    grid = np.asarray(sizes, dtype=np.float64)
    if grid.ndim != 1 or not np.all(np.isfinite(grid)) or np.any(grid < 0):
        raise ConfigError("sizes must be a 1-D array of non-negative numbers")
    correct = found.digits == labels
    accuracy = np.array([np.mean(correct & (flip_sizes > s)) for s in grid])
    return RobustnessCurve(grid, accuracy, flip_sizes)
