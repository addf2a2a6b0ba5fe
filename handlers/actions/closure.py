"""The closure suggestion's buttons (run through `clicks.on_click`): resolve the ticket, or
say it is not fixed yet. The decision replaces the suggestion's buttons, so nobody decides
it twice."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.tickets.usecases import Operations
from handlers.actions.clicks import Click, Clicker
from slackui.views.messages import closure_decided

ACCEPTED_NOTES = "Confirmed fixed (closure suggestion accepted by <@{user}>)"


async def accept_close(clicker: Clicker, click: Click, operations: Operations) -> None:
    notes = ACCEPTED_NOTES.format(user=click.actor)
    ticket = await clicker.attempt(
        operations, lambda: operations.resolve(click.actor, click.ticket_id, notes)
    )
    if ticket is not None:
        decided = closure_decided(ticket, click.actor, accepted=True)
        await _replace_suggestion(clicker, decided, f"{ticket.ticket_id} resolved.")


async def dismiss_close(clicker: Clicker, click: Click, operations: Operations) -> None:
    ticket = await clicker.attempt(
        operations, lambda: operations.dismiss_close(click.actor, click.ticket_id)
    )
    if ticket is not None:
        decided = closure_decided(ticket, click.actor, accepted=False)
        await _replace_suggestion(clicker, decided, f"{ticket.ticket_id} is not fixed yet.")


async def _replace_suggestion(clicker: Clicker, blocks: list[Block], text: str) -> None:
    if clicker.body.get("response_url"):
        await clicker.respond(text=text, blocks=blocks, replace_original=True)
        return
    container = clicker.body.get("container") or {}
    if container.get("channel_id") and container.get("message_ts"):
        await clicker.client.chat_update(
            channel=container["channel_id"], ts=container["message_ts"], text=text, blocks=blocks
        )
