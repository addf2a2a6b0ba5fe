"""`SlackStub` driven with the real `slack_sdk` `AsyncWebClient`: what it records, its
faults, its tokens, waiting for calls and resetting (the methods it answers:
test_slack_stub_methods.py)."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.webhook.async_client import AsyncWebhookClient

from standin.slack_api import BOT_ID, BOT_USER_ID, TEAM_ID, SlackStub


async def test_base_url_and_auth_test(slack_stub: SlackStub) -> None:
    assert slack_stub.base_url.startswith("http://127.0.0.1:")
    assert slack_stub.base_url.endswith("/api/")
    result = await slack_stub.client().auth_test()
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
    client = slack_stub.client()
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
    result = await slack_stub.client().chat_postMessage(channel="U0ALICE", text="hi")
    assert result["channel"] == "D0ALICE"


async def test_429_retried_after_retry_after_with_rate_limit_handler(
    slack_stub: SlackStub,
) -> None:
    client = slack_stub.client()
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
        await slack_stub.client().chat_postMessage(channel="C0FRONT", text="x")
    assert info.value.response.status_code == 429
    assert info.value.response["error"] == "ratelimited"
    assert info.value.response.headers["Retry-After"] == "7"
    assert slack_stub.count("chat.postMessage") == 1


async def test_fail_next_surfaces_slack_api_error_then_recovers(slack_stub: SlackStub) -> None:
    client = slack_stub.client()
    slack_stub.fail_next("chat.postMessage", error="channel_not_found")
    with pytest.raises(SlackApiError) as info:
        await client.chat_postMessage(channel="C0GONE", text="x")
    assert info.value.response["error"] == "channel_not_found"
    assert info.value.response.status_code == 200
    assert (await client.chat_postMessage(channel="C0GONE", text="x"))["ok"] is True


async def test_faults_queue_in_order_and_wildcard(slack_stub: SlackStub) -> None:
    client = slack_stub.client()
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
            await slack_stub.client(token=token).chat_postMessage(channel="C0", text="x")
        assert info.value.response["error"] == "invalid_auth"
    with SlackStub(valid_tokens=["xoxb-right"]) as strict:
        with pytest.raises(SlackApiError):
            await strict.client(token="xoxb-wrong").auth_test()
        assert (await strict.client(token="xoxb-right").auth_test())["ok"]


async def test_form_bodies_are_parsed_and_json_fields_decoded(slack_stub: SlackStub) -> None:
    blocks = [{"type": "divider"}]
    await slack_stub.client().api_call(
        "chat.postMessage", data={"channel": "C1", "text": "x", "blocks": json.dumps(blocks)}
    )
    call = slack_stub.last("chat.postMessage")
    assert call.encoding == "form"
    assert call.body == {"channel": "C1", "text": "x", "blocks": blocks}


async def test_concurrent_posts_get_unique_ts(slack_stub: SlackStub) -> None:
    client = slack_stub.client()
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
    client = slack_stub.client()
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
    await slack_stub.client().chat_update(channel="C1", ts="1.000001", text="x")
    assert time.monotonic() - started >= 0.3
