"""Tolerances for floating-point comparisons, derived from the arithmetic, not tuned on a CPU.

Two implementations of the same maths (the compiled kernel, the NumPy engines, the readable
reference, the book's loop) add in different orders, so they differ in the last bits, and
by how much depends on the CPU and the BLAS. A tolerance that holds everywhere bounds each
result's rounding error; this module computes that bound from the actual inputs and weights,
by running error analysis (Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed.,
chapters 2-3):

- every operation rounds with relative error at most ``u``, the unit roundoff (``2**-24`` in
  float32, ``2**-53`` in float64); a result computed in higher precision and then stored is
  rounded no worse;
- a sum of ``n`` products, added in ANY order (BLAS blocks, SIMD lanes, fused multiply-adds,
  Numba's reassociation), is off by at most ``gamma_n sum_k |w_k a_k|``, with
  ``gamma_n = n u / (1 - n u)`` (Higham, section 3.1): a guarantee; the typical error is
  about ``sqrt(n) u`` of the same sum;
- an error ``e`` in ``z`` moves ``sigma(z)`` by at most ``max |sigma'| e`` around ``z``: at
  most 1/4, and far less for a saturated neuron;
- NumPy's ``exp`` is within ``FUNCTION_ULPS`` units in the last place (NumPy's own accuracy
  tests allow 3 in float32 and 1 in float64; glibc's, which Numba calls, is within 1).

A :class:`Bounded` carries values with such a bound, and its operations propagate both: the
bound of an output is the error each operation makes (``u`` times the magnitudes it
combines) plus the errors of its operands, carried through. Values are computed in float64:
for a float32 computation they are exact to within float64's far smaller bound; for a float64
one they are one of the implementations, within the bound of the exact result, so the
magnitudes ``|value| + error`` still bound every implementation's. Second-order terms
(``u**2`` relative) are left out.

Two implementations that each stay within their bound of the exact result differ by at most
the sum of the two bounds: that is the tolerance :func:`assert_within` checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from digitnet.network import Network

Array = NDArray[np.float64]

#: Largest error of NumPy's (and Numba's, libm's) ``exp``, in units in the last place: above
#: what NumPy's accuracy tests allow (numpy/_core/tests/data/umath-validation-set-exp.csv).
FUNCTION_ULPS = 4


#: The tolerance of the float64 comparisons of small networks (at most 20 inputs a neuron,
#: at most 12 updates) under rules this module does not model: tanh, ReLU and softmax,
#: momentum, dropout, L2 through the gradient. For the plain sigmoid rule at those sizes the
#: bound below stays under 2e-12 (test_tolerances checks it); momentum carries a step's
#: error into later ones, at most 1 / (1 - mu) = 10 times over, and the other rules add a
#: few roundings a step: an estimate, with a margin of 5, not a guarantee.
FLOAT64_SMALL_NETWORK_ATOL = 1e-10


def unit_roundoff(dtype: DTypeLike) -> float:
    """``u``: half the distance from 1 to the next float, ``2**-24`` or ``2**-53``."""
    return float(np.finfo(dtype).eps) / 2


def gamma(n: int, u: float) -> float:
    """``gamma_n = n u / (1 - n u)``: the relative error of ``n`` roundings in a row."""
    assert n * u < 0.5, "too many roundings for a first-order bound"
    return n * u / (1 - n * u)


@dataclass(frozen=True)
class Bounded:
    """Values computed in floating point with unit roundoff ``u``, and a bound on the error.

    ``value`` is the result in float64; ``error`` bounds ``|computed - exact|`` element by
    element, for any order of the additions; ``tiny`` is the type's smallest normal number,
    the absolute error allowed where a result underflows.
    """

    value: Array
    error: Array
    u: float
    tiny: float

    @classmethod
    def exact(cls, values: ArrayLike, dtype: DTypeLike) -> Bounded:
        """Values every implementation holds exactly in ``dtype`` (the same data, weights)."""
        value = np.asarray(values, dtype=np.float64)
        return cls(value, np.zeros_like(value), unit_roundoff(dtype), _tiny(dtype))

    @classmethod
    def rounded(cls, values: ArrayLike, dtype: DTypeLike) -> Bounded:
        """Float64 ``values`` that a computation in ``dtype`` rounds to it (``astype``)."""
        value = np.asarray(values, dtype=np.float64)
        u = unit_roundoff(dtype)
        return cls(value, u * np.abs(value), u, _tiny(dtype))

    @property
    def magnitude(self) -> Array:
        """A bound on the absolute value of every implementation's result."""
        return np.abs(self.value) + self.error

    def _with(self, value: Array, error: Array) -> Bounded:
        return Bounded(value, error, self.u, self.tiny)

    def __add__(self, other: Bounded | float) -> Bounded:
        other = self._operand(other)
        value = self.value + other.value
        error = self.error + other.error
        return self._with(value, error + self.u * (np.abs(value) + error))

    def __sub__(self, other: Bounded | float) -> Bounded:
        return self + (-1.0) * self._operand(other)

    def __rsub__(self, other: float) -> Bounded:
        return self._operand(other) - self

    def __mul__(self, other: Bounded | float) -> Bounded:
        other = self._operand(other)
        value = self.value * other.value
        propagated = self.magnitude * other.error + np.abs(other.value) * self.error
        return self._with(value, propagated + self.u * self.magnitude * other.magnitude)

    def __rmul__(self, other: float) -> Bounded:
        if other in (1.0, -1.0):  # exact: no rounding
            return self._with(other * self.value, self.error)
        return self * other

    def __matmul__(self, other: Bounded) -> Bounded:
        """``self (m, n) @ other (n, p)``: ``m p`` sums of ``n`` products each."""
        n = self.value.shape[-1]
        propagated = self.magnitude @ other.error + self.error @ np.abs(other.value)
        rounding = gamma(n, self.u) * (self.magnitude @ other.magnitude)
        return self._with(self.value @ other.value, propagated + rounding)

    @property
    def T(self) -> Bounded:
        """The transpose."""
        return self._with(self.value.T, self.error.T)

    def constant(self, values: ArrayLike) -> Bounded:
        """Exact ``values`` (targets, ones) in the same computation as ``self``."""
        value = np.asarray(values, dtype=np.float64)
        return self._with(value, np.zeros_like(value))

    def _operand(self, other: Bounded | ArrayLike) -> Bounded:
        return other if isinstance(other, Bounded) else self.constant(other)


