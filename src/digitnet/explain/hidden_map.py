"""A map of what the hidden layer sees: digits placed by their hidden activations.

Each digit becomes the vector ``h`` of the last hidden layer's activations (what the output
layer reads), and the vectors of many digits are laid out in two dimensions:

- PCA: ``h`` centred on the mean ``mu`` and projected on the two directions of largest
  variance, the first two right singular vectors of the centred matrix
  ``H - mu = U S V^T``: ``p = (h - mu) V_2``. A new digit is placed by the same formula.
  Each direction's sign is fixed so that its largest entry is positive, so the map is the
  same on every machine.
- t-SNE (scikit-learn, the ``baselines`` extra): neighbours in the hidden space stay
  neighbours on the map, at the cost of distances that mean little. t-SNE places no new
  points, so a new digit goes to the mean place of its MAP_NEIGHBOURS nearest neighbours in
  the hidden space.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from digitnet.conv.network import AnyNetwork
from digitnet.errors import ConfigError
from digitnet.extras import require

FloatArray = NDArray[np.floating]

#: Test digits on the page's map.
MAP_DIGITS = 2_000
#: How a map can be laid out.
MAP_METHODS = ("pca", "tsne")
#: Nearest digits whose places a new digit's place on a t-SNE map is the mean of.
MAP_NEIGHBOURS = 5
#: t-SNE's perplexity: roughly the neighbours each point keeps close (scikit-learn's default).
TSNE_PERPLEXITY = 30.0
#: t-SNE's iterations: half scikit-learn's 1,000. On the book's network's 2,000 test digits
#: that took 2.2 times less CPU (18.0 and 13.5 s against 39.7 and 29.6, alternated on a
#: busy machine) for as good a map: a digit's 6 nearest on the map share its label 92.7% of
#: the time, against 92.8%.
TSNE_ITERATIONS = 500


@dataclass(frozen=True)
class HiddenMap:
    """Digits placed by their hidden activations (see :func:`hidden_map`).

    Attributes
    ----------
    method : {"pca", "tsne"}
    points : ndarray, shape (n, 2)
        Each digit's place.
    labels, predictions : ndarray of int, shape (n,)
        The digit each shows, and what the network reads it as.
    hidden : ndarray, shape (n, n_hidden)
        Each digit's last hidden layer.
    mean : ndarray, shape (n_hidden,)
        The mean of ``hidden``.
    components : ndarray, shape (2, n_hidden), or None
        PCA's two directions (None for t-SNE).
    explained : ndarray, shape (2,), or None
        The share of the hidden activations' variance along each direction (PCA).
    """

    method: str
    points: FloatArray
    labels: NDArray[np.intp]
    predictions: NDArray[np.intp]
    hidden: FloatArray
    mean: FloatArray
    components: FloatArray | None
    explained: FloatArray | None

    def place(self, network: AnyNetwork, x: ArrayLike) -> FloatArray:
        """Where image ``x`` (n_in,) goes on this map (the network that made it), shape (2,)."""
        h = last_hidden(network, np.atleast_2d(x))[0].astype(np.float64)
        if self.components is not None:
            return np.asarray((h - self.mean) @ self.components.T)
        distances = np.linalg.norm(self.hidden - h, axis=1)
        nearest = np.argsort(distances, kind="stable")[:MAP_NEIGHBOURS]
        return np.asarray(self.points[nearest].mean(axis=0))


def last_hidden(network: AnyNetwork, images: ArrayLike) -> FloatArray:
    """The last hidden layer's activations ``(n, n_hidden)`` for ``images`` (n, n_in)."""
    if network.num_layers < 3:
        raise ConfigError(f"a map of the hidden layer needs a hidden layer, not {network!r}")
    return network.activations_for(images)[-2]


def hidden_map(
    network: AnyNetwork, images: ArrayLike, labels: ArrayLike, *, method: str = "pca", seed: int = 0
) -> HiddenMap:
    """Place ``images`` (n, n_in) by the network's last hidden layer, by PCA or t-SNE.

    ``seed`` drives t-SNE's random start (PCA needs none).
    """
    if method not in MAP_METHODS:
        raise ConfigError(f"method must be one of {', '.join(MAP_METHODS)}, got {method!r}")
    if network.num_layers < 3:
        raise ConfigError(f"a map of the hidden layer needs a hidden layer, not {network!r}")
    activations = network.activations_for(images)
    hidden = activations[-2].astype(np.float64)
    if len(hidden) < 3:
        raise ConfigError(f"a map needs at least 3 digits, got {len(hidden)}")
    predictions = np.argmax(activations[-1], axis=1)
    mean = hidden.mean(axis=0)
    centred = hidden - mean
    _, singular, vt = np.linalg.svd(centred, full_matrices=False)
    top = np.zeros((2, hidden.shape[1]))  # stays 0 past the directions there are
    top[: min(2, len(vt))] = vt[:2]
    signs = np.sign(top[np.arange(2), np.abs(top).argmax(axis=1)])
    components = top * np.where(signs == 0, 1, signs)[:, None]
    variance = singular**2
    explained = np.zeros(2)
    if variance.sum() > 0:
        explained[: min(2, len(variance))] = variance[:2] / variance.sum()
    if method == "pca":
        points = centred @ components.T
        return HiddenMap(
            method, points, np.asarray(labels), predictions, hidden, mean, components, explained
        )
    manifold = require("sklearn.manifold", "baselines", "the t-SNE map")
    # scikit-learn 1.5 renamed n_iter max_iter (and 1.7 removed n_iter)
    parameters = inspect.signature(manifold.TSNE).parameters
    iterations = "max_iter" if "max_iter" in parameters else "n_iter"
    tsne = manifold.TSNE(
        n_components=2,
        perplexity=min(TSNE_PERPLEXITY, (len(hidden) - 1) / 3),
        init="pca",
        random_state=seed,
        **{iterations: TSNE_ITERATIONS},
    )
    points = tsne.fit_transform(hidden)
    return HiddenMap(method, points, np.asarray(labels), predictions, hidden, mean, None, None)
