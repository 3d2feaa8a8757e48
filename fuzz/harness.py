"""What the three fuzz harnesses share: the rule they check and how atheris is started.

The rule is the one of tests/test_parsers_properties.py: a parser returns a result or raises
its own error class with a one-line message naming the file. Any other exception, a broken
invariant of a result, or a MemoryError under the address-space cap is left to propagate,
and atheris records it as a crash in fuzz/artifacts/.
"""

from __future__ import annotations

import resource
import sys
from collections.abc import Callable

import atheris

# An allocation of what a hostile header declares fails here instead of swapping; the
# largest legitimate input (a 40-megapixel RGBA image and its conversions) needs far less.
MEMORY_CAP_BYTES = 3 * 2**30


def check_message(exc: Exception, name: str) -> None:
    """Raise AssertionError unless ``exc``'s message names ``name`` on one line."""
    message = str(exc)
    if name not in message or "\n" in message:
        raise AssertionError(f"message does not name {name!r} on one line: {message!r}")


def fuzz(test_one_input: Callable[[bytes], None]) -> None:
    """Run libFuzzer on ``test_one_input`` with this process's command-line flags.

    Every Python function loaded by then is instrumented for coverage: digitnet, and also
    what it leans on (gzip, zipfile, numpy's .npy header parser, Pillow's image plugins),
    where hostile input goes first. C code (zlib, NumPy's core, Pillow's decoders) is not.
    """
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP_BYTES, MEMORY_CAP_BYTES))
    atheris.instrument_all()
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