def _tiny(dtype: DTypeLike) -> float:
    return float(np.finfo(dtype).tiny)


# --- Layers -----------------------------------------------------------------------------------


def affine(a: Bounded, w: Bounded, b: Bounded) -> Bounded:
    """``z = a w^T + b`` for rows ``a`` (m, n_in): each ``z`` a sum of ``n_in + 1`` terms.

    The bias is one more term of the sum, so the bound holds wherever it is added.
    """
    n = a.value.shape[-1]
    propagated = a.magnitude @ w.error.T + a.error @ np.abs(w.value).T + b.error
    rounding = gamma(n + 1, a.u) * (a.magnitude @ w.magnitude.T + b.magnitude)
    return a._with(a.value @ w.value.T + b.value, propagated + rounding)


def _sigmoid(z: Array) -> Array:
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


def sigmoid(z: Bounded) -> Bounded:
    """``sigma(z) = 1 / (1 + e^-z)`` elementwise, as every engine computes it.

    ``sigma'`` is even and falls with ``|z|``, so over the interval where the computed and
    the exact ``z`` lie (within ``2 error`` of the value) it is largest nearest 0. Then
    ``exp`` is within FUNCTION_ULPS ulps (an ulp is at most ``2u`` relative), and ``1 + e``
    and ``1 / .`` round once each.
    """
    nearest_zero = np.clip(0.0, z.value - 2 * z.error, z.value + 2 * z.error)
    slope = _sigmoid(nearest_zero) * (1.0 - _sigmoid(nearest_zero))
    moved = slope * z.error
    value = _sigmoid(z.value)
    evaluation = (2 * FUNCTION_ULPS + 3) * z.u * (value + 2 * moved)
    return z._with(value, moved + evaluation + z.tiny)


