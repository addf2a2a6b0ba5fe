"""Submissions of the modals the card opens: add a note, resolve with notes, put on hold.
The ticket and the version the operator saw travel in `private_metadata`; a refusal is
shown in the modal, on its one input."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck

from bot.tickets.domain import StaleTicket, Status, Ticket, TicketError
from bot.tickets.usecases import Operations
from handlers.replies import user_of
from slackui.ids import ModalInput
from slackui.state import ViewState

UNREADABLE = "This form lost track of its ticket. Close it and start again from the card."

# (actor, ticket id, version seen, the text typed) -> the changed ticket
Change = Callable[[str, str, int | None, str], Awaitable[Ticket]]


@dataclass(frozen=True)
class Target:
    ticket_id: str
    version: int | None


def read_target(view: dict[str, Any]) -> Target | None:
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return None
    if not isinstance(meta, dict) or not isinstance(meta.get("ticket_id"), str):
        return None
    version = meta.get("version")
    return Target(meta["ticket_id"], version if isinstance(version, int) else None)


async def _submit(
    ack: AsyncAck, body: dict[str, Any], operations: Operations, field: ModalInput, change: Change
) -> None:
    view = body.get("view") or {}
    target = read_target(view)
    if target is None:
        await ack(response_action="errors", errors={field.value: UNREADABLE})
        return
    try:
        await change(user_of(body), target.ticket_id, target.version, ViewState(view).text(field))
    except StaleTicket as exc:
        await ack(response_action="errors", errors={field.value: exc.message})
        await operations.refresh_cards(user_of(body), exc.ticket_id)
        return
    except TicketError as exc:
        await ack(response_action="errors", errors={field.value: exc.message})
        return
    await ack()


async def submit_note(ack: AsyncAck, body: dict[str, Any], operations: Operations) -> None:
    await _submit(
        ack,
        body,
        operations,
        ModalInput.NOTE,
        lambda actor, ticket_id, version, text: operations.add_note(
            actor, ticket_id, text, version
        ),
    )


async def submit_resolve(ack: AsyncAck, body: dict[str, Any], operations: Operations) -> None:
    await _submit(
        ack,
        body,
        operations,
        ModalInput.RESOLUTION_NOTES,
        lambda actor, ticket_id, version, text: operations.resolve(actor, ticket_id, text, version),
    )


async def submit_hold(ack: AsyncAck, body: dict[str, Any], operations: Operations) -> None:
    await _submit(
        ack,
        body,
        operations,
        ModalInput.HOLD_REASON,
        lambda actor, ticket_id, version, text: operations.change_status(
            actor, ticket_id, Status.ON_HOLD, expected_version=version, hold_reason=text
        ),
    )
