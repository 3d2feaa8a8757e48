"""The errors digitnet raises for a user's mistake.

Every message fits on one line and names the file or value at fault. The CLI turns a
:class:`DigitnetError` into ``Error: ...`` and exit code 1; any other exception is a bug.
Each class also inherits :class:`ValueError`, as scikit-learn's errors do, so callers that
already catch ``ValueError`` keep working.
"""


class DigitnetError(ValueError):
    """Base class: a user's input (a path, an option, a file, an image) is not usable."""


class ConfigError(DigitnetError):
    """A setting or hyperparameter is out of range or malformed (e.g. ``--sizes 784,abc``)."""


class DataError(DigitnetError):
    """A data file (IDX / MNIST) is missing, truncated, corrupt or fails its checksum."""


class ModelFileError(DigitnetError):
    """A model file is not a digitnet model, is damaged, or has a newer format version."""


class ImageError(DigitnetError):
    """An image cannot be read or does not hold a usable digit."""


class MissingExtra(ConfigError):
    """A feature needs an optional dependency that is not installed (see :mod:`digitnet.extras`).

    ``feature`` says what needs it (``"digitnet plot"``), ``extra`` which extra brings it. A
    ConfigError, as the missing scikit-learn of the SVM baseline was before this class.
    """

    def __init__(self, feature: str, extra: str) -> None:
        self.feature, self.extra = feature, extra
        super().__init__(f"{feature} needs the '{extra}' extra: pip install 'digitnet[{extra}]'")
