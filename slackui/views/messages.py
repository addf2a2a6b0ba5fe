"""Short messages: who-did-what replies, closure suggestions, link notices."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.tickets.domain import Ticket
from slackui.ids import CARD_BLOCK_PREFIX, Action
from slackui.mrkdwn import escape, truncate
from slackui.views.common import STATUS_LABEL, headline, user

ACTION_TEXT = {
    "assigned": "assigned it to {detail}",
    "note": "added a note: {detail}",
    "learnable": "marked it as an example for the AI: {detail}",
    "edited": "edited it",
    "unarchived": "unarchived it",
    "dismissed": "dismissed it (not a ticket; triage learns from it): {detail}",
}


def change_reply(ticket: Ticket, actor: str, action: str, detail: str, linked: int = 1) -> str:
    """One line for the thread: who did what to which ticket. `detail` may be free text;
    `linked`: how many conversations a "linked" line speaks for."""
    if action.startswith("status:"):
        what = f"set it to *{STATUS_LABEL[ticket.status]}*"
        if detail:
            what += f": {escape(truncate(detail, 300))}"
    elif action == "linked":
        what = (
            "linked another conversation to it"
            if linked == 1
            else f"linked {linked} other conversations to it"
        )
    elif action == "assigned":
        what = f"assigned it to {user(detail)}" if detail else "unassigned it"
    else:
        template = ACTION_TEXT.get(action, action)
        what = template.format(detail=escape(truncate(detail, 300)))
    return f"{user(actor)} {what} — {ticket.ticket_id}"


def closure_suggestion(ticket: Ticket, reason: str) -> list[Block]:
    """Buttons for an operator; the bot never closes a ticket by itself."""
    return [
        SectionBlock(
            text=MarkdownTextObject(
                text=(
                    f":white_check_mark: This looks fixed: {headline(ticket)}\n"
                    f"_{escape(truncate(reason, 500))}_\nResolve the ticket?"
                ),
                verbatim=True,
            )
        ),
        ActionsBlock(
            block_id=f"{CARD_BLOCK_PREFIX}{ticket.ticket_id}",
            elements=[
                ButtonElement(
                    action_id=Action.ACCEPT_CLOSE.value,
                    text="Resolve it",
                    value=ticket.ticket_id,
                    style="primary",
                ),
                ButtonElement(
                    action_id=Action.DISMISS_CLOSE.value, text="Not fixed", value=ticket.ticket_id
                ),
            ],
        ),
    ]


def closure_decided(ticket: Ticket, actor: str, accepted: bool) -> list[Block]:
    verdict = "resolved it" if accepted else "said it is not fixed yet"
    return [
        ContextBlock(
            elements=[MarkdownTextObject(text=f"{user(actor)} {verdict} — {headline(ticket)}")]
        )
    ]
