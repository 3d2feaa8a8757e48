"""Checks on the fields of a request's JSON, each failing with a one-line ConfigError.

The messages name the request, the field and the value at fault; the server answers
them with 422.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from digitnet.errors import ConfigError


def json_object(body: Any, what: str) -> Mapping[str, Any]:
    """``body`` if it is a JSON object, else a ConfigError naming ``what`` it was for."""
    if not isinstance(body, Mapping):
        raise ConfigError(f"{what}: expected a JSON object, got {type(body).__name__}")
    return body


def reject_unknown(body: Mapping[str, Any], known: Mapping[str, Any], what: str) -> None:
    """A ConfigError naming the first field of ``body`` that is not in ``known``."""
    unknown = sorted(set(body) - set(known))
    if unknown:
        raise ConfigError(f"{what}: unknown field {unknown[0]!r} (known: {', '.join(known)})")


def is_int(value: Any) -> bool:
    """True for a JSON integer; False for ``true`` and ``false``, which Python calls ints."""
    return isinstance(value, int) and not isinstance(value, bool)


def check_bit(value: Any, name: str) -> int:
    """``value`` as a bit, 0 or 1, else a ConfigError naming ``name``."""
    if not is_int(value) or value not in (0, 1):
        raise ConfigError(f"{name} must be 0 or 1, got {value!r}")
    return int(value)
