"""Charts drawn on the server as SVG with matplotlib (Agg, no display, nothing fetched).

A chart is described by a ``ChartSpec``: what it shows, nothing else (a series may name its
colour, so the same thing reads in the same colour in every chart). Charts take the page's
width; their legend sits below the plot, never over the data. The SVG of a spec is kept
in a small per-process cache keyed by the spec itself, so a page opened again with the same
figures costs no drawing (drawing takes tens of milliseconds; a cache hit, microseconds). The
drawing is serialised: matplotlib's global state is not thread-safe, and pages are made in a
thread pool. matplotlib is imported for the first chart, not when the app starts.
"""

from __future__ import annotations

import io
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import TYPE_CHECKING

from ordersync.web import wording

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

CACHED_CHARTS = 256
MAX_BARS = 40
"""A bar chart shows at most this many bars (the first ones given: callers rank them)."""
FIGURE_INCHES = (13.0, 3.8)
DPI = 96
WIDTH_PX, HEIGHT_PX = (round(inches * DPI) for inches in FIGURE_INCHES)
"""The size the page gives a chart's image before it is loaded (no jump when it comes)."""
PLAIN_COLOUR = "#5b6675"
"""A series that names no colour (one measure, not one of several things compared)."""
LEGEND_COLUMNS = 3
MAX_DAY_TICKS = 16
"""A line chart names at most this many of its days (more would run into each other)."""
SVG_MEDIA_TYPE = "image/svg+xml"


@cache
def _figure_class() -> type[Figure]:
    """matplotlib, loaded for the first chart only: importing it takes about a second, which
    every server process and command would otherwise pay at start."""
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "ordersync-hq"  # same figures, same SVG bytes
    from matplotlib.figure import Figure

    return Figure


class ChartKind(Enum):
    BARS = "bars"
    LINES = "lines"


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: tuple[float, ...]
    colour: str = PLAIN_COLOUR


@dataclass(frozen=True, slots=True)
class ChartSpec:
    kind: ChartKind
    title: str
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    y_label: str = ""
    stacked: bool = False
    """Bars: the series one on top of the other (parts of one whole), not side by side."""


def _draw_bars(axes: Axes, spec: ChartSpec, labels: tuple[str, ...]) -> None:
    positions = list(range(len(labels)))
    if spec.stacked:
        bottoms = [0.0] * len(labels)
        for series in spec.series:
            values = series.values[: len(labels)]
            axes.bar(positions, values, bottom=bottoms, label=series.name, color=series.colour)
            bottoms = [bottom + value for bottom, value in zip(bottoms, values, strict=True)]
        centres = [float(position) for position in positions]
    else:
        width = 0.8 / len(spec.series)
        for index, series in enumerate(spec.series):
            axes.bar(
                [i + index * width for i in positions],
                series.values[: len(labels)],
                width=width,
                label=series.name,
                color=series.colour,
            )
        centres = [i + width * (len(spec.series) - 1) / 2 for i in positions]
    crowded = len(labels) > 8
    axes.set_xticks(
        centres, labels, rotation=45 if crowded else 0, ha="right" if crowded else "center"
    )


def _draw(spec: ChartSpec) -> bytes:
    figure = _figure_class()(figsize=FIGURE_INCHES, dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    axes.set_title(spec.title, loc="left", fontsize=11)
    axes.set_ylabel(spec.y_label)
    axes.spines[["top", "right"]].set_visible(False)
    labels = spec.labels[:MAX_BARS] if spec.kind is ChartKind.BARS else spec.labels
    if not labels or not spec.series:
        axes.text(0.5, 0.5, wording.EMPTY_CHART, ha="center", va="center", transform=axes.transAxes)
        axes.set_xticks([])
        axes.set_yticks([])
    elif spec.kind is ChartKind.BARS:
        _draw_bars(axes, spec, labels)
    else:
        for series in spec.series:
            axes.plot(
                range(len(labels)),
                series.values,
                marker="o",
                label=series.name,
                color=series.colour,
            )
        step = max(1, math.ceil(len(labels) / MAX_DAY_TICKS))
        axes.set_xticks(range(0, len(labels), step), labels[::step])
        axes.set_ylim(bottom=0)
    if len(spec.series) > 1 and labels:
        figure.legend(
            loc="outside lower center",
            ncols=min(LEGEND_COLUMNS, len(spec.series)),
            frameon=False,
            fontsize=9,
        )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


class ChartCache:
    """The SVG of each spec drawn lately, least recently used dropped first."""

    def __init__(self, size: int = CACHED_CHARTS) -> None:
        self._size = size
        self._drawn: OrderedDict[ChartSpec, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def svg(self, spec: ChartSpec) -> bytes:
        with self._lock:
            found = self._drawn.get(spec)
            if found is not None:
                self._drawn.move_to_end(spec)
                return found
            drawn = _draw(spec)
            self._drawn[spec] = drawn
            if len(self._drawn) > self._size:
                self._drawn.popitem(last=False)
            return drawn

    def __contains__(self, spec: ChartSpec) -> bool:
        with self._lock:
            return spec in self._drawn
