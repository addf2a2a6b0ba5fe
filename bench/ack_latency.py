"""How soon Slack gets its ack (issue 14), beside a bare Bolt app that only acks, served
the same way, in the same run:

    .venv/bin/python bench/ack_latency.py [--quick] [--postgres]

A real `serve` (SQLite, or PostgreSQL with --postgres) with the LLM backend against the
OpenAI stub (sleeping 2 s, then 5 s for the shortcut's views.open), the Slack stand-in as
SLACK_API_URL. Requests go one at a time, ours and the bare app's alternately, so a busy
neighbour weighs on both alike; a feeder posts relay messages to ours all along, so
triage is always at work beside the measured acks. Relay messages are checked to be in
the inbox afterwards (each was stored before its ack).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import Figure, median, percentile
from bench.stage import ONE_TICKET, OPERATOR, Stage, machine_load, stage
from standin import slack_requests as rq
from standin.slack_requests import SlackRequest
from storage.db import Database
from storage.inbox import InboxRepository
from tests.support.openai_stub import answer, slow
from tests.support.relay import customer_says

PROBLEMS = [
    "the toilet in the mens washroom is overflowing",
    "bay 1 projector is very dim, can barely see the screen",
    "the hitting mat in bay 3 is torn",
    "the net in bay 4 has a big hole in it",
    "water is dripping from the ceiling in bay 2",
]
FEED_INTERVAL_S = 0.1
HOME_VIEW = {"type": "home", "id": "V0HOME", "private_metadata": "{}", "blocks": []}

Make = Callable[[int, bool], SlackRequest]  # the n-th request, to ours (True) or the bare app


class Relay:
    """Distinct customer messages (one ts each): the measured ones and the feeder's."""

    def __init__(self) -> None:
        self.sent: list[str] = []

        self.count = 0

    def message(self, n: int, ours: bool = True) -> SlackRequest:
        self.count += 1
        ts = f"1733{self.count:06d}.{n % 1000:06d}"
        if ours:  # the ones ours must have stored
            self.sent.append(ts)
        return customer_says(f"{PROBLEMS[n % len(PROBLEMS)]} ({n})", ts)


async def paired(on: Stage, make: Make, count: int) -> tuple[list[float], list[float]]:
    """`count` requests to each app, alternating which goes first; each one's ms."""
    ours: list[float] = []
    bare: list[float] = []
    for n in range(count):
        first, second = (on.ours, on.bare) if n % 2 else (on.bare, on.ours)
        for http in (first, second):
            elapsed = await on.post(http, make(n, http is on.ours))
            (ours if http is on.ours else bare).append(elapsed)
    return ours, bare


@contextlib.asynccontextmanager
async def feeding(on: Stage, relay: Relay) -> AsyncIterator[None]:
    """Relay messages into ours every FEED_INTERVAL_S while the block runs."""

    async def feed() -> None:
        n = 0
        while True:
            await on.post(on.ours, relay.message(10_000 + n))
            n += 1
            await asyncio.sleep(FEED_INTERVAL_S)

    task = asyncio.create_task(feed())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def ratio_figures(kind: str, ours: list[float], bare: list[float], p99: bool) -> list[Figure]:
    note = (
        f"ours median {median(ours):.2f} ms, p99 {percentile(ours, 0.99):.2f} ms; bare Bolt "
        f"median {median(bare):.2f} ms, p99 {percentile(bare, 0.99):.2f} ms; {len(ours)} each"
    )
    figures = [
        Figure(
            f"{kind} ack, median vs bare Bolt", median(ours) / median(bare), "x", 2.0, note=note
        ),
        Figure(f"{kind} ack, median", median(ours), "ms", note=note),
    ]
    if p99:
        figures.append(
            Figure(
                f"{kind} ack, p99 vs bare Bolt",
                percentile(ours, 0.99) / percentile(bare, 0.99),
                "x",
                3.0,
                note=note,
            )
        )
        figures.append(Figure(f"{kind} ack, p99", percentile(ours, 0.99), "ms", note=note))
    return figures


async def views_open_ms(on: Stage, count: int) -> list[float]:
    """The new-ticket shortcut, one at a time: ms from sending to views.open at the stub."""
    delays = []
    for _ in range(count):
        trigger = f"bench-{time.monotonic_ns()}"
        sent = time.monotonic()
        await on.post(on.ours, rq.global_shortcut("new_ticket", OPERATOR, trigger))
        deadline = sent + 5
        while not (
            opened := [c for c in on.slack.calls("views.open") if c.get("trigger_id") == trigger]
        ):
            if time.monotonic() > deadline:
                raise SystemExit("views.open did not come within 5 s")
            await asyncio.sleep(0.001)
        delays.append((opened[0].time - sent) * 1000)
    return delays


async def stored(on: Stage, relay: Relay) -> int:
    """How many of the sent relay messages are in the inbox."""
    database = Database(on.database_url)
    try:
        async with database.unit_of_work() as session:
            inbox = InboxRepository(session)
            keys = [f"relay:C0RELAY:{ts}" for ts in relay.sent]
            return sum([await inbox.get(key) is not None for key in keys])
    finally:
        await database.dispose()


async def run(quick: bool, backend: str) -> list[Figure]:
    count = 40 if quick else 400
    relay = Relay()
    figures: list[Figure] = []
    async with stage(backend=backend, llm_delay_s=2.0) as on:
        command = rq.slash_command("help", OPERATOR, response_url=on.slack.response_url())
        await paired(on, relay.message, 20)  # warm-up: first requests pay imports
        async with feeding(on, relay):
            ours, bare = await paired(on, relay.message, count)
            figures += ratio_figures(f"relay message ({backend})", ours, bare, p99=True)
            ours, bare = await paired(on, lambda _n, _ours: command, count // 2)
            figures += ratio_figures(f"/ticket help ({backend})", ours, bare, p99=False)
            shortcut = lambda _n, _ours: rq.global_shortcut("new_ticket", OPERATOR)  # noqa: E731
            ours, bare = await paired(on, shortcut, count // 2)
            figures += ratio_figures(f"global shortcut ({backend})", ours, bare, p99=False)
            click = rq.block_actions(OPERATOR, [rq.button_action("home_page", "0")], view=HOME_VIEW)
            ours, bare = await paired(on, lambda _n, _ours: click, count // 2)
            figures += ratio_figures(f"App Home page click ({backend})", ours, bare, p99=False)
            on.llm.set_default(slow(5.0, then=answer(ONE_TICKET)))
            opened = await views_open_ms(on, count // 2)
        figures.append(
            Figure(
                f"shortcut -> views.open at the stub, p99 ({backend})",
                percentile(opened, 0.99),
                "ms",
                300.0,
                note=f"median {median(opened):.1f} ms; LLM stub sleeping 5 s",
            )
        )
        kept = await stored(on, relay)
    figures.append(
        Figure(
            f"relay messages acked but not stored ({backend})",
            len(relay.sent) - kept,
            "messages",
            0.0,
            note=machine_load(),
        )
    )
    return figures


def measure(quick: bool) -> list[Figure]:
    return asyncio.run(run(quick, "sqlite"))


if __name__ == "__main__":
    backends = ["postgresql"] if "--postgres" in sys.argv else ["sqlite"]
    for figure in asyncio.run(run("--quick" in sys.argv, backends[0])):
        print(figure.line(), f"  [{figure.note}]" if figure.note else "")
