"""Labels and small pieces shared by the views."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import Option

from bot.tickets.domain import Category, Priority, Status, Ticket
from bot.tickets.status import label
from slackui.mrkdwn import escape, truncate

PRIORITY_EMOJI = {
    Priority.CRITICAL: ":red_circle:",
    Priority.HIGH: ":large_orange_circle:",
    Priority.MEDIUM: ":large_yellow_circle:",
    Priority.LOW: ":white_circle:",
}
PRIORITY_LABEL = {p: f"{emoji} {p.value.capitalize()}" for p, emoji in PRIORITY_EMOJI.items()}
STATUS_LABEL = {s: label(s).capitalize() for s in Status}  # "In progress"
CATEGORY_LABEL = {c: c.value.capitalize() for c in Category}


def plain_option(text: str, value: str) -> Option:
    return Option(text=truncate(text, 75), value=value)


def priority_options() -> list[Option]:
    """The priorities, most urgent first, by name (a select shows no emoji)."""
    return [plain_option(p.value.capitalize(), p.value) for p in reversed(Priority)]


def user(user_id: str | None) -> str:
    """A user mention for a Slack user id; the AI's name and customers stay plain text."""
    if not user_id:
        return "_unassigned_"
    if user_id[:1] in {"U", "W"} and user_id.isalnum():
        return f"<@{user_id}>"
    return escape(user_id)


def slack_date(moment: datetime) -> str:
    """Shown in each reader's own time zone by Slack, with a UTC fallback."""
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def age(moment: datetime, now: datetime) -> str:
    minutes = max(0, int((now - moment).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"


def where(ticket: Ticket) -> str:
    bay = f" · Bay {ticket.bay}" if ticket.bay is not None else ""
    return f"{escape(ticket.location)}{bay}"


def headline(ticket: Ticket) -> str:
    """Ticket id and title as mrkdwn; the title may be customer text, so it is escaped."""
    return f"*{ticket.ticket_id}* · {escape(truncate(ticket.title, 150))}"
