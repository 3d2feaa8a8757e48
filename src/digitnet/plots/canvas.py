"""The canvas every figure of :mod:`digitnet.plots` is drawn on: style, size, saving.

Figures are drawn on matplotlib's Agg canvas, not through ``pyplot``: nothing needs a
display, no global backend is switched, and no figure stays registered (and alive) after it
is saved.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from digitnet.atomic import atomic_open
from digitnet.errors import ConfigError

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

#: File formats :func:`save_figure` writes.
FORMATS = ("png", "svg", "pdf")
#: No timestamp in vector files, so the same figure always gives the same bytes.
UNDATED = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}
#: Pixels per inch of PNG files: sharp on screens, small on disk.
DPI = 130
#: Readable text at that DPI, and no box around the plots' top and right.
STYLE: dict[RcKeyType, Any] = {  # typed keys: mypy catches a misspelt setting
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "figure.titlesize": 14,
    "legend.fontsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
#: Inches: wide enough for a figure's title on one line.
MIN_WIDTH = 8.0
#: Diverging colour map for weights: blue negative, white zero, red positive.

P = ParamSpec("P")
R = TypeVar("R")


def styled(draw: Callable[P, R]) -> Callable[P, R]:
    """Draw under :data:`STYLE` without changing matplotlib's global settings."""

    @functools.wraps(draw)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with matplotlib.rc_context(STYLE):
            return draw(*args, **kwargs)

    return wrapper


def new_figure(width: float, height: float) -> Figure:
    """A figure of ``width`` x ``height`` inches on an Agg canvas, laid out to fit."""
    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def panel_grid(
    n_panels: int, max_columns: int, panel_size: tuple[float, float], extra_height: float
) -> tuple[Figure, list[Axes]]:
    """A figure of ``n_panels`` panels of ``panel_size`` inches, at most ``max_columns`` to a
    line, at least ``MIN_WIDTH`` wide and ``extra_height`` taller for a title and legend;
    the grid's unused places are removed. Returns the figure and its panels in order."""
    columns = min(max_columns, n_panels)
    lines = math.ceil(n_panels / columns)
    width, height = panel_size
    figure = new_figure(max(width * columns, MIN_WIDTH), height * lines + extra_height)
    grid = list(figure.subplots(lines, columns, squeeze=False).flat)
    for unused in grid[n_panels:]:
        unused.remove()
    return figure, grid[:n_panels]


def save_figure(figure: Figure, path: str | os.PathLike[str], format: str | None = None) -> Path:
    """Write ``figure`` to ``path`` atomically as PNG, SVG or PDF, then close it.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure; a ``pyplot`` figure is closed through ``pyplot`` afterwards, whether
        or not the write succeeded.
    path : str or path-like
        The file to create or replace; its folder must exist. A failed write leaves the
        old file (or none) and no temporary file behind.
    format : {"png", "svg", "pdf"}, optional
        Default: the file name's extension.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ConfigError
        If the format is not one of :data:`FORMATS`.
    DigitnetError
        If the file cannot be written (a missing folder, no permission, a full disk).
    """
    path = Path(path)
    chosen = (format or path.suffix.removeprefix(".")).lower()
    try:
        if chosen not in FORMATS:
            raise ConfigError(
                f"{path}: image format must be one of {', '.join(FORMATS)}, got {chosen!r}"
            )
        with atomic_open(path, "wb") as stream:
            figure.savefig(stream, format=chosen, dpi=DPI, metadata=UNDATED.get(chosen))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    finally:
        _close(figure)
    return path


def _close(figure: Figure) -> None:
    """Let pyplot forget a figure it manages; figures made here have no manager to close."""
    if figure.canvas.manager is not None:
        import matplotlib.pyplot as plt

        plt.close(figure)
