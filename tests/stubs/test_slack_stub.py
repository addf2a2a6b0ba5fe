"""The Slack stand-ins work with the real libraries.

`SlackStub` is driven with the real `slack_sdk` `AsyncWebClient`; the signed-request
builders are driven through a real bolt `AsyncApp` behind Starlette
(`AsyncSlackRequestHandler`) with `httpx.ASGITransport`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.support.slack_requests import (
    FORM,
    JSON,
    app_home_opened,
    block_actions,
    button_action,
    event_callback,
    global_shortcut,
    message_event,
    message_shortcut,
    modal_view,
    plain_text,
    post_signed,
    reaction_added,
    sign,
    signed_headers,
    slash_command,
    static_select,
    url_verification,
    view_submission,
)
from tests.support.slack_stub import (
    BOT_ID,
    BOT_USER_ID,
    TEAM_ID,
    SlackStub,
    slack_stub_fixture,
)

__all__ = ["slack_stub_fixture"]  # the `slack_stub` fixture, used by the tests below

SECRET = "test-signing-secret"


def web_client(stub: SlackStub, token: str | None = "xoxb-test") -> AsyncWebClient:
    return AsyncWebClient(token=token, base_url=stub.base_url)


# --------------------------------------------------------------------------- the stub


async def test_base_url_and_auth_test(slack_stub: SlackStub) -> None:
    assert slack_stub.base_url.startswith("http://127.0.0.1:")
    assert slack_stub.base_url.endswith("/api/")
    result = await web_client(slack_stub).auth_test()
    assert result["ok"] is True
    assert (result["team_id"], result["user_id"], result["bot_id"]) == (
        TEAM_ID,
        BOT_USER_ID,
        BOT_ID,
    )
    assert result["url"].startswith("https://")
    call = slack_stub.last("auth.test")
    assert call.token == "xoxb-test"
    assert call.headers["authorization"] == "Bearer xoxb-test"
    assert call.status == 200


async def test_post_message_then_update_recorded_with_bodies(slack_stub: SlackStub) -> None:
    client = web_client(slack_stub)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*TCK-1* Bay 3"}}]
    metadata = {"event_type": "ticket_card", "event_payload": {"ticket_id": 1}}
    first = await client.chat_postMessage(
        channel="C0FRONT", text="TCK-1 Bay 3", blocks=blocks, metadata=metadata
    )
    second = await client.chat_postMessage(channel="C0FRONT", text="another")
    assert first["channel"] == "C0FRONT"
    assert first["ts"] == "1732550000.000101"  # a fresh stub's first ts
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["text"] == "TCK-1 Bay 3"
    assert first["message"]["blocks"] == blocks
    assert first["message"]["bot_id"] == BOT_ID

    updated = await client.chat_update(channel="C0FRONT", ts=first["ts"], text="TCK-1 closed")
    assert updated["ts"] == first["ts"]
    assert updated["message"]["text"] == "TCK-1 closed"

    posts = slack_stub.calls("chat.postMessage")
    assert [c.body["text"] for c in posts] == ["TCK-1 Bay 3", "another"]
    assert posts[0].encoding == "json"
    assert posts[0].body["blocks"] == blocks
    assert posts[0].body["metadata"] == metadata
    update = slack_stub.last("chat.update")
    assert update.body == {"channel": "C0FRONT", "ts": first["ts"], "text": "TCK-1 closed"}
    assert slack_stub.methods() == ["chat.postMessage", "chat.postMessage", "chat.update"]
    assert [m["text"] for m in slack_stub.messages("C0FRONT")] == ["TCK-1 closed", "another"]


async def test_post_to_user_id_answers_dm_channel(slack_stub: SlackStub) -> None:
    result = await web_client(slack_stub).chat_postMessage(channel="U0ALICE", text="hi")
    assert result["channel"] == "D0ALICE"


async def test_429_retried_after_retry_after_with_rate_limit_handler(
    slack_stub: SlackStub,
) -> None:
    client = web_client(slack_stub)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
    slack_stub.rate_limit_next("chat.postMessage", retry_after=1)

    started = time.monotonic()
    result = await client.chat_postMessage(channel="C0FRONT", text="after the limit")
    elapsed = time.monotonic() - started

    assert result["ok"] is True
    first, second = slack_stub.calls("chat.postMessage")
    assert first.status == 429
    assert first.response == {"ok": False, "error": "ratelimited"}
    assert second.status == 200
    gap = second.time - first.time
    # slack_sdk sleeps int(Retry-After) + random() seconds.
    assert 1.0 <= gap < 2.5, gap
    assert elapsed >= 1.0
    assert slack_stub.pending() == 0


async def test_429_without_handler_raises_with_retry_after(slack_stub: SlackStub) -> None:
    slack_stub.rate_limit_next("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as info:
        await web_client(slack_stub).chat_postMessage(channel="C0FRONT", text="x")
    assert info.value.response.status_code == 429
    assert info.value.response["error"] == "ratelimited"
    assert info.value.response.headers["Retry-After"] == "7"
    assert slack_stub.count("chat.postMessage") == 1


async def test_fail_next_surfaces_slack_api_error_then_recovers(slack_stub: SlackStub) -> None:
    client = web_client(slack_stub)
    slack_stub.fail_next("chat.postMessage", error="channel_not_found")
    with pytest.raises(SlackApiError) as info:
        await client.chat_postMessage(channel="C0GONE", text="x")
    assert info.value.response["error"] == "channel_not_found"
    assert info.value.response.status_code == 200
    assert (await client.chat_postMessage(channel="C0GONE", text="x"))["ok"] is True


async def test_faults_queue_in_order_and_wildcard(slack_stub: SlackStub) -> None:
    client = web_client(slack_stub)
    slack_stub.server_error_next("views.open", status=503)
    slack_stub.fail_next("views.open", error="expired_trigger_id")
    view = {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": []}
    with pytest.raises(SlackApiError) as info:
        await client.views_open(trigger_id="1.2.3", view=view)
    assert info.value.response.status_code == 503
    with pytest.raises(SlackApiError) as info:
        await client.views_open(trigger_id="1.2.3", view=view)
    assert info.value.response["error"] == "expired_trigger_id"

    slack_stub.fail_next("*", error="fatal_error", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError):
            await client.auth_test()
    assert (await client.auth_test())["ok"] is True


async def test_invalid_or_missing_token_is_invalid_auth(slack_stub: SlackStub) -> None:
    for token in ("bogus-token", None):
        with pytest.raises(SlackApiError) as info:
            await web_client(slack_stub, token=token).chat_postMessage(channel="C0", text="x")
        assert info.value.response["error"] == "invalid_auth"
    with SlackStub(valid_tokens=["xoxb-right"]) as strict:
        with pytest.raises(SlackApiError):
            await web_client(strict, token="xoxb-wrong").auth_test()
        assert (await web_client(strict, token="xoxb-right").auth_test())["ok"]


async def test_conversations_replies_and_history_return_preloaded(slack_stub: SlackStub) -> None:
    parent = {"user": "U0ALICE", "text": "Bay 3 projector dead", "ts": "1732549000.000100"}
    reply = {"user": "U0BOB", "text": "also no sound", "ts": "1732549001.000200"}
    slack_stub.set_replies("C0FRONT", parent["ts"], [reply, parent])
    slack_stub.set_history(
        "C0OTHER", [{"text": f"m{i}", "ts": f"17325490{i:02d}.000000"} for i in range(5)]
    )
    client = web_client(slack_stub)

    result = await client.conversations_replies(channel="C0FRONT", ts=parent["ts"])
    assert [m["text"] for m in result["messages"]] == [parent["text"], reply["text"]]
    assert all(m["thread_ts"] == parent["ts"] for m in result["messages"])
    assert slack_stub.last("conversations.replies").http_method == "GET"

    # What the app posts into the thread shows up in it, as on Slack.
    await client.chat_postMessage(channel="C0FRONT", thread_ts=parent["ts"], text="TCK-7 opened")
    result = await client.conversations_replies(channel="C0FRONT", ts=parent["ts"])
    assert [m["text"] for m in result["messages"]][-1] == "TCK-7 opened"

    history = await client.conversations_history(channel="C0FRONT")
    assert [m["text"] for m in history["messages"]] == [parent["text"]]

    page = await client.conversations_history(channel="C0OTHER", limit=2)
    assert [m["text"] for m in page["messages"]] == ["m4", "m3"]
    assert page["has_more"] is True
    page = await client.conversations_history(
        channel="C0OTHER", limit=2, cursor=page["response_metadata"]["next_cursor"]
    )
    assert [m["text"] for m in page["messages"]] == ["m2", "m1"]

    with pytest.raises(SlackApiError) as info:
        await client.conversations_replies(channel="C0FRONT", ts="1.000000")
    assert info.value.response["error"] == "thread_not_found"


async def test_metadata_only_with_include_all_metadata(slack_stub: SlackStub) -> None:
    client = web_client(slack_stub)
    metadata = {"event_type": "ticket_card", "event_payload": {"ticket_id": 9}}
    await client.chat_postMessage(channel="C0FRONT", text="card", metadata=metadata)
    plain = await client.conversations_history(channel="C0FRONT")
    assert "metadata" not in plain["messages"][0]
    full = await client.conversations_history(channel="C0FRONT", include_all_metadata=True)
    assert full["messages"][0]["metadata"] == metadata


async def test_other_methods(slack_stub: SlackStub) -> None:
    client = web_client(slack_stub)
    posted = await client.chat_postMessage(channel="C0FRONT", text="card")
    ts = posted["ts"]

    eph = await client.chat_postEphemeral(channel="C0FRONT", user="U0ALICE", text="only you")
    assert float(eph["message_ts"]) > float(ts)
    link = await client.chat_getPermalink(channel="C0FRONT", message_ts=ts)
    assert link["permalink"].endswith(f"/archives/C0FRONT/p{ts.replace('.', '')}")

    await client.reactions_add(channel="C0FRONT", timestamp=ts, name="white_check_mark")
    add = slack_stub.last("reactions.add")
    assert add.encoding == "query"  # slack_sdk puts params= arguments in the URL
    assert add.body["name"] == "white_check_mark"
    assert slack_stub.reactions("C0FRONT", ts) == ["white_check_mark"]
    with pytest.raises(SlackApiError) as info:
        await client.reactions_add(channel="C0FRONT", timestamp=ts, name="white_check_mark")
    assert info.value.response["error"] == "already_reacted"
    await client.reactions_remove(channel="C0FRONT", timestamp=ts, name="white_check_mark")
    assert slack_stub.reactions("C0FRONT", ts) == []

    view = {
        "type": "modal",
        "callback_id": "ticket_create",
        "title": {"type": "plain_text", "text": "New ticket"},
        "blocks": [],
        "private_metadata": "C0FRONT",
    }
    opened = await client.views_open(trigger_id="1.2.abc", view=view)
    view_id = opened["view"]["id"]
    assert opened["view"]["callback_id"] == "ticket_create"
    assert slack_stub.last("views.open").body["trigger_id"] == "1.2.abc"
    updated = await client.views_update(view_id=view_id, view={**view, "private_metadata": "x"})
    assert updated["view"]["id"] == view_id
    assert slack_stub.view(view_id)["private_metadata"] == "x"
    pushed = await client.views_push(trigger_id="1.2.abd", view=view)
    assert pushed["view"]["previous_view_id"] == view_id
    home = {"type": "home", "blocks": [{"type": "divider"}]}
    published = await client.views_publish(user_id="U0ALICE", view=home)
    assert published["view"]["type"] == "home"
    stored_home = slack_stub.home_view("U0ALICE")
    assert stored_home is not None
    assert stored_home["blocks"] == home["blocks"]

    slack_stub.set_user("U0ALICE", real_name="Alice Pro", tz="America/Chicago")
    alice = await client.users_info(user="U0ALICE")
    assert alice["user"]["real_name"] == "Alice Pro"
    assert (await client.users_info(user="U0ZED"))["user"]["id"] == "U0ZED"

    slack_stub.set_group_members("S0TECH", ["U0TECH1", "U0TECH2"])
    members = await client.usergroups_users_list(usergroup="S0TECH")
    assert members["users"] == ["U0TECH1", "U0TECH2"]
    with pytest.raises(SlackApiError):
        await client.usergroups_users_list(usergroup="S0NONE")

    uploaded = await client.files_upload_v2(
        channel="C0FRONT", content="a,b\n1,2\n", filename="t.csv", title="Tickets"
    )
    assert uploaded["file"]["title"] == "Tickets"
    assert slack_stub.last("upload").raw == b"a,b\n1,2\n"
    assert slack_stub.last("files.completeUploadExternal").body["channel_id"] == "C0FRONT"

    assert (await client.api_call("admin.unknown.method", json={"x": 1}))["ok"] is True
    assert slack_stub.last("admin.unknown.method").body == {"x": 1}


async def test_form_bodies_are_parsed_and_json_fields_decoded(slack_stub: SlackStub) -> None:
    blocks = [{"type": "divider"}]
    await web_client(slack_stub).api_call(
        "chat.postMessage", data={"channel": "C1", "text": "x", "blocks": json.dumps(blocks)}
    )
    call = slack_stub.last("chat.postMessage")
    assert call.encoding == "form"
    assert call.body == {"channel": "C1", "text": "x", "blocks": blocks}


async def test_concurrent_posts_get_unique_ts(slack_stub: SlackStub) -> None:
    client = web_client(slack_stub)
    results = await asyncio.gather(
        *(client.chat_postMessage(channel="C1", text=str(i)) for i in range(25))
    )
    assert len({r["ts"] for r in results}) == 25
    assert len(slack_stub.messages("C1")) == 25


async def test_response_url_is_recorded(slack_stub: SlackStub) -> None:
    url = slack_stub.response_url()
    assert url.startswith(slack_stub.base_url + "response_url/")
    response = await AsyncWebhookClient(url).send(text="Ticket TCK-1 created")
    assert response.status_code == 200
    assert response.body == "ok"
    call = slack_stub.last("response_url")
    assert call.path.endswith(url.rsplit("/", 1)[1])
    assert call.body["text"] == "Ticket TCK-1 created"


async def test_wait_for_reset_and_timeouts(slack_stub: SlackStub) -> None:
    client = web_client(slack_stub)
    await client.chat_postMessage(channel="C1", text="a")
    await client.chat_postMessage(channel="C2", text="b")
    found = await slack_stub.wait_for(
        "chat.postMessage", predicate=lambda c: c.body["channel"] == "C2"
    )
    assert [c.body["text"] for c in found] == ["b"]
    assert len(slack_stub.wait_for_sync("chat.postMessage", count=2, timeout=1)) == 2
    with pytest.raises(AssertionError, match=r"expected 3 chat\.postMessage"):
        await slack_stub.wait_for("chat.postMessage", count=3, timeout=0.1)
    with pytest.raises(AssertionError, match=r"expected 1 views\.open"):
        slack_stub.wait_for_sync("views.open", timeout=0.1)
    with pytest.raises(AssertionError, match=r"unexpected chat\.postMessage"):
        await slack_stub.assert_no_call("chat.postMessage", wait=0.01)

    slack_stub.fail_next("auth.test")
    slack_stub.reset()
    assert slack_stub.calls() == []
    assert slack_stub.pending() == 0
    assert slack_stub.messages("C1") == []
    assert (await client.auth_test())["ok"] is True


async def test_slow_next_delays_the_answer(slack_stub: SlackStub) -> None:
    slack_stub.slow_next("chat.update", 0.3)
    started = time.monotonic()
    await web_client(slack_stub).chat_update(channel="C1", ts="1.000001", text="x")
    assert time.monotonic() - started >= 0.3


# --------------------------------------------------------------------------- signed requests


def test_sign_matches_slack_sdk_verifier() -> None:
    from slack_sdk.signature import SignatureVerifier

    body, _ = message_event("C0FRONT", "hello", "1732549000.000100")
    headers = sign(SECRET, body, timestamp=1732549000)
    assert headers["X-Slack-Request-Timestamp"] == "1732549000"
    expected = SignatureVerifier(SECRET).generate_signature(timestamp="1732549000", body=body)
    assert headers["X-Slack-Signature"] == expected
    now_headers = sign(SECRET, body)
    assert SignatureVerifier(SECRET).is_valid(
        body, now_headers["X-Slack-Request-Timestamp"], now_headers["X-Slack-Signature"]
    )


@dataclass
class Bolt:
    app: AsyncApp
    http: httpx.AsyncClient
    stub: SlackStub
    seen: dict[str, list[Any]] = field(default_factory=dict)

    def record(self, kind: str, value: Any) -> None:
        self.seen.setdefault(kind, []).append(value)

    async def wait_seen(self, kind: str, count: int = 1, timeout: float = 5.0) -> list[Any]:
        """Listeners go on after ack() (and events are acked first): poll for them."""
        deadline = time.monotonic() + timeout
        while len(self.seen.get(kind, [])) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"listener {kind!r} ran {self.seen.get(kind)}")
            await asyncio.sleep(0.01)
        return self.seen[kind]

    async def post(self, request: tuple[str, str], **kwargs: Any) -> httpx.Response:
        return await post_signed(self.http, SECRET, request, **kwargs)


@pytest.fixture
async def bolt(slack_stub: SlackStub) -> AsyncIterator[Bolt]:
    app = AsyncApp(client=web_client(slack_stub), signing_secret=SECRET)
    handler = AsyncSlackRequestHandler(app)

    async def endpoint(request: Request) -> Response:
        return await handler.handle(request)

    web = Starlette(routes=[Route("/slack/events", endpoint, methods=["POST"])])
    transport = httpx.ASGITransport(app=web)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield Bolt(app=app, http=http, stub=slack_stub)


async def test_slash_command_reaches_listener_and_respond_hits_stub(bolt: Bolt) -> None:
    @bolt.app.command("/ticket")
    async def on_ticket(ack: Any, command: dict[str, Any], respond: Any) -> None:
        await ack()
        bolt.record("command", command)
        await respond(f"Creating: {command['text']}")

    assert bolt.stub.count("auth.test") == 0  # AsyncApp does not call it at start-up
    url = bolt.stub.response_url()
    response = await bolt.post(
        slash_command("new Bay 3 projector dead", "U0ALICE", "C0FRONT", response_url=url)
    )
    assert response.status_code == 200
    (call,) = await bolt.stub.wait_for("response_url")
    assert call.body["text"] == "Creating: new Bay 3 projector dead"
    (command,) = await bolt.wait_seen("command")
    assert (command["user_id"], command["channel_id"], command["command"]) == (
        "U0ALICE",
        "C0FRONT",
        "/ticket",
    )
    assert command["response_url"] == url
    assert bolt.stub.count("auth.test") == 1


async def test_shortcuts_open_a_modal(bolt: Bolt) -> None:
    @bolt.app.shortcut("create_ticket")
    async def shortcut(ack: Any, shortcut: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        bolt.record("shortcut", shortcut)
        await client.views_open(
            trigger_id=shortcut["trigger_id"],
            view={
                "type": "modal",
                "callback_id": "ticket_create",
                "title": {"type": "plain_text", "text": "New ticket"},
                "blocks": [],
                "private_metadata": shortcut.get("message_ts", ""),
            },
        )

    message = {"user": "U0ALICE", "text": "TV in bay 2 flickers", "ts": "1732549000.000100"}
    response = await bolt.post(
        message_shortcut("create_ticket", "U0ALICE", "C0FRONT", message, trigger_id="11.22.aa")
    )
    assert response.status_code == 200
    (opened,) = await bolt.stub.wait_for("views.open")
    assert opened.body["trigger_id"] == "11.22.aa"
    assert opened.body["view"]["private_metadata"] == message["ts"]
    assert opened.encoding == "json"
    await bolt.wait_seen("shortcut")
    assert bolt.seen["shortcut"][0]["type"] == "message_action"
    assert bolt.seen["shortcut"][0]["message"]["text"] == message["text"]

    response = await bolt.post(global_shortcut("create_ticket", "U0BOB", trigger_id="33.44.bb"))
    assert response.status_code == 200
    await bolt.stub.wait_for("views.open", count=2)
    assert (await bolt.wait_seen("shortcut", 2))[1]["type"] == "shortcut"


async def test_view_submission_reaches_listener(bolt: Bolt) -> None:
    @bolt.app.view("ticket_create")
    async def submitted(ack: Any, view: dict[str, Any], body: dict[str, Any]) -> None:
        await ack()
        values = view["state"]["values"]
        bolt.record("view", (body["user"]["id"], view["private_metadata"], values))

    state = {
        "title": {"title_input": plain_text("Bay 3 projector dead")},
        "priority": {"priority_select": static_select("high", "High")},
    }
    response = await bolt.post(
        view_submission("U0ALICE", "ticket_create", state, private_metadata="C0FRONT")
    )
    assert response.status_code == 200
    assert response.text == ""
    ((user, private_metadata, values),) = await bolt.wait_seen("view")
    assert (user, private_metadata) == ("U0ALICE", "C0FRONT")
    assert values["title"]["title_input"]["value"] == "Bay 3 projector dead"
    assert values["priority"]["priority_select"]["selected_option"]["value"] == "high"


async def test_view_submission_errors_ack_is_returned(bolt: Bolt) -> None:
    @bolt.app.view("ticket_create")
    async def submitted(ack: Any) -> None:
        await ack(response_action="errors", errors={"title": "Title is required"})

    response = await bolt.post(view_submission("U0ALICE", "ticket_create", {}))
    assert response.status_code == 200
    assert response.json() == {
        "response_action": "errors",
        "errors": {"title": "Title is required"},
    }


async def test_block_action_reaches_listener(bolt: Bolt) -> None:
    @bolt.app.action("ticket_assign")
    async def assign(
        ack: Any, action: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        bolt.record("action", action)
        if "message" in body:  # clicked on a message (not in a modal)
            await client.chat_update(
                channel=body["channel"]["id"], ts=body["message"]["ts"], text="TCK-1 assigned"
            )

    card = {"user": BOT_USER_ID, "bot_id": BOT_ID, "text": "TCK-1", "ts": "1732550000.000101"}
    response = await bolt.post(
        block_actions(
            "U0TECH",
            [button_action("ticket_assign", value="1")],
            channel="C0FRONT",
            message=card,
            response_url=bolt.stub.response_url(),
        )
    )
    assert response.status_code == 200
    (update,) = await bolt.stub.wait_for("chat.update")
    assert (update.body["channel"], update.body["ts"]) == ("C0FRONT", card["ts"])
    # Bolt's per-request client carries team_id as a default argument of every call.
    assert update.body["team_id"] == TEAM_ID
    assert (await bolt.wait_seen("action"))[0]["value"] == "1"

    # From a modal: container is the view, no channel.
    view = modal_view("ticket_create", {}, private_metadata="x", view_id="V0OPEN")
    response = await bolt.post(block_actions("U0TECH", [{"action_id": "ticket_assign"}], view=view))
    assert response.status_code == 200
    (_, from_view) = await bolt.wait_seen("action", 2)
    assert from_view["block_id"] == "actions"


async def test_message_event_reaches_listener_and_own_messages_are_ignored(bolt: Bolt) -> None:
    @bolt.app.event("message")
    async def on_message(event: dict[str, Any], say: Any) -> None:
        bolt.record("message", event)
        await say(text=f"seen: {event['text']}", thread_ts=event["ts"])

    response = await bolt.post(
        message_event("C0FRONT", "projector dead", "1732549000.000100", user="U0ALICE")
    )
    assert response.status_code == 200
    (reply,) = await bolt.stub.wait_for("chat.postMessage")
    assert reply.body["channel"] == "C0FRONT"
    assert reply.body["thread_ts"] == "1732549000.000100"
    assert reply.body["text"] == "seen: projector dead"

    # Bolt drops the bot's own messages (IgnoringSelfEvents): user or bot_id of auth.test.
    for own in (
        message_event("C0FRONT", "mine", "1732549001.000100", user=BOT_USER_ID),
        message_event("C0FRONT", "mine", "1732549002.000100", bot_id=BOT_ID),
    ):
        assert (await bolt.post(own)).status_code == 200
    # Another bot's messages do reach listeners.
    other = message_event(
        "C0FRONT", "from zapier", "1732549003.000100", bot_id="B0ZAP", subtype="bot_message"
    )
    assert (await bolt.post(other)).status_code == 200
    await bolt.stub.wait_for("chat.postMessage", count=2)
    await bolt.stub.assert_no_call("chat.postMessage", predicate=lambda c: "mine" in c.body["text"])
    seen = await bolt.wait_seen("message", 2)
    assert [e["text"] for e in seen] == ["projector dead", "from zapier"]
    assert bolt.stub.count("auth.test") == 1


async def test_reaction_and_app_home_events(bolt: Bolt) -> None:
    @bolt.app.event("reaction_added")
    async def on_reaction(event: dict[str, Any]) -> None:
        bolt.record("reaction", event)

    @bolt.app.event("app_home_opened")
    async def on_home(event: dict[str, Any], client: AsyncWebClient) -> None:
        await client.views_publish(user_id=event["user"], view={"type": "home", "blocks": []})

    response = await bolt.post(reaction_added("U0ALICE", "ticket", "C0FRONT", "1732549000.000100"))
    assert response.status_code == 200
    response = await bolt.post(app_home_opened("U0ALICE"))
    assert response.status_code == 200
    (published,) = await bolt.stub.wait_for("views.publish")
    assert published.body["user_id"] == "U0ALICE"
    assert (await bolt.wait_seen("reaction"))[0]["item"] == {
        "type": "message",
        "channel": "C0FRONT",
        "ts": "1732549000.000100",
    }


async def test_url_verification_echoes_challenge(bolt: Bolt) -> None:
    response = await bolt.post(url_verification("abc123"))
    assert response.status_code == 200
    assert response.json() == {"challenge": "abc123"}


async def test_bad_signature_is_401(bolt: Bolt) -> None:
    @bolt.app.event("message")
    async def on_message(event: dict[str, Any]) -> None:
        bolt.record("message", event)

    body, content_type = message_event("C0FRONT", "hi", "1732549000.000100")
    response = await post_signed(bolt.http, "wrong-secret", (body, content_type))
    assert response.status_code == 401
    headers = signed_headers(SECRET, body, content_type)
    response = await bolt.http.post(
        "/slack/events", content=body.replace("hi", "ho").encode(), headers=headers
    )
    assert response.status_code == 401
    response = await bolt.http.post(
        "/slack/events", content=body.encode(), headers={"Content-Type": JSON}
    )
    assert response.status_code == 401
    assert "message" not in bolt.seen


async def test_replay_window(bolt: Bolt) -> None:
    @bolt.app.command("/ticket")
    async def on_ticket(ack: Any) -> None:
        await ack()

    request = slash_command("list", "U0ALICE", "C0FRONT", response_url=bolt.stub.response_url())
    assert request[1] == FORM
    now = int(time.time())
    assert (await bolt.post(request, timestamp=now - 301)).status_code == 401
    assert (await bolt.post(request, timestamp=now + 301)).status_code == 401
    assert (await bolt.post(request, timestamp=now - 299)).status_code == 200


async def test_event_callback_shape_and_retry_headers(bolt: Bolt) -> None:
    @bolt.app.event("message")
    async def on_message(event: dict[str, Any], body: dict[str, Any], request: Any) -> None:
        bolt.record("retry", (body["event_id"], request.headers.get("x-slack-retry-num")))

    event = {"type": "message", "channel": "C0FRONT", "user": "U0ALICE", "text": "x", "ts": "1.2"}
    request = event_callback(event, event_id="Ev0DUP")
    assert (await bolt.post(request)).status_code == 200
    assert (await bolt.post(request, retry_num=1)).status_code == 200
    assert await bolt.wait_seen("retry", 2) == [("Ev0DUP", None), ("Ev0DUP", ["1"])]
