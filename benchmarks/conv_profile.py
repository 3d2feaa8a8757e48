"""Where a conv training step's time goes: each stage of the book's chapter-6 network alone.

The step of :class:`digitnet.conv.steps.ConvStep` taken apart: on one step's own buffers,
each stage (im2col, the products, pooling and its backward pass, col2im, the activations and
their derivatives, the update, gathering a mini-batch) is run ``--repeats`` times and timed;
the table gives milliseconds a mini-batch, best of ``--rounds``, and each stage's share of
the whole step, timed the same way. Kernels are the compiled engine's (Numba) or, with
``--engine numpy``, NumPy's.

    python benchmarks/conv_profile.py [--batches 10,32,64] [--engine compiled] [--rounds 5]
        [--layers SPEC]

The stages are those of the book's shape: ``--layers`` may change the maps and neurons, not
the shape (two valid 5x5 convolutions, each pooled 2x2, one fully-connected layer, softmax).

Not a test: it prints Markdown tables and asserts nothing.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
from harness import machine_text, markdown_table

from digitnet.conv import fast
from digitnet.conv.network import ConvNetwork
from digitnet.conv.spec import Conv
from digitnet.conv.steps import NUMPY_KERNELS, ConvStep, Kernels
from digitnet.costs import LOG_LIKELIHOOD
from digitnet.optimizer import GradientDescent
from digitnet.pixels import as_unit_interval

BOOK = "conv:20x5x5,pool:2,conv:40x5x5,pool:2,fc:100,softmax:10"
SEED = 1


def kernels_of(engine: str) -> tuple[Kernels, Callable | None]:
    if engine == "numpy":
        return NUMPY_KERNELS, None
    from digitnet.conv.kernels import COMPILED_KERNELS
    from digitnet.engines.compiled_update import descend

    return COMPILED_KERNELS, descend


def stages(step: ConvStep, x: np.ndarray, images: np.ndarray) -> dict[str, Callable]:
    """Each stage of ``step`` as a call on its buffers (after whole steps filled them)."""
    net, k, m = step.network, step.kernels, step.m
    first, second = step.conv[0], step.conv[1]
    assert first is not None and second is not None
    w1, w2 = (fast.kernel_matrix(w) for w in net.weights[:2])
    relu = net.hidden_activation
    pixels = x.reshape(m, 28, 28, 1)
    dense = [(l, step.outputs[l - 1].reshape(m, -1)) for l in (2, 3)]
    below = [np.empty((m, net.sizes[l]), net.dtype) for l in (2, 3)]
    order = np.random.default_rng(SEED).permutation(len(images))[:m]
    return {
        "gather + pixels to [0, 1]": lambda: as_unit_interval(images[order], net.dtype),
        "im2col, conv 1": lambda: k.im2col(pixels, 5, first.cols),
        "im2col, conv 2": lambda: k.im2col(step.outputs[0], 5, second.cols),
        "products, conv 1 forward": lambda: np.dot(first.cols, w1.T, out=first.c),
        "products, conv 2 forward": lambda: np.dot(second.cols, w2.T, out=second.c),
        "max-pool, both": lambda: (
            k.pool(first.c_maps, 2, step.outputs[0], first.where),
            k.pool(second.c_maps, 2, step.outputs[1], second.where),
        ),
        "bias + ReLU, all layers": lambda: [
            (np.add(a, b, out=a), relu.in_place(a)) for a, b in zip(step.outputs, net.biases)
        ],
        "products, fully connected (all 6)": lambda: [
            (
                np.dot(a, net.weights[l].T, out=step.outputs[l]),
                np.dot(step.deltas[l].T, a, out=step.nabla_w[l]),
                np.dot(step.deltas[l], net.weights[l], out=b),
            )
            for (l, a), b in zip(dense, below)
        ],
        "ReLU' x delta, all layers": lambda: [
            (relu.derivative_in_place(a, s), np.multiply(d, s, out=d))
            for a, s, d in zip(step.outputs[:-1], step.scratch, step.deltas)
        ],
        "max-unpool, both": lambda: (
            k.unpool(step.deltas[0], first.where, 2, first.nabla_c_maps),
            k.unpool(step.deltas[1], second.where, 2, second.nabla_c_maps),
        ),
        "bias gradients, conv": lambda: [
            np.sum(step.deltas[l], axis=(0, 1, 2), out=step.nabla_b[l]) for l in (0, 1)
        ],
        "products, conv 1 kernels' gradient": lambda: np.dot(
            first.nabla_c.T, first.cols, out=fast.kernel_matrix(step.nabla_w[0])
        ),
        "products, conv 2 kernels' gradient": lambda: np.dot(
            second.nabla_c.T, second.cols, out=fast.kernel_matrix(step.nabla_w[1])
        ),
        "products, conv 2 input's gradient": lambda: np.dot(
            second.nabla_c, w2, out=second.nabla_cols
        ),
        "col2im, conv 2": lambda: k.col2im(second.nabla_cols, second.nabla_padded, 5),
        "update (Nesterov)": lambda: step.optimizer.step(step.nabla_b, step.nabla_w, 1e-9),
    }


def best_ms(call: Callable, repeats: int, rounds: int) -> float:
    call()
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeats):
            call()
        best = min(best, (time.perf_counter() - start) / repeats)
    return best * 1e3


def book_shaped(layers: str) -> ConvNetwork:
    """The network of ``layers``, or exit with a line if its shape is not the book's."""
    net = ConvNetwork(layers, seed=SEED, activation="relu", init="he")
    kinds = [(l.size, l.pool, l.padding) if isinstance(l, Conv) else "fc" for l in net.layers]
    if kinds != [(5, 2, "valid"), (5, 2, "valid"), "fc", "fc"]:
        raise SystemExit(f"--layers {layers}: the stages are timed for the book's shape only")
    return net


def profile(batch: int, engine: str, images: np.ndarray, labels: np.ndarray, args) -> str:
    kernels, one_pass = kernels_of(engine)
    net = book_shaped(args.layers)
    optimizer = GradientDescent(net, momentum=0.9, nesterov=True, one_pass=one_pass)
    step = ConvStep(net, batch, LOG_LIKELIHOOD, optimizer, kernels=kernels)
    x = as_unit_interval(images[:batch], net.dtype)
    y = np.eye(10, dtype=net.dtype)[labels[:batch]]
    whole = best_ms(lambda: step(x, y, 1e-9), args.repeats, args.rounds)
    rows = []
    for name, call in stages(step, x, images).items():
        ms = best_ms(call, args.repeats, args.rounds)
        rows.append([name, f"{ms:.3f}", f"{100 * ms / whole:.0f}%"])
    rows.append(["**the whole step**", f"{whole:.3f}", "100%"])
    title = f"batch {batch}, {engine} engine: {whole * 50_000 / batch / 1e3:.1f} s an epoch"
    return f"{title}\n\n" + markdown_table(["stage", "ms a batch", "share"], rows, "lrr")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", default="10,32,64")
    parser.add_argument("--engine", choices=("compiled", "numpy"), default="compiled")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--layers", default=BOOK, help="the network's spec [default: the book's]")
    args = parser.parse_args()
    book_shaped(args.layers)  # before the data is read
    from digitnet.data.mnist import load_mnist

    training = load_mnist(args.data_dir, dtype=np.uint8, download=False).training
    print(machine_text())
    print(f"{args.layers}, float32, ReLU, Nesterov; stages timed alone on one step's buffers\n")
    for batch in (int(b) for b in args.batches.split(",")):
        print(profile(batch, args.engine, training.images, training.labels, args) + "\n")


if __name__ == "__main__":
    main()
