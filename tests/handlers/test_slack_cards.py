"""The ticket card's actions end to end: a ticket made through the real modal, its cards
in the customer thread and the routed channel, then every card action clicked as Slack
sends it (payloads built from the card the app posted). Each change must update every
copy of the card in place, say who did what in the thread and keep the thread's badge
right; refusals go privately to whoever clicked, and change nothing."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import httpx
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from sqlalchemy import select

from bot.tickets.domain import Status
from slackui.ids import Action, ModalInput, ViewId
from storage.models import OutboxMessageRow
from tests.support import slack_requests as rq
from tests.support.app_harness import OPERATOR, OTHER_OPERATOR, RELAY, STRANGER, Harness
from tests.support.slack_stub import BOT_ID, BOT_USER_ID

THREAD_TS = "1732550000.000100"
ROUTED = "C0FAC"  # facilities tickets' routed channel in the test config
MENTIONS = ("<!channel>", "<!here>", "<!everyone>")

JsonDict = dict[str, Any]


@dataclass(frozen=True)
class Card:
    """One posted copy of a ticket card, as a block_actions payload would carry it."""

    channel: str
    ts: str
    message: JsonDict


# --------------------------------------------------------------------------- helpers


def relayed(text: str, ts: str = THREAD_TS, customer: str = "cust_5102") -> JsonDict:
    return {
        "type": "message",
        "ts": ts,
        "text": text,
        "bot_id": "B0RELAY",
        "username": "SMS relay",
        "metadata": {"event_type": "customer_message", "event_payload": {"customer_id": customer}},
    }


def as_dict(value: Any) -> JsonDict:
    return json.loads(value) if isinstance(value, str) else dict(value)


async def create_ticket(
    h: Harness, title: str = "No balls in Bay 2", description: str = "ball tray empty"
) -> str:
    """A ticket made the way an operator makes one: message shortcut, then the modal."""
    opened = h.stub.count("views.open")
    answer = await h.post(
        rq.message_shortcut("create_ticket", OPERATOR, RELAY, relayed("no balls in box 2"))
    )
    assert answer.status_code == 200
    view = as_dict((await h.stub.wait_for("views.open", count=opened + 1))[-1]["view"])
    values = {
        "title": {"title": rq.plain_text(title)},
        "category": {"category": rq.static_select("facilities")},
        "priority": {"priority": rq.static_select("medium")},
        "location": {"location": rq.static_select("Bedford")},
        "bay": {"bay": {"type": "number_input", "value": "2"}},
        "description": {"description": rq.plain_text(description)},
        "assignee": {"assignee": rq.users_select(None)},
        "learnable": {"learnable": {"type": "checkboxes", "selected_options": []}},
    }
    answer = await h.post(
        rq.view_submission(
            OPERATOR, "ticket_create", values, private_metadata=view["private_metadata"]
        )
    )
    assert answer.status_code == 200 and "errors" not in (answer.text or "")
    await h.settle()
    [ticket] = await h.tickets()
    return ticket.ticket_id


def actions_block(blocks: list[JsonDict], action_id: str) -> JsonDict:
    return next(
        b
        for b in blocks
        if b.get("type") == "actions" and any(e["action_id"] == action_id for e in b["elements"])
    )


def posted(h: Harness, channel: str, action_id: str = Action.ASSIGN.value) -> Card:
    """The message the app posted in `channel` whose buttons include `action_id`."""
    for call in h.stub.calls("chat.postMessage"):
        blocks = call.get("blocks") or []
        if call["channel"] != channel or not call.ok:
            continue
        if any(
            b.get("type") == "actions" and any(e["action_id"] == action_id for e in b["elements"])
            for b in blocks
        ):
            message = {
                "type": "message",
                "user": BOT_USER_ID,
                "bot_id": BOT_ID,
                "ts": call.response["ts"],
                "text": call["text"],
                "blocks": blocks,
            }
            if call.get("thread_ts"):
                message["thread_ts"] = call["thread_ts"]
            return Card(call.response["channel"], call.response["ts"], message)
    raise AssertionError(f"no message with {action_id} in {channel}: {h.stub.methods()}")


def thread_card(h: Harness) -> Card:
    """The card in the customer thread as it shows now."""
    return current(h, posted(h, RELAY))


def routed_card(h: Harness) -> Card:
    """The card in the routed channel as it shows now."""
    return current(h, posted(h, ROUTED))


def current(h: Harness, card: Card) -> Card:
    """The card as it shows now: its last successful chat.update, else as posted."""
    updates = [
        c
        for c in h.stub.calls("chat.update")
        if c.ok and (c["channel"], c["ts"]) == (card.channel, card.ts)
    ]
    if not updates:
        return card
    last = updates[-1]
    return Card(
        card.channel, card.ts, {**card.message, "text": last["text"], "blocks": last["blocks"]}
    )


def click(
    card: Card, action_id: str, *, user: str | None = None, status: str | None = None
) -> JsonDict:
    """One `actions[]` entry exactly as Slack builds it from the card's own element."""
    block = actions_block(card.message["blocks"], action_id)
    element = next(e for e in block["elements"] if e["action_id"] == action_id)
    base = {"action_id": action_id, "block_id": block["block_id"]}
    if element["type"] == "users_select":
        return {**base, "type": "users_select", "selected_user": user}
    if element["type"] == "static_select":
        option = next(o for o in element["options"] if o["value"].endswith(f"|{status}"))
        chosen = {**base, "type": "static_select", "selected_option": option}
        if element.get("initial_option"):
            chosen["initial_option"] = element["initial_option"]
        return chosen
    return rq.button_action(action_id, element["value"], block["block_id"], element["text"]["text"])