def sigmoid_prime_from_output(a: Bounded) -> Bounded:
    """``sigma'(z) = a (1 - a)`` from the output ``a``, as the engines compute it."""
    return a * (1.0 - a)


# --- Networks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoundedNetwork:
    """A network's weights ``(n_out, n_in)`` and biases as :class:`Bounded` values."""

    weights: list[Bounded]
    biases: list[Bounded]

    @classmethod
    def of(cls, network: Network, dtype: DTypeLike | None = None) -> BoundedNetwork:
        """``network``'s parameters as computed with in ``dtype`` (default: its own).

        In its own dtype they are exact; in a narrower one each is rounded (``astype``, or
        the same seed drawn in float32).
        """
        if (network.hidden_activation.name, network.output_activation.name) != (
            "sigmoid",
            "sigmoid",
        ):
            raise NotImplementedError("bounds are derived for sigmoid neurons only")
        dtype = network.dtype if dtype is None else dtype
        make = Bounded.exact if np.dtype(dtype) == np.dtype(network.dtype) else Bounded.rounded
        return cls(
            [make(w, dtype) for w in network.weights], [make(b, dtype) for b in network.biases]
        )

    def activations_for(self, x: Bounded) -> list[Bounded]:
        """Every layer's activations for rows ``x``, the input first."""
        activations = [x]
        for w, b in zip(self.weights, self.biases):
            activations.append(sigmoid(affine(activations[-1], w, b)))
        return activations

    def feedforward(self, x: Bounded) -> Bounded:
        return self.activations_for(x)[-1]

    def backprop(
        self, x: Bounded, y: ArrayLike, *, cross_entropy: bool = False
    ) -> tuple[list[Bounded], list[Bounded]]:
        """The activations ``a^l`` and errors ``delta^(l+1) = dC/dz`` of a mini-batch, per layer.

        Cost: quadratic (``(a - y) sigma'``) or cross-entropy (``a - y``); sigmoid outputs.
        """
        activations = self.activations_for(x)
        output = activations[-1]
        delta = output - x.constant(y)
        if not cross_entropy:
            delta = delta * sigmoid_prime_from_output(output)
        deltas = [delta]
        for l in range(len(self.weights) - 1, 0, -1):
            back = deltas[0] @ self.weights[l]
            deltas.insert(0, back * sigmoid_prime_from_output(activations[l]))
        return activations[:-1], deltas

    def gradients(self, x: Bounded, y: ArrayLike) -> tuple[list[Bounded], list[Bounded]]:
        """``(dC/db, dC/dw)`` of the mean quadratic cost: ``sum_i delta_i a_i / m``."""
        inputs, deltas = self.backprop(x, y)
        m = len(x.value)
        nabla_b = [_combine(None, 0.0, -1.0 / m, d, None) for d in deltas]
        nabla_w = [_combine(None, 0.0, -1.0 / m, d, a) for d, a in zip(deltas, inputs)]
        return nabla_b, nabla_w

    def sgd_step(
        self,
        x: Bounded,
        y: ArrayLike,
        learning_rate: float,
        *,
        cross_entropy: bool = False,
        weight_scale: float = 1.0,
    ) -> BoundedNetwork:
        """The network after one mini-batch: ``w <- k w - (eta / m) sum_i delta_i a_i``.

        ``k`` is ``weight_scale`` (L2 or weight decay as a factor; 1 for the book's rule).
        """
        inputs, deltas = self.backprop(x, y, cross_entropy=cross_entropy)
        rate = learning_rate / len(x.value)
        weights = [
            _combine(w, weight_scale, rate, d, a) for w, d, a in zip(self.weights, deltas, inputs)
        ]
        biases = [_combine(b, 1.0, rate, d, None) for b, d in zip(self.biases, deltas)]
        return BoundedNetwork(weights, biases)

    def sgd(
        self,
        x: Bounded,
        targets: ArrayLike,
        batches: Sequence[NDArray[np.intp]],
        learning_rate: float,
        **options: Any,
    ) -> BoundedNetwork:
        """:meth:`sgd_step` over the mini-batches ``batches``, rows of ``x`` by index."""
        net, targets = self, np.asarray(targets)
        for batch in batches:
            rows = x._with(x.value[batch], x.error[batch])
            net = net.sgd_step(rows, targets[batch], learning_rate, **options)
        return net

    def parameters(self) -> list[Bounded]:
        return self.weights + self.biases


