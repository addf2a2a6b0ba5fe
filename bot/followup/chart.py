"""The digest's chart: open tickets by location, stacked by priority, as a PNG of a fixed
size. Drawn with Pillow (bars, axis, labels, legend): about 30 ms to import and draw, where
matplotlib took most of a second, which `digest --now` (target < 1 s) cannot afford."""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFont

from bot.tickets.domain import Priority

if TYPE_CHECKING:
    from bot.followup.digest import Digest

WIDTH_PX = 1000
HEIGHT_PX = 500
LABEL_MAX = 18  # characters of a location name under its bar

# Stacked from the bottom: the most urgent at the base, where it is easiest to compare.
STACK = (Priority.CRITICAL, Priority.HIGH, Priority.MEDIUM, Priority.LOW)
COLOURS = {
    Priority.CRITICAL: "#d62728",
    Priority.HIGH: "#ff7f0e",
    Priority.MEDIUM: "#f2c12e",
    Priority.LOW: "#9e9e9e",
}
INK = "#333333"
GRID = "#e6e6e6"
# The plot area inside the image: room for the title and legend above, the y axis's
# numbers and label on the left, location names below.
LEFT, TOP, RIGHT, BOTTOM = 80, 70, WIDTH_PX - 30, HEIGHT_PX - 60
BAR_SHARE = 0.6  # of each location's slot
LEGEND_SWATCH = 14
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont  # what load_default gives


def _label(name: str) -> str:
    return name if len(name) <= LABEL_MAX else name[: LABEL_MAX - 1] + "…"


def _step(top: int) -> int:
    """A whole-number tick step giving at most about 8 ticks up to `top` (1, 2, 5, 10, ...)."""
    raw = max(top / 8, 1)
    magnitude: int = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)


def open_tickets_chart(digest: Digest) -> bytes:
    """PNG bytes, exactly WIDTH_PX x HEIGHT_PX."""
    image = Image.new("RGB", (WIDTH_PX, HEIGHT_PX), "white")
    draw = ImageDraw.Draw(image)
    text = ImageFont.load_default(size=14)
    title = ImageFont.load_default(size=18)
    totals = [sum(loc.by_priority.get(p, 0) for p in STACK) for loc in digest.locations]
    scale_top = max([*totals, 1]) * 1.15
    step = _step(math.ceil(scale_top))
    _axes(image, text, scale_top, step)
    _bars(draw, text, digest, scale_top)
    draw.text(
        ((LEFT + RIGHT) / 2, 12),
        f"Open tickets by location and priority ({digest.total} open)",
        fill=INK,
        font=title,
        anchor="mt",
    )
    _legend(draw, text)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _y(count: float, scale_top: float) -> float:
    return BOTTOM - (BOTTOM - TOP) * count / scale_top


def _axes(image: Image.Image, font: Font, top: float, step: int) -> None:
    draw = ImageDraw.Draw(image)
    for tick in range(0, math.floor(top) + 1, step):
        y = _y(tick, top)
        draw.line([(LEFT, y), (RIGHT, y)], fill=GRID)
        draw.text((LEFT - 8, y), str(tick), fill=INK, font=font, anchor="rm")
    draw.line([(LEFT, TOP), (LEFT, BOTTOM), (RIGHT, BOTTOM)], fill=INK, width=1)
    label = Image.new("RGBA", (160, 24), (255, 255, 255, 0))
    ImageDraw.Draw(label).text((80, 12), "Open tickets", fill=INK, font=font, anchor="mm")
    rotated = label.rotate(90, expand=True)  # Pillow draws text level only
    image.paste(rotated, (8, int((TOP + BOTTOM) / 2 - 80)), rotated)


def _bars(draw: ImageDraw.ImageDraw, font: Font, digest: Digest, top: float) -> None:
    locations = digest.locations
    slot = (RIGHT - LEFT) / max(len(locations), 1)
    crowded = len(locations) > 6
    for index, location in enumerate(locations):
        centre = LEFT + slot * (index + 0.5)
        half = slot * BAR_SHARE / 2
        base = 0
        for priority in STACK:
            count = location.by_priority.get(priority, 0)
            if count:
                box = [centre - half, _y(base + count, top), centre + half, _y(base, top)]
                draw.rectangle(box, fill=COLOURS[priority])
            base += count
        # Many locations: names on two alternating rows, so long ones do not overlap.
        row = index % 2 if crowded else 0
        name = _label(location.location)
        draw.text((centre, BOTTOM + 10 + 18 * row), name, fill=INK, font=font, anchor="mt")


def _legend(draw: ImageDraw.ImageDraw, font: Font) -> None:
    x = RIGHT
    for priority in reversed(STACK):  # laid out right to left, read left to right
        name = priority.value.capitalize()
        x -= int(draw.textlength(name, font=font))
        draw.text((x, 44), name, fill=INK, font=font, anchor="lm")
        x -= LEGEND_SWATCH + 6
        draw.rectangle(
            [x, 44 - LEGEND_SWATCH / 2, x + LEGEND_SWATCH, 44 + LEGEND_SWATCH / 2],
            fill=COLOURS[priority],
        )
        x -= 18
