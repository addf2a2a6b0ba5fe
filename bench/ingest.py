"""Sustained ingest (issue 14): how many relay messages a second a real `serve` acks and
stores, how many a second triage gets through with the `local` backend, and how soon a
customer's message gets its card in its thread at the Slack stand-in.

    .venv/bin/python bench/ingest.py [--quick] [--postgres]

A burst: BURST messages from CONCURRENCY senders at once, as fast as `serve` acks them;
every one must then be in the inbox (nothing lost), and triage's rate is the burst over
the time until the last of them is triaged. A stream: STREAM_RATE messages a second, each
its own thread; each message's time from sending to the first post in its thread.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import Figure, percentile
from bench.stage import Stage, machine_load, stage
from standin.slack_requests import SlackRequest
from storage.db import Database
from storage.models import InboxEventRow, OutboxMessageRow
from tests.support.app_harness import RELAY
from tests.support.relay import customer_says

CONCURRENCY = 16
STREAM_RATE = 50.0
# Stream messages are numbered past the burst's: each text new to the model, as every real
# customer's is (the same text again would be a cached embedding, no model call).
STREAM_FIRST = 100_000
PROBLEMS = [
    "the toilet in the mens washroom is overflowing",
    "bay {bay} projector is very dim, can barely see the screen",
    "there are no golf balls in bay {bay}",
    "the hitting mat in bay {bay} is torn",
    "the net in bay {bay} has a big hole in it",
    "the glass on the front door is cracked",
    "the heat is off, it's freezing in here",
    "the screen in bay {bay} is ripped",
    "water is dripping from the ceiling in bay {bay}",
    "the lights in bay {bay} keep flickering",
    "no soap in the womens washroom",
    "the parking lot lights are out",
]


def message(n: int, batch: int) -> tuple[str, SlackRequest]:
    ts = f"17{batch:02d}{n:06d}.000100"
    text = PROBLEMS[n % len(PROBLEMS)].format(bay=1 + n % 4)
    return ts, customer_says(f"{text} (customer {n})", ts, customer=f"cust_{n}")


async def statuses(database: Database) -> Counter[str]:
    async with database.unit_of_work() as session:
        return Counter(await session.scalars(select(InboxEventRow.status)))


async def burst(on: Stage, count: int, bare: bool = False) -> tuple[float, float]:
    """`count` messages from CONCURRENCY senders (to the bare Bolt app when `bare`): when
    it started, and the seconds to ack them all."""
    queue = [message(n, 3 if bare else 1)[1] for n in range(count)]
    app = on.bare if bare else on.ours
    start = time.perf_counter()

    async def sender() -> None:
        while queue:
            await on.post(app, queue.pop())

    await asyncio.gather(*(sender() for _ in range(CONCURRENCY)))
    return start, time.perf_counter() - start


async def drained(database: Database, count: int, timeout: float) -> tuple[int, int]:
    """Wait until `count` inbox rows are settled (done or failed); (stored, settled)."""
    deadline = time.monotonic() + timeout
    while True:
        counts = await statuses(database)
        settled = counts["done"] + counts["failed"]
        if settled >= count or time.monotonic() > deadline:
            return counts.total(), settled
        await asyncio.sleep(0.05)


async def outbox_drained(database: Database, timeout: float) -> float:
    """Wait until no Slack notice is waiting (pending or being sent); the seconds it took."""
    start = time.monotonic()
    waiting = OutboxMessageRow.status.in_(["pending", "sending"])
    while time.monotonic() - start < timeout:
        async with database.unit_of_work() as session:
            if not await session.scalar(select(func.count()).where(waiting)):
                break
        await asyncio.sleep(0.1)
    return time.monotonic() - start


async def stream(on: Stage, seconds: float) -> tuple[list[float], int]:
    """STREAM_RATE messages a second for `seconds`; each one's ms until the first post in
    its thread (waiting up to 10 s after the last), and how many got none."""
    sent: dict[str, float] = {}
    count = int(seconds * STREAM_RATE)
    start = time.monotonic()
    for n in range(count):
        await asyncio.sleep(max(0.0, start + n / STREAM_RATE - time.monotonic()))
        ts, request = message(STREAM_FIRST + n, 2)
        sent[ts] = time.monotonic()
        await on.post(on.ours, request)
    deadline = time.monotonic() + 10
    while True:
        first: dict[str, float] = {}
        for call in on.slack.calls("chat.postMessage"):
            thread = call.get("thread_ts")
            if thread in sent and thread not in first:
                first[thread] = call.time
        if len(first) == len(sent) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    # A message with no post by the deadline counts as never: it weighs in the p95.
    waits = [(first[ts] - at) * 1000 if ts in first else float("inf") for ts, at in sent.items()]
    return waits, count - len(first)


async def triage_waits(database: Database, threads: list[str]) -> list[float]:
    """Each stream message's ms from its inbox row's receipt to its triage's commit: the
    share of its wait for a card that is triage's, the rest is delivery's."""
    async with database.reading() as session:
        rows = await session.execute(
            select(InboxEventRow.received_at, InboxEventRow.processed_at).where(
                InboxEventRow.thread.in_([f"{RELAY}:{ts}" for ts in threads])
            )
        )
        return [(done - got).total_seconds() * 1000 for got, done in rows if done is not None]


async def run(quick: bool, backend: str) -> list[Figure]:
    count, seconds = (600, 5.0) if quick else (5000, 20.0)
    async with stage(backend=backend, triage="local") as on:
        database = Database(on.database_url)
        try:
            # The bare app first, while ours is idle: the ceiling of the machine's one process.
            _, bare_acking = await burst(on, count, bare=True)
            await on.post(on.ours, message(0, 0)[1])  # warm-up: the model loads
            await drained(database, 1, timeout=60)
            started, acking = await burst(on, count)
            stored, settled = await drained(database, count + 1, timeout=600)
            triaging = time.perf_counter() - started
            # The stream measures a steady state: the burst's cards are all out first.
            delivering = await outbox_drained(database, timeout=600)
            cards, without = await stream(on, seconds)
            triaged = await triage_waits(
                database,
                [message(STREAM_FIRST + n, 2)[0] for n in range(int(seconds * STREAM_RATE))],
            )
        finally:
            await database.dispose()
    note = f"{count} messages, {CONCURRENCY} senders; {machine_load()}"
    return [
        Figure(
            f"relay messages acked and stored a second ({backend})",
            count / acking,
            "msg/s",
            500.0,
            at_least=True,
            note=note,
        ),
        Figure(
            "the same burst to the bare Bolt app, acked a second",
            count / bare_acking,
            "msg/s",
            None,
            note=f"sent first, while ours was idle; {note}",
        ),
        Figure(
            f"acked relay messages lost ({backend})", count + 1 - stored, "messages", 0.0, note=note
        ),
        Figure(
            f"triage throughput, local ({backend})",
            settled / triaging,
            "msg/s",
            50.0,
            at_least=True,
            note=f"the burst triaged in {triaging:.1f} s; {note}",
        ),
        Figure(
            f"the burst's Slack notices all delivered, after triage ({backend})",
            delivering,
            "s",
            None,
            note=f"{count} messages of {len(PROBLEMS)} problems at one location; {note}",
        ),
        Figure(
            f"customer message -> card in its thread, p95, local ({backend})",
            percentile(cards, 0.95),
            "ms",
            1000.0,
            note=f"{STREAM_RATE:g} msg/s for {seconds:g} s; {without} got no post; "
            f"median {percentile(cards, 0.5):.0f} ms; of it triage (receipt to commit) "
            f"median {percentile(triaged, 0.5):.0f} ms, p95 {percentile(triaged, 0.95):.0f} ms",
        ),
    ]


def measure(quick: bool) -> list[Figure]:
    return asyncio.run(run(quick, "sqlite"))


if __name__ == "__main__":
    backend = "postgresql" if "--postgres" in sys.argv else "sqlite"
    for figure in asyncio.run(run("--quick" in sys.argv, backend)):
        print(figure.line(), f"  [{figure.note}]" if figure.note else "")
