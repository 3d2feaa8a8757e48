"""What a training run carries from one epoch to the next, besides the network's parameters.

Resuming a run exactly, after its last finished epoch, takes:

- the generator: it shuffles each epoch and draws the dropout masks and the distortions'
  maps, so its state is all the randomness left (the distortions' bank of elastic fields
  comes from the seed alone and is rebuilt);
- the history: the plateau schedule replays its validation results, the cosine schedule
  needs only the epoch, early stopping its best epoch;
- the momentum's velocities ``v`` (``v <- mu v - eta g``), empty without momentum;
- under early stopping, the parameters of the best epoch so far, which the run ends with.

:mod:`digitnet.checkpoint` writes it to disk and reads it back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from digitnet.errors import ConfigError
from digitnet.history import History
from digitnet.settings import TrainingSettings

FloatArray = NDArray[np.floating]


@dataclass
class TrainingState:
    """A run's generator, history, velocities and best parameters (see the module).

    :func:`digitnet.training.train` fills it in as it goes: after each epoch ``history`` is
    the run so far, ``velocities`` are the update rule's own arrays and ``best`` a copy of
    the best epoch's parameters; both lists are in the order ``weights + biases``.
    """

    rng: np.random.Generator
    history: History | None = None
    velocities: list[FloatArray] = field(default_factory=list)
    best: list[FloatArray] | None = None

    @classmethod
    def fresh(cls, seed: int | None) -> TrainingState:
        """The state of a run that has not begun, its generator seeded with ``seed``."""
        return cls(np.random.default_rng(seed))

    def check_resumable(self, settings: TrainingSettings, parameters: Sequence[FloatArray]) -> None:
        """Refuse to resume a run whose velocities or best parameters are missing or misshapen.

        Raises
        ------
        ConfigError
            Naming what is missing or does not fit ``parameters`` (the network's).
        """
        if self.history is None or not self.history.epochs_run:
            return
        shapes = [p.shape for p in parameters]

        def check(name: str, arrays: Sequence[FloatArray] | None) -> None:
            if not arrays:
                raise ConfigError(f"the run to resume has no {name}; it cannot go on exactly")
            if [a.shape for a in arrays] != shapes:
                raise ConfigError(f"the run to resume has {name} not shaped like the network")

        if settings.momentum:
            check("velocities", self.velocities)
        if settings.early_stopping is not None:
            check("best parameters", self.best)
