"""digitnet: neural networks that recognise handwritten digits, built from first principles.

After chapter 1 of Michael Nielsen's "Neural Networks and Deep Learning": perceptrons,
sigmoid neurons, feedforward networks, a quadratic cost, backpropagation and mini-batch
stochastic gradient descent, trained on MNIST.

>>> from digitnet import Network, load_mnist, print_epoch, sgd  # doctest: +SKIP
>>> data = load_mnist()                                  # doctest: +SKIP
>>> net = Network([784, 30, 10], seed=1)                 # doctest: +SKIP
>>> history = sgd(net, data.training, epochs=30, mini_batch_size=10, learning_rate=3.0,
...               monitor={"test": data.test})           # doctest: +SKIP

``on_epoch=print_epoch`` prints a line per epoch on stderr (see :mod:`digitnet.progress`).
"""

from __future__ import annotations

TYPE_CHECKING = False  # as typing's, which type checkers read, without importing typing

#: Public name -> the module that defines it. They are imported when first used, so that
#: ``import digitnet.errors`` or the ``digitnet`` command (see :mod:`digitnet.command`)
#: does not wait for NumPy.
_EXPORTS = {
    "ConfigError": "digitnet.errors",
    "ConvNetwork": "digitnet.conv.network",
    "DataError": "digitnet.errors",
    "DigitnetError": "digitnet.errors",
    "Ensemble": "digitnet.ensemble",
    "History": "digitnet.history",
    "ImageError": "digitnet.errors",
    "ModelFileError": "digitnet.errors",
    "Network": "digitnet.network",
    "RunEnd": "digitnet.history",
    "SavedModel": "digitnet.modelfile",
    "TrainingSettings": "digitnet.settings",
    "load": "digitnet.modelfile",
    "load_mnist": "digitnet.data",
    "print_batches": "digitnet.progress",
    "print_epoch": "digitnet.progress",
    "save": "digitnet.modelfile",
    "sgd": "digitnet.training",
    "train": "digitnet.training",
    "__version__": "digitnet.version",
}

__all__ = [
    "ConfigError",
    "ConvNetwork",
    "DataError",
    "DigitnetError",
    "Ensemble",
    "History",
    "ImageError",
    "ModelFileError",
    "Network",
    "RunEnd",
    "SavedModel",
    "TrainingSettings",
    "__version__",
    "load",
    "load_mnist",
    "print_batches",
    "print_epoch",
    "save",
    "sgd",
    "train",
]


def __getattr__(name: str) -> object:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'digitnet' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value  # once: later look-ups do not come here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:
    from digitnet.conv.network import ConvNetwork
    from digitnet.data import load_mnist
    from digitnet.ensemble import Ensemble
    from digitnet.errors import ConfigError, DataError, DigitnetError, ImageError, ModelFileError
    from digitnet.history import History, RunEnd
    from digitnet.modelfile import SavedModel, load, save
    from digitnet.network import Network
    from digitnet.progress import print_batches, print_epoch
    from digitnet.settings import TrainingSettings
    from digitnet.training import sgd, train
    from digitnet.version import __version__
