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

from digitnet.data import load_mnist
from digitnet.errors import ConfigError, DataError, DigitnetError, ImageError, ModelFileError
from digitnet.history import History, RunEnd
from digitnet.modelfile import SavedModel, load, save
from digitnet.network import Network
from digitnet.progress import print_batches, print_epoch
from digitnet.settings import TrainingSettings
from digitnet.training import sgd, train
from digitnet.version import __version__

__all__ = [
    "ConfigError",
    "DataError",
    "DigitnetError",
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
