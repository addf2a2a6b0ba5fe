"""`serve` over Socket Mode, end to end: a real `clubos-tickets serve` with an app-level
token connects to a local stand-in of Slack's WebSocket (`standin.socket_mode`), gets
`hello`, acks each envelope by its id, and reconnects when Slack says `disconnect`. A
relay message becomes a ticket with its card, a message shortcut opens the prefilled
modal, and `/ticket list` answers, all without a public URL."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from standin import slack_requests as rq
from standin.slack_api import SlackStub
from standin.socket_mode import SocketModeStandIn, envelope_of
from tests.handlers.helpers.surfaces import relayed
from tests.support.app_harness import OPERATOR, RELAY, TEST_CONFIG
from tests.support.cli import Served, cli_env, serving
from tests.support.http_stub import serve_during_test
from tests.support.relay import customer_says

APP_TOKEN = "xapp-1-A0APP-1-test"
API_TOKEN = "api-token-for-tests"


# One `serve` for the module (it takes seconds to start); each test uses its own threads.


@pytest.fixture(name="slack_stub", scope="module")
def module_slack_stub() -> Iterator[SlackStub]:
    yield from serve_during_test(SlackStub(), "slack_stub")


@pytest.fixture(name="socket_mode", scope="module")
def socket_mode_fixture(slack_stub: SlackStub) -> Iterator[SocketModeStandIn]:
    with SocketModeStandIn() as standin:
        slack_stub.attach_socket_mode(standin)
        yield standin
    assert standin.unexpected == []


@pytest.fixture(name="served", scope="module")
def served_fixture(
    tmp_path_factory: pytest.TempPathFactory,
    slack_stub: SlackStub,
    socket_mode: SocketModeStandIn,
) -> Iterator[Served]:
    tmp_path = tmp_path_factory.mktemp("socket-mode")
    env = cli_env(
        f"sqlite+aiosqlite:///{tmp_path}/socket.db",
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_API_URL=slack_stub.base_url,
        CLUBOS_CONFIG=str(TEST_CONFIG),
        TRIAGE_BACKEND="rules",
        API_TOKEN=API_TOKEN,
    )
    with serving(tmp_path, env, slack=True) as served:
        socket_mode.wait_connected()
        yield served


def tickets(served: Served) -> list[dict[str, object]]:
    answer = httpx.get(
        f"{served.base_url}/api/tickets",
        headers={"Authorization": f"Bearer {API_TOKEN}"},
        timeout=5,
    )
    answer.raise_for_status()
    listed: list[dict[str, object]] = answer.json()["tickets"]
    return listed


def card_posts(stub: SlackStub, thread_ts: str) -> list[object]:
    return [
        c
        for c in stub.calls("chat.postMessage")
        if c["channel"] == RELAY and c.body.get("thread_ts") == thread_ts and "T-" in c["text"]
    ]


def test_a_relay_message_over_the_socket_becomes_one_ticket_with_its_card(
    served: Served, slack_stub: SlackStub, socket_mode: SocketModeStandIn
) -> None:
    assert {c.token for c in slack_stub.calls("apps.connections.open")} == {APP_TOKEN}
    message = customer_says("the projector in bay 3 is cracked and sparking", ts="1.000100")
    envelope = socket_mode.send(message)
    assert socket_mode.wait_for_ack(envelope) == {"envelope_id": envelope}
    # Slack redelivers an envelope it thinks was lost: still one ticket, one card.
    again = socket_mode.send(message, retry_attempt=1, retry_reason="timeout")
    socket_mode.wait_for_ack(again)
    slack_stub.wait_for_sync(
        "chat.postMessage", timeout=15, predicate=lambda c: c.body.get("thread_ts") == "1.000100"
    )
    assert [(t["location"], t["bay"]) for t in tickets(served)] == [("Bedford", 3)]
    assert len(card_posts(slack_stub, "1.000100")) == 1


def test_a_message_shortcut_and_a_slash_command_are_answered_over_the_socket(
    served: Served, slack_stub: SlackStub, socket_mode: SocketModeStandIn
) -> None:
    shortcut = rq.message_shortcut("create_ticket", OPERATOR, RELAY, relayed("no balls in bay 2"))
    socket_mode.wait_for_ack(socket_mode.send(shortcut))
    [opened] = slack_stub.wait_for_sync("views.open", timeout=10)  # the only modal here
    assert opened["view"]["callback_id"] == "ticket_create"

    url = slack_stub.response_url()
    command = rq.slash_command("list", user_id=OPERATOR, response_url=url)
    assert envelope_of(command)[0] == "slash_commands"
    socket_mode.wait_for_ack(socket_mode.send(command))
    [answer] = slack_stub.wait_for_sync(
        "response_url", timeout=10, predicate=lambda c: url.endswith(c.path)
    )
    assert answer.body["response_type"] == "ephemeral"


def test_after_a_disconnect_the_app_reconnects_and_nothing_is_lost(
    served: Served, slack_stub: SlackStub, socket_mode: SocketModeStandIn
) -> None:
    before = socket_mode.connections_opened
    socket_mode.disconnect()
    socket_mode.wait_connected(count=before + 1)
    # A fresh URL for each connection, as Slack asks.
    assert len(slack_stub.calls("apps.connections.open")) == before + 1
    envelope = socket_mode.send(customer_says("toilet is overflowing in the mens", ts="2.000100"))
    socket_mode.wait_for_ack(envelope)
    slack_stub.wait_for_sync(
        "chat.postMessage", timeout=15, predicate=lambda c: c.body.get("thread_ts") == "2.000100"
    )
    assert len(card_posts(slack_stub, "2.000100")) == 1


def test_over_socket_mode_no_unsigned_http_route_accepts_slack_requests(
    served: Served,
) -> None:
    body, content_type = customer_says("toilet is overflowing", ts="3.000100")
    answer = httpx.post(
        f"{served.base_url}/slack/events",
        content=body,
        headers={"Content-Type": content_type},
        timeout=5,
    )
    assert answer.status_code == 404
    assert "3.000100" not in str(tickets(served))


def test_a_malformed_envelope_is_acked_and_skipped_and_bad_metadata_still_makes_a_ticket(
    served: Served, slack_stub: SlackStub, socket_mode: SocketModeStandIn
) -> None:
    broken = {"type": "event_callback", "team_id": "T0TEAM", "event": None, "event_id": "Ev0X"}
    envelope = socket_mode.send((json.dumps(broken), rq.JSON))
    assert socket_mode.wait_for_ack(envelope) == {"envelope_id": envelope}  # no redelivery
    body, content_type = customer_says("toilet is overflowing in the ladies room", ts="4.000100")
    odd = json.loads(body)
    odd["event"]["metadata"] = "zz"  # the relay bot's metadata garbled: triaged on its text
    socket_mode.wait_for_ack(socket_mode.send((json.dumps(odd), content_type)))
    slack_stub.wait_for_sync(
        "chat.postMessage", timeout=15, predicate=lambda c: c.body.get("thread_ts") == "4.000100"
    )
    assert len(card_posts(slack_stub, "4.000100")) == 1
