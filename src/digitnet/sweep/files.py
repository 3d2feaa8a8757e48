"""A sweep written in a file: TOML (``.toml``) or YAML (``.yaml``, ``.yml``, needs PyYAML).

::

    preset = "book"
    seeds = 5                  # seeds 1 to 5, or a list: [1, 7, 42]
    samples = 4                # optional: 4 points of the grid drawn at random
    sample_seed = 0

    [options]                  # train's options, with - or _; a list is values to try
    learning_rate = [0.1, 0.5, 3.0]
    sizes = [[784, 30, 10], [784, 100, 10]]
    epochs = 30

:func:`read_sweep_file` gives its parts as :class:`~digitnet.sweep.space.Sweep` takes them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from digitnet.errors import ConfigError
from digitnet.extras import require

#: The first seed of ``seeds = N``: 1 to N, as ``digitnet reproduce`` numbers them.
FIRST_SEED = 1
#: The keys a sweep file may have at its top.
FILE_KEYS = ("preset", "seeds", "samples", "sample_seed", "validation_size", "options")
YAML_SUFFIXES = (".yaml", ".yml")


def seeds_of(value: Any) -> tuple[int, ...]:
    """``5`` -> seeds 1 to 5; a list of seeds as it is."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 1:
            raise ConfigError(f"seeds must be a count of at least 1 or a list, got {value}")
        return tuple(range(FIRST_SEED, FIRST_SEED + value))
    if isinstance(value, list | tuple):
        return tuple(value)
    raise ConfigError(f"seeds must be a count or a list of seeds, got {value!r}")


def _parse(path: Path, text: str) -> Any:
    if path.suffix.lower() in YAML_SUFFIXES:
        yaml = require("yaml", "cluster", f"reading {path.name}")
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not YAML: {str(exc).splitlines()[0]}") from None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not TOML: {exc}") from None


def read_sweep_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The sweep in ``path``: ``Sweep(**read_sweep_file(path))`` builds it.

    Raises ConfigError, naming the file, when it cannot be read or parsed, or has keys a
    sweep has not.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    data = _parse(path, text)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a table of settings, got {type(data).__name__}")
    unknown = sorted(set(data) - set(FILE_KEYS))
    if unknown:
        raise ConfigError(f"{path}: unknown key {unknown[0]!r}; keys are {', '.join(FILE_KEYS)}")
    options = data.pop("options", {})
    if not isinstance(options, dict):
        raise ConfigError(f"{path}: options must be a table of option = values")
    sweep: dict[str, Any] = {k: v for k, v in data.items() if k != "seeds"}
    if "seeds" in data:
        sweep["seeds"] = seeds_of(data["seeds"])
    sweep["grid"] = {name.replace("-", "_"): values for name, values in options.items()}
    return sweep
