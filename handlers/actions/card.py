"""The ticket card's actions: assign, status, note, resolve (each run through
`clicks.on_click`). One Operations call, or the modal that asks for a note, a reason or
resolution notes."""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk.models.views import View

from bot.tickets.domain import Status, Ticket
from bot.tickets.usecases import Operations
from handlers.actions.clicks import UNREADABLE, Click, Clicker
from slackui.views.modals import hold_modal, note_modal, resolve_modal

STATUS_MODALS: dict[Status, Callable[[Ticket], View]] = {
    Status.RESOLVED: resolve_modal,
    Status.ON_HOLD: hold_modal,
}


async def _open_modal(
    clicker: Clicker,
    click: Click,
    operations: Operations,
    build: Callable[[Ticket], View],
    status: Status | None = None,
) -> None:
    """Ask for a note / reason / resolution notes, unless the change would be refused
    anyway: then say why at once instead of after the operator typed."""
    ticket = await clicker.attempt(
        operations,
        lambda: operations.check_change(click.actor, click.ticket_id, click.version, status),
    )
    if ticket is not None:
        await clicker.client.views_open(trigger_id=clicker.body["trigger_id"], view=build(ticket))


async def assign(clicker: Clicker, click: Click, operations: Operations) -> None:
    await clicker.attempt(
        operations,
        lambda: operations.assign(click.actor, click.ticket_id, click.value, click.version),
    )


async def change_status(clicker: Clicker, click: Click, operations: Operations) -> None:
    if click.value not in {s.value for s in Status}:
        await clicker.tell(UNREADABLE)
        return
    status = Status(str(click.value))
    if status in STATUS_MODALS:
        await _open_modal(clicker, click, operations, STATUS_MODALS[status], status)
        return
    await clicker.attempt(
        operations,
        lambda: operations.change_status(
            click.actor, click.ticket_id, status, expected_version=click.version
        ),
    )


async def add_note(clicker: Clicker, click: Click, operations: Operations) -> None:
    await _open_modal(clicker, click, operations, note_modal)


async def resolve(clicker: Clicker, click: Click, operations: Operations) -> None:
    await _open_modal(clicker, click, operations, resolve_modal, Status.RESOLVED)
