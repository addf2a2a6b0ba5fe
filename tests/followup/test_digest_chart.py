"""The digest's chart: uploaded to the ops channel after its message, as a PNG of a known
size that shows a bar in every priority's colour."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy
from PIL import Image

from bot.followup.chart import COLOURS, HEIGHT_PX, WIDTH_PX
from bot.followup.digest import CHART_FILENAME, build_digest, render_chart
from bot.tickets.domain import Priority
from tests.followup.digest_support import OPS, new_ticket, png_size, run_digest_job
from tests.support.app_harness import Harness


async def test_the_chart_is_uploaded_to_the_ops_channel_as_a_png(harness: Harness) -> None:
    await new_ticket(harness, "Projector dim", Priority.MEDIUM, bay=3)
    await new_ticket(harness, "Kiosk slow", Priority.HIGH, "Dartmouth")

    await run_digest_job(harness)

    [url_call] = harness.stub.calls("files.getUploadURLExternal")
    assert url_call["filename"] == CHART_FILENAME
    [upload] = harness.stub.calls("upload")
    assert png_size(upload.raw) == (WIDTH_PX, HEIGHT_PX)
    assert int(url_call["length"]) == len(upload.raw)
    [complete] = harness.stub.calls("files.completeUploadExternal")
    assert complete["channel_id"] == OPS
    assert complete["files"][0]["title"] == "Open tickets by location and priority"
    assert "Bedford: 1; Dartmouth: 1" in url_call["alt_txt"]
    # The message first, then its chart.
    methods = harness.stub.methods()
    assert methods.index("chat.postMessage") < methods.index("files.getUploadURLExternal")


async def test_chart_saved_as_png_has_the_expected_size_and_shows_the_bars(
    harness: Harness, tmp_path: Path
) -> None:
    for priority in (Priority.CRITICAL, Priority.HIGH, Priority.HIGH, Priority.LOW):
        await new_ticket(harness, "Screen flicker", priority, bay=2)
    await new_ticket(harness, "Door sticks", Priority.MEDIUM, "Dartmouth")
    digest = await build_digest(
        harness.runtime.database, harness.runtime.settings.club, datetime.now(UTC)
    )

    path = tmp_path / CHART_FILENAME
    path.write_bytes(render_chart(digest))

    data = path.read_bytes()
    assert len(data) > 5_000
    assert png_size(data) == (WIDTH_PX, HEIGHT_PX) == (1000, 500)
    with Image.open(path) as image:
        pixels = numpy.asarray(image.convert("RGB"))
    assert pixels.shape[:2] == (HEIGHT_PX, WIDTH_PX)
    # Not a blank image: every priority's colour is drawn, as bars, among text and axes.
    rgb = pixels.astype(numpy.uint32)
    packed = (rgb[:, :, 0] << 16) | (rgb[:, :, 1] << 8) | rgb[:, :, 2]
    for colour in COLOURS.values():
        assert (packed == int(colour[1:], 16)).sum() > 500, colour
    assert len(numpy.unique(packed)) > 10
