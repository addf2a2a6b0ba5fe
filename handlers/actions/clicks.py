"""A click on a ticket card or a closure suggestion: ack, read which ticket and the version
the card showed, then act on it with one Operations call (or a modal that asks for more).
Refusals go privately to whoever clicked; the cards, the thread reply and the badge follow
through the outbox."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.tickets.domain import StaleTicket, Ticket, TicketError
from bot.tickets.usecases import Operations
from handlers.replies import tell, user_of
from slackui.ids import CARD_BLOCK_PREFIX
from slackui.views.card import version_seen

UNREADABLE = "I could not tell which ticket that was. Try `/ticket show T-<number>`."


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


@dataclass(frozen=True)
class Clicker:
    """Whoever clicked, and the means to answer them privately."""

    body: dict[str, Any]
    client: AsyncWebClient
    respond: AsyncRespond

    async def tell(self, text: str) -> None:
        await tell(self.client, self.body, text, self.respond)

    async def attempt(
        self, operations: Operations, change: Callable[[], Awaitable[Ticket]]
    ) -> Ticket | None:
        """Run one change; a refusal is told to them (None). A stale card is also
        refreshed, so they see what changed before trying again."""
        try:
            return await change()
        except StaleTicket as exc:
            await operations.refresh_cards(user_of(self.body), exc.ticket_id)
            await self.tell(exc.message)
        except TicketError as exc:
            await self.tell(exc.message)
        return None


ClickAct = Callable[[Clicker, Click, Operations], Awaitable[None]]


def on_click(act: ClickAct) -> Callable[..., Awaitable[None]]:
    """The listener that acks, reads the click (telling whoever clicked when it names no
    ticket) and leaves the rest to `act`."""

    async def listener(
        ack: AsyncAck,
        body: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond,
        operations: Operations,
    ) -> None:
        await ack()
        clicker = Clicker(body, client, respond)
        click = read_click(body)
        if click is None:
            await clicker.tell(UNREADABLE)
            return
        await act(clicker, click, operations)

    listener.__name__, listener.__qualname__ = act.__name__, act.__qualname__
    return listener
