"""The Web API methods `SlackStub` answers like Slack, driven with the real `slack_sdk`
`AsyncWebClient`: threads and history, metadata, ephemeral messages, permalinks,
reactions, views, users, groups, file uploads and unknown methods."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from standin.slack_api import SlackStub


async def test_conversations_replies_and_history_return_preloaded(slack_stub: SlackStub) -> None:
    parent = {"user": "U0ALICE", "text": "Bay 3 projector dead", "ts": "1732549000.000100"}
    reply = {"user": "U0BOB", "text": "also no sound", "ts": "1732549001.000200"}
    slack_stub.set_replies("C0FRONT", parent["ts"], [reply, parent])
    slack_stub.set_history(
        "C0OTHER", [{"text": f"m{i}", "ts": f"17325490{i:02d}.000000"} for i in range(5)]
    )
    client = slack_stub.client()

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
    client = slack_stub.client()
    metadata = {"event_type": "ticket_card", "event_payload": {"ticket_id": 9}}
    await client.chat_postMessage(channel="C0FRONT", text="card", metadata=metadata)
    plain = await client.conversations_history(channel="C0FRONT")
    assert "metadata" not in plain["messages"][0]
    full = await client.conversations_history(channel="C0FRONT", include_all_metadata=True)
    assert full["messages"][0]["metadata"] == metadata


async def test_other_methods(slack_stub: SlackStub) -> None:
    client = slack_stub.client()
    posted = await client.chat_postMessage(channel="C0FRONT", text="card")
    ts = posted["ts"]

    eph = await client.chat_postEphemeral(channel="C0FRONT", user="U0ALICE", text="only you")
    assert float(eph["message_ts"]) > float(ts)
    link = await client.chat_getPermalink(channel="C0FRONT", message_ts=ts)
    assert link["permalink"].endswith(f"/archives/C0FRONT/p{ts.replace('.', '')}")

    await _check_reactions(slack_stub, client, ts)
    await _check_views(slack_stub, client)
    await _check_users_and_groups(slack_stub, client)
    await _check_files_and_unknown_methods(slack_stub, client)


async def _check_reactions(slack_stub: SlackStub, client: AsyncWebClient, ts: str) -> None:
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


async def _check_views(slack_stub: SlackStub, client: AsyncWebClient) -> None:
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


async def _check_users_and_groups(slack_stub: SlackStub, client: AsyncWebClient) -> None:
    slack_stub.set_user("U0ALICE", real_name="Alice Pro", tz="America/Chicago")
    alice = await client.users_info(user="U0ALICE")
    assert alice["user"]["real_name"] == "Alice Pro"
    assert (await client.users_info(user="U0ZED"))["user"]["id"] == "U0ZED"

    slack_stub.set_group_members("S0TECH", ["U0TECH1", "U0TECH2"])
    members = await client.usergroups_users_list(usergroup="S0TECH")
    assert members["users"] == ["U0TECH1", "U0TECH2"]
    with pytest.raises(SlackApiError):
        await client.usergroups_users_list(usergroup="S0NONE")


async def _check_files_and_unknown_methods(slack_stub: SlackStub, client: AsyncWebClient) -> None:
    uploaded = await client.files_upload_v2(
        channel="C0FRONT", content="a,b\n1,2\n", filename="t.csv", title="Tickets"
    )
    assert uploaded["file"]["title"] == "Tickets"
    assert slack_stub.last("upload").raw == b"a,b\n1,2\n"
    assert slack_stub.last("files.completeUploadExternal").body["channel_id"] == "C0FRONT"

    assert (await client.api_call("admin.unknown.method", json={"x": 1}))["ok"] is True
    assert slack_stub.last("admin.unknown.method").body == {"x": 1}
