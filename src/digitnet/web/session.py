"""What one server holds between requests: the current model, MNIST, the training run.

The current model is replaced as a whole (one attribute assignment), so a prediction uses
either the old network or the new one, never half of each. A network being trained is a
new object that no request sees until its run ends.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitnet.data import MnistSplit, load_mnist
from digitnet.data.mnist import check_classifier_sizes
from digitnet.errors import ModelFileError
from digitnet.modelfile import load, save, shipped_model_path
from digitnet.network import Network
from digitnet.training import History
from digitnet.web.errors import Conflict
from digitnet.web.training_run import TrainingRun, TrainRequest

#: What ``source`` says of a model trained through the page.
TRAINED_HERE = "trained in this session"


@dataclass(frozen=True)
class CurrentModel:
    """The network that answers predictions, where it came from, and how it learned."""

    network: Network
    source: str
    history: History | None


class Session:
    """The server's state. Thread-safe: requests run in a thread pool, training in its own.

    Parameters
    ----------
    model_path : Path
        Read at start if it exists (else the shipped model, if any); where a network trained
        here is saved (atomically).
    data_dir : Path or None
        MNIST's folder for training (None: ``$DIGITNET_DATA``, else the per-user cache).
    """

    def __init__(self, model_path: Path, data_dir: Path | None) -> None:
        self.model_path, self.data_dir = model_path, data_dir
        self.model: CurrentModel | None = None
        self.run: TrainingRun | None = None  # the current or last run
        self._mnist: MnistSplit | None = None
        self._mnist_lock = threading.Lock()
        self._start_lock = threading.Lock()
        start = model_path if model_path.exists() else shipped_model_path()
        if start.exists():
            saved = load(start)
            check_classifier_sizes(saved.network.sizes, str(start))
            self.model = CurrentModel(saved.network, str(start), saved.history)

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
        """Stop a run that is going and wait up to ``timeout`` seconds for it to save."""
        run = self.run
        if run is not None and run.running:  # keep what it learned, as Ctrl-C does in the CLI
            run.stop()
            run.join(timeout)

    def _refuse_if_training(self) -> None:
        if self.training:
            raise Conflict("a training run is already going: stop it first")

    def _install(self, network: Network, history: History) -> None:
        """Make a newly trained network current at once, then save it to model_path."""
        self.model = CurrentModel(network, TRAINED_HERE, history)
        folder = self.model_path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ModelFileError(f"{folder}: cannot create the folder ({exc.strerror})") from None
        save(self.model_path, network, history=history)
