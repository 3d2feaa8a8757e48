"""The network's input from an image, computed in worker processes, so that the lean
predictions of many clients use every core.

The pipeline (decode, grey levels, strokes, layout) is some forty Pillow, SciPy and NumPy
calls on a 280 x 280 canvas, most of its 3-4 ms with the GIL held: in the server's threads
sixteen clients kept one core busy and left the other idle. A lean answer with no pictures
needs only the input vector and the doubt about the ink's shape, 3 KB to send back, so
:func:`network_input` runs in :class:`InputProcesses` (spawned, as many as the CPUs the
server may use) and the network's forward pass stays in the server. The function is the
one the threads run, so the answer is the same.

Each worker has a pipe of its own that the event loop writes a request to and watches for
the answer (``loop.add_reader``): no helper threads, whose hand-offs of the GIL cost the
server more than a millisecond a request with :class:`concurrent.futures.ProcessPoolExecutor`.
The messages are plain bytes, never pickles: a request is the reader's name, a newline and
the image; an answer ``1``, the 784 float32s and the doubt in UTF-8 (empty: none), or
``0``, the error's class name, a newline and its message.
"""

from __future__ import annotations

import asyncio
import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

import numpy as np
from numpy.typing import NDArray

from digitnet.errors import ConfigError, DigitnetError, ImageError
from digitnet.imaging import PreprocessSteps, preprocess_drawing, preprocess_steps
from digitnet.mnist_shape import MNIST_PIXELS

UPLOAD_NAME = "uploaded image"  # what error messages call the image
#: The ``input`` query parameter of POST /api/predict: how the image is read.
READERS: dict[str, Callable[..., PreprocessSteps]] = {
    "file": preprocess_steps,
    "canvas": preprocess_drawing,
}
#: At most this many worker processes, however many CPUs there are (each holds ~100 MB).
MAX_PROCESSES = 8
#: glibc's M_TOP_PAD: how much free memory a worker keeps at the top of its heap. The
#: default (128 KB) gives the pipeline's arrays back and faults them in again on every
#: image; 16 MB made a worker's image 4.3 ms of CPU instead of 7.0 ms.
HEAP_TOP_PAD = 16 * 2**20
_M_TOP_PAD = -2
#: The errors a worker sends back by name (the readers raise ImageError).
ERRORS: dict[str, type[DigitnetError]] = {
    error.__name__: error for error in (DigitnetError, ConfigError, ImageError)
}

Input = tuple[NDArray[np.float32], "str | None"]


def network_input(reader: str, image: bytes) -> Input:
    """The network's input for ``image`` read by ``READERS[reader]``, shape (784,), and why
    the ink may not be a digit (or None). Raises ImageError as the reader does."""
    steps = READERS[reader](image, name=UPLOAD_NAME)
    return steps.vector, steps.doubt


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity where the system says it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def default_processes() -> int:
    """How many input processes ``digitnet serve`` starts: one per usable CPU (at most
    MAX_PROCESSES), none on a single CPU, where the threads do as well."""
    cpus = usable_cpus()
    return min(cpus, MAX_PROCESSES) if cpus > 1 else 0


def _worker(connection: Connection) -> None:
    """A worker's life: answer each request (see the module's docstring) until the server
    closes the pipe. An exception other than a DigitnetError is a bug: the worker dies
    with its traceback, and the server replaces it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).mallopt(_M_TOP_PAD, HEAP_TOP_PAD)
    while True:
        try:
            reader, _, image = connection.recv_bytes().partition(b"\n")
        except (EOFError, OSError):
            return
        try:
            vector, doubt = network_input(reader.decode(), image)
        except DigitnetError as exc:  # the user's image: raised in the server, a 422
            connection.send_bytes(f"0{type(exc).__name__}\n{exc}".encode())
            continue
        answer = np.ascontiguousarray(vector, dtype=np.float32).tobytes()
        connection.send_bytes(b"1" + answer + (doubt or "").encode())


def _answer(data: bytes) -> Input:
    """A worker's answer as :func:`network_input` returns it, or its error raised."""
    if data[:1] == b"0":
        name, _, message = data[1:].decode().partition("\n")
        raise ERRORS.get(name, DigitnetError)(message)
    size = MNIST_PIXELS * np.dtype(np.float32).itemsize
    vector = np.frombuffer(data, dtype=np.float32, count=MNIST_PIXELS, offset=1).copy()
    return vector, data[1 + size :].decode() or None


class InputProcesses:
    """``count`` spawned workers that run :func:`network_input`, each on its own pipe,
    started by :meth:`start` on the event loop that will use them."""

    def __init__(self, count: int) -> None:
        assert count >= 1
        self.count = count
        self._idle: asyncio.Queue[tuple[Connection, BaseProcess]] | None = None
        self._workers: list[tuple[Connection, BaseProcess]] = []

    def start(self) -> None:
        """Spawn the workers (each imports the pipeline once)."""
        self._idle = asyncio.Queue()
        for _ in range(self.count):
            self._spawn()

    def _spawn(self) -> None:
        assert self._idle is not None
        ours, theirs = multiprocessing.Pipe()
        process = multiprocessing.get_context("spawn").Process(
            target=_worker, args=(theirs,), name="digitnet-input", daemon=True
        )
        process.start()
        theirs.close()
        self._workers.append((ours, process))
        self._idle.put_nowait((ours, process))

    async def network_input(self, reader: str, image: bytes) -> Input:
        """:func:`network_input` of ``image`` in the first free worker (a worker found
        dead is replaced, and the next one asked)."""
        assert self._idle is not None, "InputProcesses.start was not called"
        loop = asyncio.get_running_loop()
        while True:
            worker = await self._idle.get()
            try:
                worker[0].send_bytes(reader.encode() + b"\n" + image)
            except OSError:
                self._replace(worker)
                continue
            answer: asyncio.Future[bytes] = loop.create_future()
            loop.add_reader(worker[0].fileno(), self._collect, worker, answer)
            return _answer(await answer)

    def _collect(
        self, worker: tuple[Connection, BaseProcess], answer: asyncio.Future[bytes]
    ) -> None:
        """The worker has answered (or died): hand the answer on, free or replace it."""
        connection, process = worker
        asyncio.get_running_loop().remove_reader(connection.fileno())
        try:
            data = connection.recv_bytes()
        except (EOFError, OSError):
            self._replace(worker)
            if not answer.cancelled():
                answer.set_exception(RuntimeError(f"input worker {process.pid} died"))
            return
        assert self._idle is not None
        self._idle.put_nowait(worker)
        if not answer.cancelled():  # a cancelled request's answer is dropped
            answer.set_result(data)

    def _replace(self, worker: tuple[Connection, BaseProcess]) -> None:
        worker[0].close()
        self._workers.remove(worker)
        self._spawn()

    def shut_down(self) -> None:
        """Close the pipes: each worker ends after the image in hand."""
        for connection, _ in self._workers:
            connection.close()
        self._workers.clear()
