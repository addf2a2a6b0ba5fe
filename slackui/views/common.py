"""Labels and small pieces shared by the views."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import Option

from bot.tickets.domain import Category, Priority, Status, Ticket
from slackui.mrkdwn import escape, truncate

PRIORITY_LABEL = {
    Priority.CRITICAL: ":red_circle: Critical",
    Priority.HIGH: ":large_orange_circle: High",
    Priority.MEDIUM: ":large_yellow_circle: Medium",
    Priority.LOW: ":white_circle: Low",
}
STATUS_LABEL = {
    Status.OPEN: "Open",
    Status.IN_PROGRESS: "In progress",
    Status.ON_HOLD: "On hold",
    Status.RESOLVED: "Resolved",
    Status.ARCHIVED: "Archived",
}
CATEGORY_LABEL = {Category.FACILITIES: "Facilities", Category.TECH: "Tech"}


def plain_option(label: str, value: str) -> Option:
    return Option(text=truncate(label, 75), value=value)


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
