"""The ticket card: posted in the customer thread and the routed channel, updated in
place on every change."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)

from bot.tickets.domain import Status, Ticket
from slackui.ids import CARD_BLOCK_PREFIX, Action
from slackui.mrkdwn import escape, quote
from slackui.views.common import (
    CATEGORY_LABEL,
    PRIORITY_LABEL,
    STATUS_LABEL,
    age,
    headline,
    plain_option,
    slack_date,
    user,
    where,
)

VERSION_BLOCK_PREFIX = "version|"  # context block_id "version|<ticket id>|<version>"
DESCRIPTION_LIMIT = 600


def card_text(ticket: Ticket) -> str:
    """The notification text of the card (shown where blocks are not). The title may be
    customer text: escaped, or `<!channel>` in it would ping the channel."""
    title = escape(ticket.title)
    return f"{ticket.ticket_id}: {title} ({ticket.priority.value}, {ticket.status.value})"


def status_options(ticket: Ticket) -> list[Option]:
    return [
        plain_option(STATUS_LABEL[status], f"{ticket.ticket_id}|{status.value}")
        for status in Status
    ]


def ticket_card(ticket: Ticket, now: datetime, *, auto_note: str | None = None) -> list[Block]:
    return [
        SectionBlock(
            text=MarkdownTextObject(text=f":ticket: {headline(ticket)}", verbatim=True),
            fields=_facts(ticket, now),
        ),
        *(
            SectionBlock(text=MarkdownTextObject(text=text, verbatim=True))
            for text in _free_texts(ticket)
        ),
        ContextBlock(
            block_id=f"{VERSION_BLOCK_PREFIX}{ticket.ticket_id}|{ticket.version}",
            elements=[MarkdownTextObject(text=_context(ticket, auto_note))],
        ),
        card_actions(ticket),
    ]


def _facts(ticket: Ticket, now: datetime) -> list[MarkdownTextObject]:
    return [
        MarkdownTextObject(text=f"*Priority*\n{PRIORITY_LABEL[ticket.priority]}"),
        MarkdownTextObject(text=f"*Status*\n{STATUS_LABEL[ticket.status]}"),
        MarkdownTextObject(text=f"*Category*\n{CATEGORY_LABEL[ticket.category]}"),
        MarkdownTextObject(text=f"*Where*\n{where(ticket)}"),
        MarkdownTextObject(text=f"*Assignee*\n{user(ticket.assigned_to)}"),
        MarkdownTextObject(text=f"*Age*\n{age(ticket.timestamp, now)}"),
    ]


def _free_texts(ticket: Ticket) -> list[str]:
    """The ticket's texts people typed, quoted (escaped): the description, and the
    resolution notes or the hold reason while they apply."""
    texts = []
    if ticket.description.strip():
        texts.append(quote(ticket.description, DESCRIPTION_LIMIT))
    if ticket.resolution_notes and ticket.status in (Status.RESOLVED, Status.ARCHIVED):
        texts.append("*Resolution*\n" + quote(ticket.resolution_notes, DESCRIPTION_LIMIT))
    if ticket.hold_reason and ticket.status == Status.ON_HOLD:
        texts.append("*On hold*\n" + quote(ticket.hold_reason, DESCRIPTION_LIMIT))
    return texts


def _context(ticket: Ticket, auto_note: str | None) -> str:
    context = f"Opened {slack_date(ticket.timestamp)} by {user(ticket.created_by)}"
    if ticket.decided_by in ("llm", "local", "rules"):
        context += f" · fields chosen by {ticket.decided_by} triage"
    if auto_note:
        context += f" · {auto_note}"
    return context


def card_actions(ticket: Ticket) -> ActionsBlock:
    options = status_options(ticket)
    current = next(o for o in options if o.value == f"{ticket.ticket_id}|{ticket.status.value}")
    assign = UserSelectElement(
        action_id=Action.ASSIGN.value,
        placeholder="Assign",
        initial_user=ticket.assigned_to
        if (ticket.assigned_to or "").startswith(("U", "W"))
        else None,
    )
    return ActionsBlock(
        block_id=f"{CARD_BLOCK_PREFIX}{ticket.ticket_id}",
        elements=[
            assign,
            StaticSelectElement(
                action_id=Action.STATUS.value,
                placeholder="Status",
                options=options,
                initial_option=current,
            ),
            ButtonElement(action_id=Action.NOTE.value, text="Add note", value=ticket.ticket_id),
            ButtonElement(
                action_id=Action.RESOLVE.value,
                text="Resolve",
                value=ticket.ticket_id,
                style="primary",
            ),
        ],
    )


def version_seen(blocks: list[dict[str, object]], ticket_id: str) -> int | None:
    """The ticket version a card showed, read back from a block_actions payload's message."""
    prefix = f"{VERSION_BLOCK_PREFIX}{ticket_id}|"
    for block in blocks:
        block_id = str(block.get("block_id", ""))
        if block_id.startswith(prefix) and block_id[len(prefix) :].isdigit():
            return int(block_id[len(prefix) :])
    return None
