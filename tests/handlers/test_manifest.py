"""manifest.yml declares exactly what the app registers and uses: shortcuts, the
command, bot events and the OAuth scopes its Web API calls need."""

from __future__ import annotations

import re

import pytest
import yaml

from slackui.ids import Command, Event, Shortcut
from standin import slack_requests as rq
from tests.support.app_harness import OPERATOR, RELAY, Harness
from tests.support.paths import REPO as ROOT
from tests.support.paths import SOURCE_PACKAGES

MANIFEST = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))

# Which scope each Web API method family and each subscribed event needs.
METHOD_SCOPES = {
    "chat_postMessage": {"chat:write"},
    "chat_update": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "chat_getPermalink": set(),
    "reactions_add": {"reactions:write"},
    "reactions_remove": {"reactions:write"},
    "conversations_history": {"channels:history", "groups:history"},
    "conversations_replies": {"channels:history", "groups:history"},
    "usergroups_users_list": {"usergroups:read"},
    "users_info": {"users:read"},
    "views_open": set(),
    "views_update": set(),
    "views_publish": set(),
    "views_push": set(),
    "files_upload_v2": {"files:write"},
}
EVENT_SCOPES = {
    "reaction_added": {"reactions:read"},
    "app_home_opened": set(),
    "message.channels": {"channels:history"},
    "message.groups": {"groups:history"},
}
BOT_EVENTS_FOR = {
    Event.MESSAGE: {"message.channels", "message.groups"},
    Event.REACTION_ADDED: {"reaction_added"},
    Event.APP_HOME_OPENED: {"app_home_opened"},
}
CALL = re.compile(r"\bclient\.((?:chat|reactions|conversations|usergroups|users|views|files)_\w+)")


def web_api_methods_used() -> set[str]:
    found: set[str] = set()
    for folder in SOURCE_PACKAGES:
        for path in (ROOT / folder).rglob("*.py"):
            found |= set(CALL.findall(path.read_text(encoding="utf-8")))
    return found


REGISTRATION = ROOT / "handlers" / "__init__.py"  # the one place listeners get their ids
SUBSCRIBED = re.compile(r"\bapp\.event\(\s*Event\.(\w+)\.value")


def registered_events() -> set[Event]:
    """Events some listener subscribes to with `app.event(Event.X.value)`."""
    return {Event[name] for name in SUBSCRIBED.findall(REGISTRATION.read_text(encoding="utf-8"))}


def test_shortcuts_and_command_match_the_ids() -> None:
    shortcuts = {(s["callback_id"], s["type"]) for s in MANIFEST["features"]["shortcuts"]}
    assert shortcuts == {
        (Shortcut.CREATE_TICKET.value, "message"),
        (Shortcut.NEW_TICKET.value, "global"),
    }
    commands = {c["command"] for c in MANIFEST["features"]["slash_commands"]}
    assert commands == {c.value for c in Command}


def test_bot_events_are_exactly_the_ones_handled() -> None:
    declared = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    expected = set().union(*(BOT_EVENTS_FOR[e] for e in registered_events()))
    assert declared == expected


def test_scopes_are_exactly_the_ones_used() -> None:
    used = web_api_methods_used()
    unknown = used - METHOD_SCOPES.keys()
    assert not unknown, f"add these Web API methods to METHOD_SCOPES: {unknown}"
    needed = {"commands"}.union(*(METHOD_SCOPES[m] for m in used))
    needed |= set().union(
        *(EVENT_SCOPES[e] for e in MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    )
    assert set(MANIFEST["oauth_config"]["scopes"]["bot"]) == needed


def test_interactivity_and_home_are_on() -> None:
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True
    urls = {
        MANIFEST["settings"]["interactivity"]["request_url"],
        MANIFEST["settings"]["event_subscriptions"]["request_url"],
        *(c["url"] for c in MANIFEST["features"]["slash_commands"]),
    }
    assert all(url.endswith("/slack/events") for url in urls)


@pytest.mark.parametrize(
    "request_for",
    [
        lambda: rq.global_shortcut(Shortcut.NEW_TICKET.value, OPERATOR),
        lambda: rq.message_shortcut(
            Shortcut.CREATE_TICKET.value, OPERATOR, RELAY, {"ts": "1.1", "text": "x"}
        ),
        lambda: rq.slash_command("help", OPERATOR, RELAY),
        lambda: rq.reaction_added(OPERATOR, "eyes", RELAY, "1.1"),
        lambda: rq.app_home_opened(OPERATOR),
    ],
)
async def test_each_declared_surface_reaches_a_listener(harness: Harness, request_for) -> None:  # type: ignore[no-untyped-def]
    answer = await harness.post(request_for())
    assert answer.status_code == 200, answer.text
    await harness.settle()


async def test_an_undeclared_shortcut_reaches_none(harness: Harness) -> None:
    answer = await harness.post(rq.global_shortcut("not_ours", OPERATOR))
    assert answer.status_code == 404


def test_listeners_get_their_ids_in_one_place() -> None:
    """Only the registration knows the Slack app, so no listener subscribes elsewhere."""
    elsewhere = [
        path.relative_to(ROOT)
        for path in (ROOT / "handlers").rglob("*.py")
        if path != REGISTRATION and re.search(r"\bAsyncApp\b|\bapp\.", path.read_text("utf-8"))
    ]
    assert elsewhere == []
