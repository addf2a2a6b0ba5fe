"""Submission of the new-ticket modal: validate, create, post the card (outbox)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck

from bot.tickets.domain import Category, Priority, ThreadRef, TicketDraft, TicketError
from bot.tickets.usecases import Operations
from handlers.payloads.interactive import CreateModalMeta
from slackui.ids import ModalInput
from slackui.state import ViewState
from slackui.views.modals import LEARNABLE_VALUE


def read_draft(view: dict[str, Any]) -> tuple[TicketDraft | None, dict[str, str]]:
    """The draft in a submitted modal, or the field errors that keep it from being one."""
    state = ViewState(view)
    errors: dict[str, str] = {}
    category = state.selected(ModalInput.CATEGORY)
    if category not in {c.value for c in Category}:
        errors[ModalInput.CATEGORY.value] = "Pick facilities or tech."
    priority = state.selected(ModalInput.PRIORITY)
    if priority not in {p.value for p in Priority}:
        errors[ModalInput.PRIORITY.value] = "Pick a priority."
    location = state.selected(ModalInput.LOCATION)
    if not location:
        errors[ModalInput.LOCATION.value] = "Pick the location the problem is at."
    try:
        bay = state.number(ModalInput.BAY)
    except ValueError:
        errors[ModalInput.BAY.value] = "A bay is a whole number."
        bay = None
    if errors:
        return None, errors
    meta = CreateModalMeta.read(view.get("private_metadata"))
    thread = ThreadRef(meta.channel, meta.thread_ts) if meta.channel and meta.thread_ts else None
    draft = TicketDraft(
        title=state.text(ModalInput.TITLE),
        category=Category(str(category)),
        priority=Priority(str(priority)),
        location=str(location),
        description=state.text(ModalInput.DESCRIPTION),
        bay=bay,
        assignee=state.user(ModalInput.ASSIGNEE),
        learnable=state.checked(ModalInput.LEARNABLE, LEARNABLE_VALUE),
        customer=meta.customer,
        thread=thread,
    )
    return draft, {}


async def submit_ticket(ack: AsyncAck, body: dict[str, Any], operations: Operations) -> None:
    draft, errors = read_draft(body["view"])
    if draft is not None:
        errors = operations.validate_draft(draft)
    if errors or draft is None:
        await ack(response_action="errors", errors=errors)
        return
    try:
        await operations.create(body["user"]["id"], draft)
    except TicketError as exc:
        await ack(response_action="errors", errors={ModalInput.TITLE.value: exc.message})
        return
    await ack()
