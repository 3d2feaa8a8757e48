"""Train a recipe and print its accuracy on MNIST and on digitnet's own handwriting set.

    python benchmarks/handwriting_training.py --preset book --seed 0 [--set key=value ...]

Prints one line: the recipe's overrides, seconds, validation and test accuracy, and the
handwriting set's accuracy overall and style by style. ``--save PATH`` keeps the model.
The handwriting set's inputs are cached in ``--cache`` (they take a minute to make), under a
name that holds a digest of the pipeline's and the set's source and the images per style,
so a change to either makes a new cache rather than reading a stale one.
``--ink '{"thin": 1.0}'`` and ``--distortion '{"elastic_alpha": 0}'`` change the defaults of
:class:`~digitnet.augment.InkVariation` and :class:`~digitnet.augment.Distortion` that
``vary_ink`` and ``augment`` use, for trying other strengths.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import time
from pathlib import Path

import numpy as np

import digitnet.handwriting
import digitnet.imaging
from digitnet import augment
from digitnet.data import load_mnist
from digitnet.handwriting import DEFAULT_PER_STYLE, make_set
from digitnet.handwriting.score import Prepared, accuracy_by_style, prepare
from digitnet.modelfile import load, save
from digitnet.recipes import recipe
from digitnet.training import train


def source_digest(per_style: int) -> str:
    """A digest of the imaging and handwriting packages' source and ``per_style``."""
    digest = hashlib.sha256(str(per_style).encode())
    for package in (digitnet.imaging, digitnet.handwriting):
        for path in sorted(Path(package.__file__).parent.glob("*.py")):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def prepared_set(folder: Path, per_style: int) -> Prepared:
    cache = folder / f"digitnet-handwriting-{source_digest(per_style)}.npz"
    if cache.exists():
        with np.load(cache) as f:
            return Prepared(f["inputs"], f["digits"], tuple(f["styles"]), f["refused"])
    prepared = prepare(make_set(per_style))
    np.savez(cache, inputs=prepared.inputs, digits=prepared.digits,
             styles=np.array(prepared.styles), refused=prepared.refused)  # fmt: skip
    return prepared


def parse_value(text: str) -> object:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return text
    return tuple(value) if isinstance(value, list) else value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--preset", default="book")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE")
    parser.add_argument("--model", type=Path, help="score this model instead of training")
    parser.add_argument("--save", type=Path)
    parser.add_argument("--per-style", type=int, default=DEFAULT_PER_STYLE)
    parser.add_argument("--ink", type=json.loads, default={})
    parser.add_argument("--distortion", type=json.loads, default={})
    parser.add_argument("--cache", type=Path, default=Path("/tmp"), help="folder of the caches")
    args = parser.parse_args()
    augment.InkVariation = functools.partial(augment.InkVariation, **args.ink)  # type: ignore[misc]
    augment.Distortion = functools.partial(augment.Distortion, **args.distortion)  # type: ignore[misc]
    prepared = prepared_set(args.cache, args.per_style)
    mnist = load_mnist(dtype=np.uint8, download=False)
    if args.model:
        network, label, seconds = load(args.model).network, str(args.model), 0.0
    else:
        overrides = dict(item.split("=", 1) for item in args.set)
        made = recipe(
            args.preset, seed=args.seed, **{k: parse_value(v) for k, v in overrides.items()}
        )
        network = made.build()
        start = time.perf_counter()
        history = train(network, mnist.training, made.settings,
                        monitor={"validation": mnist.validation})  # fmt: skip
        seconds = time.perf_counter() - start
        label = f"{args.preset} seed {args.seed} {' '.join(args.set)}"
        label += "".join(f" {k} {v}" for k, v in (("ink", args.ink), ("distortion",
                         args.distortion)) if v)  # fmt: skip
        if args.save:
            save(args.save, network, history=history)
    validation = network.evaluate(mnist.validation.images, mnist.validation.labels) / 100
    test = network.evaluate(mnist.test.images, mnist.test.labels) / 100
    styles = accuracy_by_style(network, prepared)
    by_style = " ".join(f"{k}={100 * v:.1f}" for k, v in styles.items())
    print(f"{label} | {seconds:.0f}s | val {validation:.2f} test {test:.2f} | {by_style}")


if __name__ == "__main__":
    main()