async def act(
    h: Harness,
    who: str,
    card: Card,
    action_id: str,
    *,
    user: str | None = None,
    status: str | None = None,
    settle: bool = True,
) -> None:
    answer = await h.post(
        rq.block_actions(
            who,
            [click(card, action_id, user=user, status=status)],
            channel=card.channel,
            message=card.message,
            response_url=h.stub.response_url(),
        )
    )
    assert answer.status_code == 200, answer.text
    if settle:
        await h.settle()


def opened_view(h: Harness) -> JsonDict:
    return as_dict(h.stub.last("views.open")["view"])


async def submit(
    h: Harness, who: str, view: JsonDict, field: ModalInput, text: str
) -> httpx.Response:
    answer = await h.post(
        rq.view_submission(
            who,
            view["callback_id"],
            {field.value: {field.value: rq.plain_text(text)}},
            private_metadata=view["private_metadata"],
        )
    )
    assert answer.status_code == 200, answer.text
    await h.settle()
    return answer


def modal_errors(answer: httpx.Response) -> dict[str, str]:
    if not answer.content:
        return {}
    body = answer.json()
    assert body.get("response_action") == "errors", body
    return dict(body["errors"])


def told(h: Harness) -> list[str]:
    """What the app said privately: ephemeral responses and ephemeral messages."""
    said = [
        str(c.get("text"))
        for c in h.stub.calls("response_url")
        if c.get("response_type") == "ephemeral"
    ]
    return said + [str(c.get("text")) for c in h.stub.calls("chat.postEphemeral")]


def thread_replies(h: Harness) -> list[str]:
    return [
        str(c["text"])
        for c in h.stub.calls("chat.postMessage")
        if c.ok
        and c["channel"] == RELAY
        and c.get("thread_ts") == THREAD_TS
        and not c.get("blocks")
    ]


def field(card: Card, name: str) -> str:
    """A field of the card's first section ("Assignee", "Status", ...)."""
    for f in card.message["blocks"][0]["fields"]:
        if f["text"].startswith(f"*{name}*\n"):
            return str(f["text"].split("\n", 1)[1])
    raise AssertionError(f"no field {name}")


def updated_copies(h: Harness, since: int = 0) -> set[tuple[str, str]]:
    return {(c["channel"], c["ts"]) for c in h.stub.calls("chat.update")[since:] if c.ok}


def both_copies(h: Harness) -> set[tuple[str, str]]:
    return {(c.channel, c.ts) for c in (thread_card(h), routed_card(h))}


