"""Two `serve` processes on one PostgreSQL "behind one URL": every signed event is
delivered to both (some at the same moment, some one after the other, either first), as
a load balancer retrying on the other node would. Every expected ticket once, none for
noise, every card once; a shortcut and a slash command acked by either process.

The default suite: 20 events; the `slow` variant: 300. Each prints its figures."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from slackui.ids import Shortcut
from standin import slack_requests as rq
from standin.slack_api import SlackStub
from standin.slack_api.recording import Call
from storage.db import Database
from tests.faults.relay_traffic import Delivery, messages, places_needed, write_club
from tests.faults.storm_support import (
    START_TIMEOUT_S,
    Acks,
    all_triaged,
    assert_each_card_once,
    assert_expected_tickets,
    deliver_once,
    serve_env,
)
from tests.intake.crash_support import Serve
from tests.support.app_harness import OPERATOR

SETTLE_S = 60.0


async def both_receive(
    http: httpx.AsyncClient, urls: list[str], delivery: Delivery, rng: random.Random, acks: Acks
) -> None:
    """`delivery` to both processes: at once, or one after the other (either first)."""
    order = rng.sample(urls, 2)
    if rng.random() < 0.5:
        await asyncio.gather(*(deliver_once(http, url, delivery, acks) for url in order))
        return
    for url in order:
        await deliver_once(http, url, delivery, acks)


def to(url: str) -> Callable[[Call], bool]:
    """Whether a call went to `url`."""
    path = urlsplit(url).path
    return lambda call: call.path == path


async def operators_are_answered_by_either(
    http: httpx.AsyncClient, urls: list[str], slack_stub: SlackStub
) -> None:
    """The global shortcut opens its modal, and `/ticket help` answers, from each process."""
    for url in urls:
        opened = slack_stub.count("views.open")
        shortcut = rq.global_shortcut(Shortcut.NEW_TICKET.value, OPERATOR)
        answered = await rq.post_signed(
            http, rq.DEFAULT_SIGNING_SECRET, shortcut, path=f"{url}/slack/events"
        )
        assert answered.status_code == 200, answered.text
        await slack_stub.wait_for("views.open", count=opened + 1)
        answer_url = slack_stub.response_url()
        command = rq.slash_command("help", OPERATOR, response_url=answer_url)
        answered = await rq.post_signed(
            http, rq.DEFAULT_SIGNING_SECRET, command, path=f"{url}/slack/events"
        )
        assert answered.status_code == 200, answered.text
        [help_text] = await slack_stub.wait_for("response_url", predicate=to(answer_url))
        assert "/ticket" in str(help_text.body)


async def two_serves(slack_stub: SlackStub, db_url: str, cwd: Path, count: int, seed: int) -> None:
    batch = messages(count, seed)
    rng = random.Random(seed)
    club = write_club(cwd / "club.toml", places_needed(sum(m.problem for m in batch)))
    homes = [cwd / "a", cwd / "b"]
    for home in homes:
        home.mkdir()
    serves = [Serve(home, serve_env(slack_stub, db_url, club)) for home in homes]
    database = Database(db_url)
    acks = Acks()
    try:
        for serve in serves:
            serve.start(START_TIMEOUT_S)
        urls = [serve.base_url for serve in serves]
        async with httpx.AsyncClient(timeout=10) as http:
            await operators_are_answered_by_either(http, urls, slack_stub)
            started = time.monotonic()
            for message in batch:
                await both_receive(http, urls, Delivery(message, None), rng, acks)
        while not await all_triaged(database, len(batch)):
            assert time.monotonic() - started < SETTLE_S, "not all triaged and posted"
            await asyncio.sleep(0.2)
        ticket_of = await assert_expected_tickets(database, batch)
        cards = assert_each_card_once(slack_stub, ticket_of)
    finally:
        for serve in serves:
            serve.stop()
        await database.dispose()
    print(
        f"two serves on one PostgreSQL: {len(batch)} events, {acks.requests} deliveries, "
        f"all triaged and posted {time.monotonic() - started:.1f} s after the first, "
        f"{len(ticket_of)} tickets, {cards} cards"
    )


@pytest.mark.timeout(300)  # three cold starts of `serve` on a loaded machine
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_two_serves_behind_one_url_make_each_ticket_and_card_once(
    slack_stub: SlackStub, db_url: str, tmp_path: Path
) -> None:
    await two_serves(slack_stub, db_url, tmp_path, count=20, seed=21)


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_three_hundred_events_to_both_serves(
    slack_stub: SlackStub, db_url: str, tmp_path: Path
) -> None:
    await two_serves(slack_stub, db_url, tmp_path, count=300, seed=321)