def _combine(
    p: Bounded | None, keep: float, rate: float, deltas: Bounded, inputs: Bounded | None
) -> Bounded:
    """``keep p - rate sum_i deltas_i^T inputs_i``; ``inputs`` None sums the deltas (biases).

    Rounding: every term of this sum of ``m + 1`` terms passes at most ``m + 4`` roundings,
    whichever engine computes it: its product, ``m - 1`` additions, the scalings by eta and
    by 1/m (or by their quotient, itself rounded), and the subtraction from ``p``; the kernel
    instead adds its ``m`` terms to ``w`` a block at a time (at most ``m`` roundings of ``w``).
    """
    m = deltas.value.shape[0]
    columns = inputs if inputs is not None else deltas.constant(np.ones((m, 1)))
    sums = deltas.T @ columns  # (n_out, n_in): for the value and the propagated errors only
    shape = sums.value.shape if inputs is not None else sums.value.shape[:1]
    carried = np.abs(deltas.value).T @ columns.error + deltas.error.T @ columns.magnitude
    magnitude = deltas.magnitude.T @ columns.magnitude
    value = -rate * sums.value.reshape(shape)
    error = abs(rate) * (carried + gamma(m + 4, deltas.u) * magnitude).reshape(shape)
    if p is not None:
        value = value + keep * p.value
        error = error + abs(keep) * (p.error + gamma(m + 4, deltas.u) * p.magnitude)
    return deltas._with(value, error)


# --- Comparisons ------------------------------------------------------------------------------


def inputs(x: ArrayLike, dtype: DTypeLike, *, rounded: bool = False) -> Bounded:
    """A batch of rows as the network sees it: exact in ``dtype``, or rounded to it."""
    return (Bounded.rounded if rounded else Bounded.exact)(x, dtype)


def tolerance(a: Bounded, b: Bounded | None = None) -> Array:
    """How far two results may differ: the sum of their bounds (``b`` None: two like ``a``)."""
    return a.error + (a if b is None else b).error


def tolerances(a: BoundedNetwork, b: BoundedNetwork | None = None) -> list[Array]:
    """:func:`tolerance` for every weight and bias, in the order ``weights + biases``."""
    others = (a if b is None else b).parameters()
    return [tolerance(p, q) for p, q in zip(a.parameters(), others, strict=True)]


def excess(actual: ArrayLike, expected: ArrayLike, tolerance: ArrayLike) -> float:
    """The largest ``|actual - expected| / tolerance``: at most 1 when within it."""
    difference = np.abs(np.asarray(actual, np.float64) - np.asarray(expected, np.float64))
    return float(np.max(difference / np.asarray(tolerance)))


def assert_within(actual: ArrayLike, expected: ArrayLike, tolerance: ArrayLike) -> None:
    """Every ``|actual - expected| <= tolerance`` (arrays, element by element)."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    tolerance = np.broadcast_to(np.asarray(tolerance, np.float64), expected.shape)
    difference = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
    worst = np.unravel_index(np.argmax(difference - tolerance), difference.shape)
    assert np.all(difference <= tolerance), (
        f"|actual - expected| = {difference[worst]:.3g} at {worst} exceeds its bound "
        f"{tolerance[worst]:.3g}; {np.count_nonzero(difference > tolerance)} of "
        f"{difference.size} elements out"
    )


def assert_parameters_within(
    actual: Network, expected: Network, tolerances: Sequence[ArrayLike]
) -> None:
    """Each weight and bias of ``actual`` within its tolerance of ``expected``'s."""
    pairs = zip(actual.weights + actual.biases, expected.weights + expected.biases, strict=True)
    for (p, q), t in zip(pairs, tolerances, strict=True):
        assert_within(p, q, t)