def walk_texts(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [t for v in value.values() for t in walk_texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in walk_texts(v)]
    return [value] if isinstance(value, str) else []


def assert_valid_surfaces(h: Harness) -> None:
    """Every message and modal the app sent parses as Block Kit with slack_sdk's models,
    passes their validators and stays within Slack's limits."""
    for method in ("chat.postMessage", "chat.update", "chat.postEphemeral", "response_url"):
        for call in h.stub.calls(method):
            text = call.get("text")
            assert text or call.get("blocks"), (method, call.body)
            assert len(str(text or "")) <= 40_000
            blocks = call.get("blocks") or []
            assert len(blocks) <= 50, (method, len(blocks))
            for raw in blocks:
                block = Block.parse(raw)
                assert block is not None, raw
                block.validate_json()
                assert block.to_dict() == raw, (raw, block.to_dict())
            for piece in walk_texts(blocks):
                assert len(piece) <= 3000
    for call in h.stub.calls("views.open"):
        view = as_dict(call["view"])
        View(**view).validate_json()
        assert len(view["blocks"]) <= 100
        assert len(view.get("private_metadata") or "") <= 3000


def assert_no_mass_mentions(h: Harness) -> None:
    """No text the app sent Slack can ping a whole channel."""
    for call in h.stub.calls():
        dumped = json.dumps(call.body)
        for mention in MENTIONS:
            assert mention not in dumped, (call.method, call.body)


async def audit(h: Harness, ticket_id: str) -> list[Any]:
    from bot.tickets.service import TicketService

    async with h.runtime.database.unit_of_work() as session:
        return await TicketService(session).events(ticket_id)


# --------------------------------------------------------------------------- changes


async def test_assign_updates_both_copies_and_says_who_did_it(harness: Harness) -> None:
    ticket_id = await create_ticket(harness)
    before = await harness.ticket(ticket_id)
    assert len(both_copies(harness)) == 2

    await act(harness, OPERATOR, thread_card(harness), Action.ASSIGN.value, user=OTHER_OPERATOR)

    ticket = await harness.ticket(ticket_id)
    assert ticket.assigned_to == OTHER_OPERATOR and ticket.version == before.version + 1
    assert updated_copies(harness) == both_copies(harness)
    for card in (thread_card(harness), routed_card(harness)):
        shown = current(harness, card)
        assert field(shown, "Assignee") == f"<@{OTHER_OPERATOR}>"
        element = next(
            e
            for e in actions_block(shown.message["blocks"], Action.ASSIGN.value)["elements"]
            if e["action_id"] == Action.ASSIGN.value
        )
        assert element["initial_user"] == OTHER_OPERATOR
        assert ticket_id in shown.message["text"]
    [reply] = thread_replies(harness)
    assert f"<@{OPERATOR}>" in reply and f"assigned it to <@{OTHER_OPERATOR}>" in reply
    assert ticket_id in reply
    assert harness.stub.reactions(RELAY, THREAD_TS) == ["ticket"]
    assert told(harness) == []
    assert_valid_surfaces(harness)


async def test_starting_work_on_an_unassigned_ticket_assigns_whoever_starts(
    harness: Harness,
) -> None:
    ticket_id = await create_ticket(harness)

    await act(
        harness, OTHER_OPERATOR, routed_card(harness), Action.STATUS.value, status="in_progress"
    )

    ticket = await harness.ticket(ticket_id)
    assert (ticket.status, ticket.assigned_to) == (Status.IN_PROGRESS, OTHER_OPERATOR)
    assert updated_copies(harness) == both_copies(harness)
    for card in (thread_card(harness), routed_card(harness)):
        shown = current(harness, card)
        assert field(shown, "Status") == "In progress"
        assert field(shown, "Assignee") == f"<@{OTHER_OPERATOR}>"
        menu = actions_block(shown.message["blocks"], Action.STATUS.value)["elements"][1]
        assert menu["initial_option"]["value"] == f"{ticket_id}|in_progress"
    [reply] = thread_replies(harness)
    assert f"<@{OTHER_OPERATOR}> set it to *In progress*" in reply
    assert harness.stub.reactions(RELAY, THREAD_TS) == ["ticket"]
    assert_valid_surfaces(harness)


async def test_resolving_asks_for_notes_then_resolves_everywhere(harness: Harness) -> None:
    ticket_id = await create_ticket(harness)
    before = await harness.ticket(ticket_id)

    # From the status menu: the resolve modal opens, nothing changes yet.
    await act(harness, OPERATOR, thread_card(harness), Action.STATUS.value, status="resolved")
    view = opened_view(harness)
    assert view["callback_id"] == ViewId.TICKET_RESOLVE.value
    assert json.loads(view["private_metadata"]) == {
        "ticket_id": ticket_id,
        "version": before.version,
    }
    assert (await harness.ticket(ticket_id)).version == before.version
    assert harness.stub.count("chat.update") == 0

    # From the Resolve button: the same modal; blank notes are refused in the modal.
    await act(harness, OPERATOR, routed_card(harness), Action.RESOLVE.value)
    view = opened_view(harness)
    assert view["callback_id"] == ViewId.TICKET_RESOLVE.value
    assert ModalInput.RESOLUTION_NOTES.value in {b.get("block_id") for b in view["blocks"]}
    errors = modal_errors(await submit(harness, OPERATOR, view, ModalInput.RESOLUTION_NOTES, "  "))
    assert list(errors) == [ModalInput.RESOLUTION_NOTES.value]
    assert "resolution notes" in errors[ModalInput.RESOLUTION_NOTES.value]
    assert (await harness.ticket(ticket_id)).status == Status.OPEN

    answer = await submit(harness, OPERATOR, view, ModalInput.RESOLUTION_NOTES, "Refilled the tray")
    assert modal_errors(answer) == {}
    ticket = await harness.ticket(ticket_id)
    assert (ticket.status, ticket.resolution_notes) == (Status.RESOLVED, "Refilled the tray")
    assert updated_copies(harness) == both_copies(harness)
    for card in (thread_card(harness), routed_card(harness)):
        shown = current(harness, card)
        assert field(shown, "Status") == "Resolved"
        assert "Refilled the tray" in json.dumps(shown.message["blocks"])
    [reply] = thread_replies(harness)
    assert f"<@{OPERATOR}> set it to *Resolved*: Refilled the tray" in reply
    assert harness.stub.reactions(RELAY, THREAD_TS) == ["white_check_mark"]
    assert_valid_surfaces(harness)


async def test_on_hold_asks_for_a_reason(harness: Harness) -> None:
    ticket_id = await create_ticket(harness)

    await act(harness, OPERATOR, thread_card(harness), Action.STATUS.value, status="on_hold")
    view = opened_view(harness)
    assert view["callback_id"] == ViewId.TICKET_HOLD.value
    assert (await harness.ticket(ticket_id)).status == Status.OPEN
    errors = modal_errors(await submit(harness, OPERATOR, view, ModalInput.HOLD_REASON, ""))
    assert "reason" in errors[ModalInput.HOLD_REASON.value]

    await submit(harness, OPERATOR, view, ModalInput.HOLD_REASON, "Waiting for the ball supplier")
    ticket = await harness.ticket(ticket_id)
    assert (ticket.status, ticket.hold_reason) == (Status.ON_HOLD, "Waiting for the ball supplier")
    assert updated_copies(harness) == both_copies(harness)
    shown = current(harness, routed_card(harness))
    assert field(shown, "Status") == "On hold"
    assert "Waiting for the ball supplier" in json.dumps(shown.message["blocks"])
    [reply] = thread_replies(harness)
    assert "set it to *On hold*: Waiting for the ball supplier" in reply
    assert harness.stub.reactions(RELAY, THREAD_TS) == ["ticket"]
    assert_valid_surfaces(harness)


async def test_the_note_modal_adds_a_note_to_the_audit_trail(harness: Harness) -> None:
    ticket_id = await create_ticket(harness)
    before = await harness.ticket(ticket_id)

    await act(harness, OTHER_OPERATOR, thread_card(harness), Action.NOTE.value)
    view = opened_view(harness)
    assert view["callback_id"] == ViewId.TICKET_NOTE.value
    answer = await submit(
        harness, OTHER_OPERATOR, view, ModalInput.NOTE, "Called the customer back"
    )
    assert modal_errors(answer) == {}

    ticket = await harness.ticket(ticket_id)
    assert ticket.version == before.version + 1 and ticket.status == Status.OPEN
    notes = [e for e in await audit(harness, ticket_id) if e.action == "note"]
    assert [(e.actor, e.note) for e in notes] == [(OTHER_OPERATOR, "Called the customer back")]
    assert updated_copies(harness) == both_copies(harness)
    [reply] = thread_replies(harness)
    assert f"<@{OTHER_OPERATOR}> added a note: Called the customer back" in reply
    assert_valid_surfaces(harness)


# --------------------------------------------------------------------------- refusals


async def test_a_forbidden_transition_is_told_privately_and_changes_nothing(
    harness: Harness,
) -> None:
    ticket_id = await create_ticket(harness)
    before = await harness.ticket(ticket_id)
    posts = harness.stub.count("chat.postMessage")

    await act(harness, OPERATOR, thread_card(harness), Action.STATUS.value, status="archived")
    await act(harness, OPERATOR, thread_card(harness), Action.STATUS.value, status="open")

    assert await harness.ticket(ticket_id) == before
    [archived, already_open] = told(harness)
    assert "cannot go to archived" in archived and "Resolve it first" in archived
    assert "already open" in already_open
    assert harness.stub.count("chat.update") == 0
    assert harness.stub.count("chat.postMessage") == posts
    assert harness.stub.count("views.open") == 1  # the create modal only


async def test_a_card_showing_an_old_version_is_refused_and_refreshed(harness: Harness) -> None:
    ticket_id = await create_ticket(harness)
    old_card = posted(harness, RELAY)  # as first posted: shows version 1
    await act(
        harness, OTHER_OPERATOR, routed_card(harness), Action.ASSIGN.value, user=OTHER_OPERATOR
    )
    changed = await harness.ticket(ticket_id)
    updates = harness.stub.count("chat.update")
    posts = harness.stub.count("chat.postMessage")

    # The stale card (its update "did not arrive"): status, assign and the modals refused.
    await act(harness, OPERATOR, old_card, Action.STATUS.value, status="in_progress", settle=False)
    await act(harness, OPERATOR, old_card, Action.ASSIGN.value, user=OPERATOR, settle=False)
    await act(harness, OPERATOR, old_card, Action.NOTE.value, settle=False)
    await act(harness, OPERATOR, old_card, Action.STATUS.value, status="on_hold", settle=False)
    await harness.settle()

    assert await harness.ticket(ticket_id) == changed
    said = told(harness)
    assert len(said) == 4 and all("changed by someone else" in s for s in said), said
    assert harness.stub.count("views.open") == 1  # the create modal only
    assert harness.stub.count("chat.postMessage") == posts  # no "who did what" reply
    # ... but the cards were re-rendered, so the operator now sees the current state.
    assert updated_copies(harness, since=updates) == both_copies(harness)
    shown = current(harness, old_card)
    assert field(shown, "Assignee") == f"<@{OTHER_OPERATOR}>"
    assert f"version|{ticket_id}|{changed.version}" in {
        b.get("block_id") for b in shown.message["blocks"]
    }

    # A modal opened on the current card whose ticket changes before it is submitted.
    await act(harness, OPERATOR, thread_card(harness), Action.NOTE.value)
    view = opened_view(harness)
    await act(harness, OTHER_OPERATOR, routed_card(harness), Action.ASSIGN.value, user=OPERATOR)
    answer = await submit(harness, OPERATOR, view, ModalInput.NOTE, "too late")
    assert "changed by someone else" in modal_errors(answer)[ModalInput.NOTE.value]
    assert not [e for e in await audit(harness, ticket_id) if e.action == "note"]
    assert_valid_surfaces(harness)


async def test_a_non_operator_is_not_allowed_any_action(harness: Harness) -> None:
    ticket_id = await create_ticket(harness)
    await harness.runtime.operations.suggest_close(ticket_id, "Looks fixed", "system_event")
    await harness.settle()
    suggestion = posted(harness, RELAY, Action.ACCEPT_CLOSE.value)
    before = await harness.ticket(ticket_id)
    calls = len(harness.stub.calls())

    card = thread_card(harness)
    await act(harness, STRANGER, card, Action.ASSIGN.value, user=STRANGER, settle=False)
    for status in ("in_progress", "on_hold", "resolved", "archived"):
        await act(harness, STRANGER, card, Action.STATUS.value, status=status, settle=False)
    await act(harness, STRANGER, card, Action.NOTE.value, settle=False)
    await act(harness, STRANGER, card, Action.RESOLVE.value, settle=False)
    await act(harness, STRANGER, suggestion, Action.ACCEPT_CLOSE.value, settle=False)
    await act(harness, STRANGER, suggestion, Action.DISMISS_CLOSE.value, settle=False)
    await harness.settle()
    metadata = json.dumps({"ticket_id": ticket_id, "version": before.version})
    for callback, field_id in (
        (ViewId.TICKET_NOTE, ModalInput.NOTE),
        (ViewId.TICKET_RESOLVE, ModalInput.RESOLUTION_NOTES),
        (ViewId.TICKET_HOLD, ModalInput.HOLD_REASON),
    ):
        view = {"callback_id": callback.value, "private_metadata": metadata}
        errors = modal_errors(await submit(harness, STRANGER, view, field_id, "sneaky"))
        assert errors[field_id.value].startswith("Not allowed")

    assert await harness.ticket(ticket_id) == before
    said = told(harness)
    assert len(said) == 9 and all(s.startswith("Not allowed") for s in said), said
    new_methods = {c.method for c in harness.stub.calls()[calls:]}
    assert new_methods <= {"response_url", "usergroups.users.list"}, new_methods
    assert [e.action for e in await audit(harness, ticket_id)] == ["created"]


# --------------------------------------------------------------------------- closure


async def test_accepting_a_closure_suggestion_resolves_in_one_tap(harness: Harness) -> None:
    ticket_id = await create_ticket(harness)
    await harness.runtime.operations.suggest_close(
        ticket_id, "Ball tray sensor reads full", "rules"
    )
    await harness.settle()
    suggestion = posted(harness, RELAY, Action.ACCEPT_CLOSE.value)
    assert suggestion.message.get("thread_ts") == THREAD_TS
    assert (await harness.ticket(ticket_id)).status == Status.OPEN

    await act(harness, OTHER_OPERATOR, suggestion, Action.ACCEPT_CLOSE.value)

    ticket = await harness.ticket(ticket_id)
    assert ticket.status == Status.RESOLVED
    assert ticket.resolution_notes == (
        f"Confirmed fixed (closure suggestion accepted by <@{OTHER_OPERATOR}>)"
    )
    [replaced] = [c for c in harness.stub.calls("response_url") if c.get("replace_original")]
    assert f"<@{OTHER_OPERATOR}> resolved it" in json.dumps(replaced["blocks"])
    assert Action.ACCEPT_CLOSE.value not in json.dumps(replaced["blocks"])
    assert updated_copies(harness) == both_copies(harness)
    assert field(current(harness, routed_card(harness)), "Status") == "Resolved"
    assert any("set it to *Resolved*" in r for r in thread_replies(harness))
    assert harness.stub.reactions(RELAY, THREAD_TS) == ["white_check_mark"]
    assert told(harness) == []
    assert_valid_surfaces(harness)


async def test_dismissing_a_closure_suggestion_keeps_the_ticket_open(harness: Harness) -> None:
    ticket_id = await create_ticket(harness)
    await harness.runtime.operations.suggest_close(ticket_id, "Customer said thanks", "rules")
    await harness.settle()
    suggestion = posted(harness, RELAY, Action.DISMISS_CLOSE.value)

    await act(harness, OPERATOR, suggestion, Action.DISMISS_CLOSE.value)

    ticket = await harness.ticket(ticket_id)
    assert ticket.status == Status.OPEN
    notes = [e.note for e in await audit(harness, ticket_id) if e.action == "note"]
    assert notes == ["Closure suggestion dismissed: not fixed yet."]
    [replaced] = [c for c in harness.stub.calls("response_url") if c.get("replace_original")]
    assert f"<@{OPERATOR}> said it is not fixed yet" in json.dumps(replaced["blocks"])
    assert updated_copies(harness) == both_copies(harness)
    assert harness.stub.reactions(RELAY, THREAD_TS) == ["ticket"]
    assert_valid_surfaces(harness)


# --------------------------------------------------------------------------- safety


async def test_channel_mentions_in_titles_and_notes_never_ping(harness: Harness) -> None:
    ticket_id = await create_ticket(
        harness, title="<!channel> projector dead", description="<!here> & <@U0OP2> help"
    )
    await act(harness, OPERATOR, thread_card(harness), Action.NOTE.value)
    await submit(harness, OPERATOR, opened_view(harness), ModalInput.NOTE, "<!everyone> <!channel>")
    await act(harness, OPERATOR, routed_card(harness), Action.STATUS.value, status="on_hold")
    await submit(harness, OPERATOR, opened_view(harness), ModalInput.HOLD_REASON, "<!channel> wait")
    await harness.runtime.operations.suggest_close(ticket_id, "<!here> it works", "rules")
    await harness.settle()
    await act(
        harness,
        OPERATOR,
        posted(harness, RELAY, Action.ACCEPT_CLOSE.value),
        Action.ACCEPT_CLOSE.value,
    )

    ticket = await harness.ticket(ticket_id)
    assert (ticket.title, ticket.status) == ("<!channel> projector dead", Status.RESOLVED)
    assert "&lt;!channel&gt; projector dead" in json.dumps(routed_card(harness).message["blocks"])
    assert any("&lt;!everyone&gt;" in r for r in thread_replies(harness))
    assert_no_mass_mentions(harness)
    assert_valid_surfaces(harness)


# --------------------------------------------------------------------------- delivery


async def test_a_rate_limited_card_update_is_retried_and_lands(harness: Harness) -> None:
    ticket_id = await create_ticket(harness)
    harness.stub.rate_limit_next("chat.update", retry_after=1)

    await act(harness, OPERATOR, thread_card(harness), Action.ASSIGN.value, user=OPERATOR)

    updates = harness.stub.calls("chat.update")
    assert [c.status for c in updates] == [429, 200, 200]
    assert (updates[0]["channel"], updates[0]["ts"]) == (updates[1]["channel"], updates[1]["ts"])
    assert updated_copies(harness) == both_copies(harness)
    assert (await harness.ticket(ticket_id)).assigned_to == OPERATOR
    assert await outbox_states(harness) == {"sent"}


async def outbox_rows(h: Harness) -> list[OutboxMessageRow]:
    async with h.runtime.database.unit_of_work() as session:
        return list(await session.scalars(select(OutboxMessageRow).order_by(OutboxMessageRow.id)))


async def outbox_states(h: Harness) -> set[str]:
    return {row.status for row in await outbox_rows(h)}


async def test_a_failed_thread_reply_is_retried_later_by_the_outbox(harness: Harness) -> None:
    ticket_id = await create_ticket(harness)
    harness.stub.fail_next("chat.postMessage", "internal_error")

    answer = await harness.post(
        rq.block_actions(
            OPERATOR,
            [click(thread_card(harness), Action.ASSIGN.value, user=OTHER_OPERATOR)],
            channel=RELAY,
            message=thread_card(harness).message,
            response_url=harness.stub.response_url(),
        )
    )
    assert answer.status_code == 200
    failed = await harness.stub.wait_for(
        "chat.postMessage",
        predicate=lambda c: c.response == {"ok": False, "error": "internal_error"},
    )
    assert failed[0]["thread_ts"] == THREAD_TS
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 2
    while True:  # the sender records the failure right after Slack's answer
        [reply_row] = [r for r in await outbox_rows(harness) if r.method == "thread.reply"]
        if reply_row.last_error or loop.time() > deadline:
            break
        await asyncio.sleep(0.02)
    assert (reply_row.status, reply_row.attempts, reply_row.last_error) == (
        "pending",
        1,
        "internal_error",
    )
    assert thread_replies(harness) == []

    await harness.settle(timeout=6)  # due again 2 s later; then delivered

    [reply_row] = [r for r in await outbox_rows(harness) if r.method == "thread.reply"]
    assert (reply_row.status, reply_row.attempts) == ("sent", 2)
    [reply] = thread_replies(harness)
    assert f"assigned it to <@{OTHER_OPERATOR}>" in reply and ticket_id in reply
    assert updated_copies(harness) == both_copies(harness)
