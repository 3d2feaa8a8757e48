"""What one server holds between requests: the current model, MNIST, the training run.

The current model is replaced as a whole (one attribute assignment), so a prediction uses
either the old network or the new one, never half of each. A network trained here is
saved as a new model of the models folder (:mod:`digitnet.models_store`), never over a
file and never as the default; it answers predictions only once the page asks for it
(:meth:`Session.use`), or at once if the server had no model at all.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitnet.conv.network import AnyNetwork, ConvNetwork
from digitnet.data import MnistSplit, load_mnist
from digitnet.data.mnist import check_classifier_sizes
from digitnet.history import History
from digitnet.modelfile import load
from digitnet.models_store import ModelStore
from digitnet.network import Network
from digitnet.web.errors import Conflict, NotFound
from digitnet.web.training_run import TrainingRun, TrainRequest


@dataclass(frozen=True)
class CurrentModel:
    """The network that answers predictions, where it came from, and how it learned."""

    network: AnyNetwork
    source: str
    history: History | None


class Session:
    """The server's state. Thread-safe: requests run in a thread pool, training in its own.

    Parameters
    ----------
    model_path : Path or None
        The model to serve at start (None: none yet).
    store : ModelStore
        Where networks trained here are saved, each as a new model.
    data_dir : Path or None
        MNIST's folder for training (None: ``$DIGITNET_DATA``, else the per-user cache).
    """

    def __init__(self, model_path: Path | None, store: ModelStore, data_dir: Path | None) -> None:
        self.store, self.data_dir = store, data_dir
        self.model = None if model_path is None else _read_model(model_path)
        self.trained: dict[str, Path] = {}  # the models saved by runs of this server, by name
        self.run: TrainingRun | None = None  # the current or last run
        self._mnist: MnistSplit | None = None
        self._mnist_lock = threading.Lock()
        self._start_lock = threading.Lock()

    @property
    def training(self) -> bool:
        return self.run is not None and self.run.running

    def require_model(self) -> CurrentModel:
        model = self.model
        if model is None:
            raise Conflict(
                "no model loaded: train one on this page, or with `digitnet train` and "
                "restart `digitnet serve`"
            )
        return model

    def require_dense(self, what: str) -> tuple[CurrentModel, Network]:
        """The current model and its network if it is fully-connected: ``what`` (a view of
        the page, such as saliency) is computed for such networks only. Conflict (409) for
        a convolutional one."""
        model = self.require_model()
        if not isinstance(model.network, Network):
            raise Conflict(
                f"{what} is for fully-connected networks; the model served is convolutional "
                f"({model.network.spec})"
            )
        return model, model.network

    def require_conv(self, what: str) -> tuple[CurrentModel, ConvNetwork]:
        """The current model and its network if it is convolutional; Conflict (409) if not."""
        model = self.require_model()
        if not isinstance(model.network, ConvNetwork):
            raise Conflict(
                f"{what} are for convolutional networks; the model served is fully-connected "
                f"({list(model.network.sizes)})"
            )
        return model, model.network

    def mnist(self) -> MnistSplit:
        """MNIST as uint8 pixels, read once (never downloaded here: `digitnet train` does)."""
        with self._mnist_lock:
            if self._mnist is None:
                self._mnist = load_mnist(self.data_dir, dtype=np.uint8, download=False)
            return self._mnist

    def start_training(self, request: TrainRequest) -> TrainingRun:
        """Start a run in the background; Conflict if one is going, DataError if no MNIST."""
        self._refuse_if_training()
        data = self.mnist()
        with self._start_lock:
            self._refuse_if_training()
            self.run = TrainingRun(request, data, self._install)
            self.run.start()
            return self.run

    def stop_training(self) -> None:
        run = self.run
        if run is None or not run.running:
            raise Conflict("no training run is going")
        run.stop()

    def shut_down(self, timeout: float) -> None:
        """Stop a run that is going and wait up to ``timeout`` seconds for it to be saved.

        It is saved as a new model, as any run is; it replaces nothing.
        """
        run = self.run
        if run is not None and run.running:
            run.stop()
            run.join(timeout)

    def trained_file(self, name: str) -> Path:
        """The file of model ``name`` trained here; NotFound for any other name."""
        path = self.trained.get(name)
        if path is None:
            raise NotFound(f"no model {name!r} was trained on this server")
        return path

    def use(self, name: str) -> CurrentModel:
        """Serve model ``name``, trained here, from now on."""
        self.model = _read_model(self.trained_file(name))
        return self.model

    def _refuse_if_training(self) -> None:
        if self.training:
            raise Conflict("a training run is already going: stop it first")

    def _install(self, network: Network, history: History, request: TrainRequest) -> str:
        """Save a newly trained network as a new model; serve it if nothing else is served."""
        saved = self.store.add(
            network, history, extra={"training_size": request.training_size}, make_default=False
        )
        self.trained[saved.model.name] = saved.model.path
        if self.model is None:  # it replaces nothing
            self.model = CurrentModel(network, str(saved.model.path), history)
        return saved.model.name


def _read_model(path: Path) -> CurrentModel:
    """The model file at ``path``, which must be an MNIST classifier (either kind)."""
    saved = load(path)
    check_classifier_sizes(saved.network.sizes, str(path))
    return CurrentModel(saved.network, str(path), saved.history)
