"""Time and memory of preprocessing one large image: phone photos and a big sparse PNG.

Makes, in a temporary folder, JPEG photos of a 2 written on paper (12, 24 and 48
megapixels: a lighting gradient, grain, quality 90) and a 6320x6320 PNG of a small black
digit on white, RGB (about 200 KB, the decompression-bomb-like case of issue 16). Each is then
run through ``digitnet.imaging.preprocess`` in a fresh child process, which reports the
seconds of the call (the median of three), the peak resident memory of the process above
what it held just before (VmHWM, reset first; Linux only) and the peak of NumPy's and Python's
allocations traced by tracemalloc (MiB). The budget is 1 s and 300 MB per image.

    python benchmarks/imaging_speed.py [--repeats 3]

Not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
from harness import current_rss_mib, machine_text, markdown_table, print_json, run_worker
from PIL import Image, ImageDraw

PHOTOS = {"12 MP JPEG": (4000, 3000), "24 MP JPEG": (6000, 4000), "48 MP JPEG": (8000, 6000)}
BIG_PNG = ("6320x6320 PNG", (6320, 6320))
STRIP_ROWS = 500  # the photos are drawn in strips, so that making them stays small too


def draw_two(
    size: tuple[int, int], box: tuple[float, float, float, float], width: int
) -> Image.Image:
    """A 2 in black on white, inside ``box`` (fractions of the page: left, top, right, bottom)."""
    w, h = size
    img = Image.new("L", size, 255)
    left, top, right, bottom = box[0] * w, box[1] * h, box[2] * w, box[3] * h
    dx, dy = right - left, bottom - top
    draw = ImageDraw.Draw(img)
    draw.arc((left, top, right, top + 0.6 * dy), 180, 30, fill=0, width=width)
    draw.line(
        [(left + 0.9 * dx, top + 0.42 * dy), (left, bottom), (right, bottom)],
        fill=0, width=width, joint="curve",
    )  # fmt: skip
    return img


def photo(size: tuple[int, int], seed: int = 0) -> Image.Image:
    """A 2 written off-centre on paper lit from the left, with grain (drawn in strips)."""
    w, h = size
    drawing = draw_two(size, (0.55, 0.2, 0.75, 0.5), max(4, w // 250))
    rng = np.random.default_rng(seed)
    shot = np.empty((h, w), dtype=np.uint8)
    cols = np.arange(w, dtype=np.float32)[None, :]
    for top in range(0, h, STRIP_ROWS):
        rows = np.arange(top, min(top + STRIP_ROWS, h), dtype=np.float32)[:, None]
        light = 220 - 90 * cols / w - 30 * rows / h
        paper = np.asarray(drawing.crop((0, top, w, top + rows.shape[0])), dtype=np.float32)
        strip = light * (0.2 + 0.8 * paper / 255) + rng.normal(0, 6, paper.shape)
        shot[top : top + rows.shape[0]] = np.clip(strip, 0, 255).astype(np.uint8)
    return Image.fromarray(shot).convert("RGB")


def make_images(folder: Path) -> dict[str, Path]:
    paths = {}
    for name, size in PHOTOS.items():
        paths[name] = folder / f"{size[0]}x{size[1]}.jpg"
        photo(size).save(paths[name], "JPEG", quality=90)
    name, size = BIG_PNG
    paths[name] = folder / "big.png"
    draw_two(size, (0.45, 0.45, 0.52, 0.55), 12).convert("RGB").save(paths[name], optimize=True)
    return paths


def reset_peak_rss() -> None:
    """Restart the kernel's peak-RSS count (VmHWM): ``ru_maxrss`` survives ``exec``, so a
    child would otherwise report the parent's peak while it made the images."""
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def peak_rss_since_reset() -> float:
    """VmHWM, the peak resident memory since reset_peak_rss, in MiB."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def worker(path: str, repeats: int) -> None:
    from digitnet.errors import ImageError
    from digitnet.imaging import preprocess

    reset_peak_rss()
    before = current_rss_mib()
    tracemalloc.start()
    seconds, outcome = [], "read"
    for _ in range(repeats):
        start = time.perf_counter()
        try:
            preprocess(path)
        except ImageError as exc:  # the memory and time spent still count
            outcome = f"refused: {str(exc).split(': ', 1)[-1]}"
        seconds.append(time.perf_counter() - start)
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print_json(
        {
            "seconds": statistics.median(seconds),
            "rss_mib": peak_rss_since_reset() - before,
            "traced_mib": traced / 2**20,
            "outcome": outcome,
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.repeats)
        return
    print(machine_text())
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name, path in make_images(Path(folder)).items():
            result = run_worker(__file__, str(path), ["--repeats", str(args.repeats)])
            size = f"{path.stat().st_size / 2**20:.2f} MiB"
            if "error" in result:
                rows.append([name, size, result["error"], "", "", ""])
                continue
            rows.append([
                name, size, f"{result['seconds']:.3f}", f"{result['rss_mib']:.0f}",
                f"{result['traced_mib']:.0f}", result["outcome"],
            ])  # fmt: skip
    print()
    columns = ["image", "file", "seconds (median)", "peak RSS above start, MiB", "traced, MiB"]
    print(markdown_table([*columns, "outcome"], rows, "lrrrrl"))


if __name__ == "__main__":
    sys.exit(main())
