"""Each kind of signed request reaches its bolt listener, and what the listener does
through the client lands on the Slack stub: commands, shortcuts, view submissions,
block actions, messages, reactions and App Home."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from standin.slack_api import BOT_ID, BOT_USER_ID, TEAM_ID
from standin.slack_requests import (
    app_home_opened,
    block_actions,
    button_action,
    global_shortcut,
    message_event,
    message_shortcut,
    modal_view,
    plain_text,
    reaction_added,
    slash_command,
    static_select,
    view_submission,
)
from tests.stubs.bolt_app import Bolt


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
