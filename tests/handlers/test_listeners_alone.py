"""Listeners are plain functions: called here without Slack or Bolt, with what Bolt and the
services middleware would pass them (`None` where a listener must not reach a service)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from bot.club import load_club_config
from bot.tickets.permissions import Permissions
from bot.tickets.usecases import Operations
from handlers.actions import card
from handlers.actions.clicks import UNREADABLE, on_click
from handlers.commands.ticket import ticket_command
from handlers.views.ticket_changes import submit_note
from slackui.ids import ModalInput
from tests.support.app_harness import TEST_CONFIG

NO_OPERATIONS = cast(Operations, None)
NO_URL = "http://unused"  # the dashboard's address: these listeners send no link


class Recorder:
    """Stands for Bolt's `ack` and `respond` (and a Slack client's methods): records calls."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    async def __call__(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


async def test_ticket_help_answers_privately_without_any_service() -> None:
    ack, respond = Recorder(), Recorder()
    body = {"text": "help", "user_id": "U0ANY"}
    club = load_club_config(TEST_CONFIG)
    await ticket_command(
        ack, body, cast(Any, None), cast(Any, respond), club, NO_OPERATIONS, None, NO_URL
    )
    assert ack.calls == [{}]
    [answer] = respond.calls
    assert (answer["response_type"], answer["text"]) == ("ephemeral", "How to use /ticket")


async def test_ticket_web_without_a_signing_secret_says_sign_in_is_not_set_up() -> None:
    ack, respond = Recorder(), Recorder()
    club = load_club_config(TEST_CONFIG)
    operator = next(iter(club.slack.operators))
    operations = cast(Operations, SimpleNamespace(permissions=Permissions(club)))
    body = {"text": "web", "user_id": operator}
    await ticket_command(
        ack, body, cast(Any, None), cast(Any, respond), club, operations, None, NO_URL
    )
    [answer] = respond.calls
    assert "not set up" in str(answer["blocks"]) and "/login/" not in str(answer["blocks"])


async def test_a_click_naming_no_ticket_is_told_so_without_any_change() -> None:
    ack, respond = Recorder(), Recorder()
    body = {"user": {"id": "U0ANY"}, "actions": [], "response_url": "https://hooks/x"}
    listener = on_click(card.assign)
    await listener(ack, body, cast(Any, None), cast(Any, respond), NO_OPERATIONS)
    assert ack.calls == [{}]
    assert respond.calls == [
        {"text": UNREADABLE, "response_type": "ephemeral", "replace_original": False}
    ]


async def test_a_modal_that_lost_its_ticket_answers_with_an_error_on_its_input() -> None:
    ack = Recorder()
    body = {"user": {"id": "U0ANY"}, "view": {"private_metadata": "not json"}}
    await submit_note(cast(Any, ack), body, NO_OPERATIONS)
    [answer] = ack.calls
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == [ModalInput.NOTE.value]
