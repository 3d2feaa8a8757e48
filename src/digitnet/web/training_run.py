"""A training run in a background thread, and the events it reports to the page.

The run calls the same trainer as ``digitnet train`` (:func:`digitnet.training.train`,
engine "auto") on a new network. Numba's compiled kernel releases the GIL, so the server
keeps answering predictions while it runs. What happens is written to an append-only
:class:`EventLog` that any number of event streams read at their own pace:

- ``samples``: ``{"labels", "pixels" (uint8, 784 each)}`` first: the test digits that
  every epoch event's snapshot predicts (see :func:`~digitnet.web.views.sample_digits`);
- ``epoch``: ``{"epoch", "epochs", "validation_accuracy" (percent), "validation_cost",
  "seconds", "snapshot"}`` after each epoch, the snapshot a few first-layer neurons' weights
  and the samples' predictions (:func:`~digitnet.web.views.learning_snapshot`);
- ``progress``: ``{"done", "total"}`` mini-batches, PROGRESS_EVENTS_PER_EPOCH times an epoch;
- ``done``: ``{"epochs_run", "best_validation_accuracy" (percent, or None before the first
  epoch ends), "stopped", "diverged", "timed_out" (the server's time limit), "saved"}`` (the
  name of the new model in the models folder, or None), or ``error``: ``{"detail"}``; either
  ends the log.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from digitnet.data import Dataset, MnistSplit
from digitnet.errors import DigitnetError
from digitnet.history import History
from digitnet.network import Network
from digitnet.recipes import Recipe
from digitnet.training import train
from digitnet.web.views import (
    MONITORED,
    done_data,
    epoch_data,
    learning_snapshot,
    sample_digits,
    samples_data,
)

#: Progress events per epoch: enough for a progress bar, few enough for a slow link.
PROGRESS_EVENTS_PER_EPOCH = 4
#: What the network computes in; float32 is the CLI's default and twice as fast.
DTYPE = "float32"
UNEXPECTED_END = "training stopped unexpectedly; the server's log says why"


@dataclass(frozen=True)
class Event:
    """One server-sent event: its name and its JSON data."""

    name: str
    data: dict[str, Any]


@dataclass(frozen=True)
class TrainRequest:
    """A validated request to train: the recipe (network and settings), how much data, and
    the seconds after which the run ends when its settings carry no time budget."""

    recipe: Recipe
    training_size: int | None
    time_limit: float | None = None


@dataclass
class EventLog:
    """Events in the order they happened; thread-safe, and closed by the last one."""

    _events: list[Event] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    closed: bool = False

    def append(self, event: Event, *, last: bool = False) -> None:
        with self._lock:
            if self.closed:
                return
            self._events.append(event)
            self.closed = last

    def since(self, index: int) -> tuple[list[Event], bool]:
        """The events from ``index`` on, and whether the log was closed when read."""
        with self._lock:
            return self._events[index:], self.closed

    def __len__(self) -> int:
        with self._lock:
            return len(self._events)


#: Called with the trained network, its history and the request when a run ends with at
#: least one finished epoch and weights a model file may hold; returns the name the model
#: was saved as. It may raise a DigitnetError (e.g. the file cannot be written), which the
#: page is told as an ``error`` event.
OnTrained = Callable[[Network, History, TrainRequest], str]


class TrainingRun:
    """Train one network in a daemon thread; :meth:`stop` ends it between mini-batches.

    Parameters
    ----------
    request : TrainRequest
    data : MnistSplit
        MNIST, loaded once by the caller (uint8 pixels).
    on_trained : callable(Network, History, TrainRequest) -> str
        See ``OnTrained``; runs in the training thread before the ``done`` event.
    """

    def __init__(self, request: TrainRequest, data: MnistSplit, on_trained: OnTrained) -> None:
        self.request, self.data, self.on_trained = request, data, on_trained
        self.events = EventLog()
        self._stop = threading.Event()
        self._last_progress = -1
        self._network: Network | None = None  # the one in training, for the snapshots
        self._samples = sample_digits(data.test)
        self._deadline = math.inf
        self._timed_out = False
        self._thread = threading.Thread(target=self._run, name="digitnet-training", daemon=True)

    @property
    def running(self) -> bool:
        return not self.events.closed

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Ask the run to end after the mini-batches in hand (as Ctrl-C does in the CLI)."""
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def _run(self) -> None:
        try:
            history, saved = self._train()
            done = done_data(history, saved, timed_out=self._timed_out)
            self.events.append(Event("done", done), last=True)
        except DigitnetError as exc:
            self.events.append(Event("error", {"detail": str(exc)}), last=True)
        finally:  # a bug: the page still hears that the run is over; the thread logs why
            self.events.append(Event("error", {"detail": UNEXPECTED_END}), last=True)

    def _train(self) -> tuple[History, str | None]:
        request, training = self.request, self.data.training
        if request.training_size is not None:
            size = request.training_size
            training = Dataset(training.images[:size], training.labels[:size])
        network = request.recipe.build()
        assert isinstance(network, Network)  # the page's recipes are fully-connected
        self._network = network
        self.events.append(Event("samples", samples_data(self._samples)))
        if request.time_limit is not None:
            self._deadline = time.monotonic() + request.time_limit
        history = train(
            network,
            training,
            request.recipe.settings,
            monitor={MONITORED: self.data.validation},
            on_batch=self._on_batch,
            on_epoch=self._on_epoch,
            should_stop=self._should_stop,
        )
        if history.epochs_run == 0 or network.overflow_problem() is not None:
            return history, None
        return history, self.on_trained(network, history, request)

    def _on_batch(self, done: int, total: int) -> None:
        step = done * PROGRESS_EVENTS_PER_EPOCH // total
        if done == total:
            self._last_progress = -1  # the next epoch starts over
        elif step > self._last_progress:
            self._last_progress = step
            self.events.append(Event("progress", {"done": done, "total": total}))

    def _should_stop(self) -> bool:
        if not self._stop.is_set() and time.monotonic() >= self._deadline:
            self._timed_out = True
            self._stop.set()
        return self._stop.is_set()

    def _on_epoch(self, history: History) -> None:
        assert self._network is not None
        snapshot = learning_snapshot(self._network, self._samples)
        self.events.append(Event("epoch", {**epoch_data(history), "snapshot": snapshot}))
