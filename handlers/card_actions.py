"""The ticket card's actions (assign, status, note, resolve) and the closure suggestion's
buttons. Each one: ack, read which ticket and the version the card showed, then one
Operations call (or the modal that asks for notes or a reason). Refusals go privately to
whoever clicked; the cards, the thread reply and the badge follow through the outbox."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.club import ClubConfig
from bot.tickets.domain import StaleTicket, Status, Ticket, TicketError
from bot.tickets.usecases import Operations
from handlers.replies import tell, user_of
from slackui.ids import CARD_BLOCK_PREFIX, Action
from slackui.views.card import version_seen
from slackui.views.messages import closure_decided
from slackui.views.modals import hold_modal, note_modal, resolve_modal

ACCEPTED_NOTES = "Confirmed fixed (closure suggestion accepted by <@{user}>)"
UNREADABLE = "I could not tell which ticket that was. Try `/ticket show T-<number>`."
STATUS_MODALS: dict[Status, Callable[[Ticket], View]] = {
    Status.RESOLVED: resolve_modal,
    Status.ON_HOLD: hold_modal,
}


@dataclass(frozen=True)
class Click:
    actor: str
    ticket_id: str
    version: int | None  # the version the card showed (None: it showed none)
    value: str | None  # the picked user (assign) or status (status menu)


def read_click(body: dict[str, Any]) -> Click | None:
    """Who clicked what on which ticket; None when the payload names no ticket. Read
    defensively: actions in a modal or the App Home carry no `message` or `channel`."""
    actions = body.get("actions") or []
    if not actions:
        return None
    action = actions[0]
    block_id = str(action.get("block_id") or "")
    ticket_id = block_id[len(CARD_BLOCK_PREFIX) :] if block_id.startswith(CARD_BLOCK_PREFIX) else ""
    value: str | None = None
    if action.get("type") == "users_select":
        value = action.get("selected_user") or None
    elif action.get("type") == "static_select":
        option_value = str((action.get("selected_option") or {}).get("value") or "")
        option_ticket, _, value = option_value.rpartition("|")
        ticket_id = option_ticket or ticket_id
    elif action.get("value"):
        ticket_id = str(action["value"])
    if not ticket_id:
        return None
    shown = body.get("message") or body.get("view") or {}
    return Click(
        actor=user_of(body),
        ticket_id=ticket_id,
        version=version_seen(list(shown.get("blocks") or []), ticket_id),
        value=value,
    )


def register(app: AsyncApp, club: ClubConfig, operations: Operations) -> None:
    async def attempt(
        body: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond,
        change: Callable[[], Awaitable[Ticket]],
    ) -> Ticket | None:
        """Run one change; a refusal is told to the operator (None). A stale card is also
        refreshed, so the operator sees what changed before trying again."""
        try:
            return await change()
        except StaleTicket as exc:
            await operations.refresh_cards(exc.ticket_id)
            await tell(client, body, exc.message, respond)
        except TicketError as exc:
            await tell(client, body, exc.message, respond)
        return None

    async def open_modal(
        body: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond,
        click: Click,
        build: Callable[[Ticket], View],
        status: Status | None = None,
    ) -> None:
        """Ask for a note / reason / resolution notes, unless the change would be refused
        anyway: then say why at once instead of after the operator typed."""
        ticket = await attempt(
            body,
            client,
            respond,
            lambda: operations.check_change(click.actor, click.ticket_id, click.version, status),
        )
        if ticket is not None:
            await client.views_open(trigger_id=body["trigger_id"], view=build(ticket))

    async def unreadable(
        body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await tell(client, body, UNREADABLE, respond)

    @app.action(Action.ASSIGN.value)
    async def assign(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        click = read_click(body)
        if click is None:
            await unreadable(body, client, respond)
            return
        await attempt(
            body,
            client,
            respond,
            lambda: operations.assign(click.actor, click.ticket_id, click.value, click.version),
        )

    @app.action(Action.STATUS.value)
    async def change_status(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        click = read_click(body)
        if click is None or click.value not in {s.value for s in Status}:
            await unreadable(body, client, respond)
            return
        status = Status(str(click.value))
        if status in STATUS_MODALS:
            await open_modal(body, client, respond, click, STATUS_MODALS[status], status)
            return
        await attempt(
            body,
            client,
            respond,
            lambda: operations.change_status(
                click.actor, click.ticket_id, status, expected_version=click.version
            ),
        )

    @app.action(Action.NOTE.value)
    async def add_note(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        click = read_click(body)
        if click is None:
            await unreadable(body, client, respond)
            return
        await open_modal(body, client, respond, click, note_modal)

    @app.action(Action.RESOLVE.value)
    async def resolve(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        click = read_click(body)
        if click is None:
            await unreadable(body, client, respond)
            return
        await open_modal(body, client, respond, click, resolve_modal, Status.RESOLVED)

    @app.action(Action.ACCEPT_CLOSE.value)
    async def accept_close(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        click = read_click(body)
        if click is None:
            await unreadable(body, client, respond)
            return
        notes = ACCEPTED_NOTES.format(user=click.actor)
        ticket = await attempt(
            body, client, respond, lambda: operations.resolve(click.actor, click.ticket_id, notes)
        )
        if ticket is not None:
            decided = closure_decided(ticket, click.actor, accepted=True)
            await replace_suggestion(
                body, client, respond, decided, f"{ticket.ticket_id} resolved."
            )

    @app.action(Action.DISMISS_CLOSE.value)
    async def dismiss_close(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        click = read_click(body)
        if click is None:
            await unreadable(body, client, respond)
            return
        ticket = await attempt(
            body, client, respond, lambda: operations.dismiss_close(click.actor, click.ticket_id)
        )
        if ticket is not None:
            decided = closure_decided(ticket, click.actor, accepted=False)
            await replace_suggestion(
                body, client, respond, decided, f"{ticket.ticket_id} is not fixed yet."
            )


async def replace_suggestion(
    body: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
    blocks: list[Block],
    text: str,
) -> None:
    """The decision replaces the suggestion's buttons, so nobody decides it twice."""
    if body.get("response_url"):
        await respond(text=text, blocks=blocks, replace_original=True)
        return
    container = body.get("container") or {}
    if container.get("channel_id") and container.get("message_ts"):
        await client.chat_update(
            channel=container["channel_id"], ts=container["message_ts"], text=text, blocks=blocks
        )
