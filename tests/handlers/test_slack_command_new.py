"""`/ticket new`, `web` and `help` end to end, and locations of several words."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.access.links import SignInLinks
from standin.slack_api import SlackStub
from tests.handlers.helpers.command import (
    NOT_ALLOWED,
    ask,
    listed_ids,
    make,
    opened_view,
    run,
    shown,
)
from tests.handlers.helpers.surfaces import initial
from tests.support.app_harness import (
    OPERATOR,
    RELAY,
    STRANGER,
    TEST_CONFIG,
    Harness,
    harness_settings,
    open_harness,
)

GENERAL = "C0GENERAL"  # not a relay channel


@pytest.fixture
async def lake(slack_stub: SlackStub, db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    """The harness with a config that also has a two-word location."""
    config = tmp_path / "clubos.toml"
    config.write_text(
        TEST_CONFIG.read_text(encoding="utf-8")
        + '\n[[locations]]\nname = "Bayers Lake"\nbays = 3\nrelay_channels = ["C0RELAYLAKE"]\n',
        encoding="utf-8",
    )
    settings = harness_settings(slack_stub, db_url, clubos_config=config)
    async with open_harness(slack_stub, settings) as harness:
        yield harness


async def test_new_opens_the_create_modal_prefilled(harness: Harness) -> None:
    assert await run(harness, "new Bay 3 projector &amp; screen", channel=RELAY) is None
    view = opened_view(harness)
    assert view["callback_id"] == "ticket_create"
    assert initial(view, "title") == "Bay 3 projector & screen"
    assert initial(view, "location") == "Bedford"  # the relay channel's location

    assert await run(harness, "new", channel=GENERAL) is None
    view = opened_view(harness)
    assert initial(view, "title") is None and initial(view, "location") is None
    assert harness.stub.count("views.open") == 2
    assert await harness.tickets() == []  # the modal's submission makes the ticket


async def test_web_sends_the_operator_a_one_time_link(slack_stub: SlackStub, db_url: str) -> None:
    settings = harness_settings(slack_stub, db_url, public_url="https://tickets.example.com/")
    async with open_harness(slack_stub, settings) as harness:
        body = await ask(harness, "web")
        links = SignInLinks(
            harness.runtime.database,
            settings.dashboard_signing_key() or "",
            harness.runtime.permissions,
        )
        [token] = re.findall(r"<https://tickets\.example\.com/login/([^|>]+)\|", shown(body))
        assert await links.redeem(token) == OPERATOR
        assert body["response_type"] == "ephemeral"


async def test_web_links_to_serves_address_without_public_url(harness: Harness) -> None:
    first = shown(await ask(harness, "web"))
    second = shown(await ask(harness, "web"))
    assert "<http://127.0.0.1:3000/login/" in first
    assert first != second  # a new link each time


async def test_web_gives_a_stranger_no_link(harness: Harness) -> None:
    text = shown(await ask(harness, "web", user=STRANGER))
    assert NOT_ALLOWED in text
    assert "/login/" not in text and "http" not in text


async def test_help_for_anything_else(harness: Harness) -> None:
    for text in ("help", "", "frobnicate T-1", "show banana", "list Halifax", "status T-1"):
        body = await ask(harness, text, user=STRANGER, read=True)
        said = shown(body)
        assert "/ticket list" in said and "/ticket resolve T-42" in said, text
        assert "&lt;location&gt;" in said  # usage placeholders escaped, not read as links
        assert (":warning:" in said) == (text not in ("help", "")), text
    await harness.settle()
    assert await harness.tickets() == []


async def test_multi_word_locations_in_any_case(lake: Harness) -> None:
    at_lake = await make(lake, "Bay 1 screen torn", location="Bayers Lake", bay=1, settle=False)
    await make(lake, "Net torn", location="Bedford", settle=False)
    body = await ask(lake, "list open bayers LAKE", read=True)
    assert listed_ids(body) == [at_lake.ticket_id]
    assert "Bayers Lake" in body["blocks"][0]["text"]["text"]
    assert await run(lake, "new screen torn", channel="C0RELAYLAKE") is None
    assert initial(opened_view(lake), "location") == "Bayers Lake"
