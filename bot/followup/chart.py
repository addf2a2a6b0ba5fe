"""The digest's chart: open tickets by location, stacked by priority, as a PNG of a fixed
size. Drawn with matplotlib's Agg canvas on a Figure of its own (no pyplot global state),
so it is safe to render in a worker thread."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.tickets.domain import Priority

if TYPE_CHECKING:
    from bot.followup.digest import Digest

WIDTH_PX = 1000
HEIGHT_PX = 500
DPI = 100
LABEL_MAX = 18  # characters of a location name under its bar

# Stacked from the bottom: the most urgent at the base, where it is easiest to compare.
STACK = (Priority.CRITICAL, Priority.HIGH, Priority.MEDIUM, Priority.LOW)
COLOURS = {
    Priority.CRITICAL: "#d62728",
    Priority.HIGH: "#ff7f0e",
    Priority.MEDIUM: "#f2c12e",
    Priority.LOW: "#9e9e9e",
}


def _label(name: str) -> str:
    return name if len(name) <= LABEL_MAX else name[: LABEL_MAX - 1] + "…"


def open_tickets_chart(digest: Digest) -> bytes:
    """PNG bytes, exactly WIDTH_PX x HEIGHT_PX."""
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(figure)  # attaches the Agg canvas: no GUI backend, no pyplot state
    axes = figure.add_subplot()
    names = [_label(loc.location) for loc in digest.locations]
    positions = list(range(len(names)))
    bottoms = [0] * len(names)
    for priority in STACK:
        counts = [loc.by_priority.get(priority, 0) for loc in digest.locations]
        axes.bar(
            positions,
            counts,
            bottom=bottoms,
            color=COLOURS[priority],
            label=priority.value.capitalize(),
            width=0.6,
        )
        bottoms = [b + c for b, c in zip(bottoms, counts, strict=True)]
    crowded = len(names) > 6
    axes.set_xticks(
        positions, names, rotation=20 if crowded else 0, ha="right" if crowded else "center"
    )
    axes.set_ylabel("Open tickets")
    axes.set_title(f"Open tickets by location and priority ({digest.total} open)")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(0, max([*bottoms, 1]) * 1.15)
    axes.legend(loc="upper right", frameon=False, ncols=len(STACK))
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    # No bbox_inches="tight": that would change the image's size.
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
