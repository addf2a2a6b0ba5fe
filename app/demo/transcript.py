"""What the demo prints after the replay: each thread as a readable transcript, what
monitoring caused, the ops channel, and a table of the tickets.

Everything shown is read back from where it landed: messages from the Slack stand-in
(as people would see them in Slack), tickets from the product's own use cases.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from app.demo.replay import RELAY_BOT_ID, Replay, card_ticket
from app.demo.script import PEOPLE, THREADS
from bot.tickets.domain import Ticket, TicketFilter

JsonDict = dict[str, Any]
BOT_NAME = "ClubOS"

_MENTION = re.compile(r"<@([A-Z0-9]+)>")
_CHANNEL = re.compile(r"<#([A-Z0-9]+)(?:\|[^>]*)?>")
_LINK = re.compile(r"<([^|>]+)\|([^>]+)>")
_EMPHASIS = re.compile(r"(?<!\w)[*_~](\S(?:.*?\S)?)[*_~](?!\w)")


def plain(mrkdwn: str) -> str:
    """Slack mrkdwn as a terminal shows it: names for mentions, labels for links."""
    text = _MENTION.sub(lambda m: "@" + PEOPLE.get(m.group(1), m.group(1)), mrkdwn)
    text = _CHANNEL.sub(r"#\1", text)
    text = _LINK.sub(r"\2", text)
    text = _EMPHASIS.sub(r"\1", text)
    return html.unescape(text)


def card_line(ticket: Ticket) -> str:
    return (
        f"card {ticket.ticket_id} “{ticket.title}” · {ticket.category.value} · "
        f"{ticket.priority.value} · {ticket.status.value} now"
    )


def _line(message: Mapping[str, Any], tickets: Mapping[str, Ticket]) -> tuple[str, str]:
    """(who, what) for one message of a thread."""
    if message.get("bot_id") == RELAY_BOT_ID:
        return str(message.get("username", "customer")), str(message.get("text", ""))
    ticket_id = card_ticket(message)
    if ticket_id is not None and ticket_id in tickets:
        return BOT_NAME, card_line(tickets[ticket_id])
    return BOT_NAME, plain(str(message.get("text", "")))


def _thread_lines(messages: Iterable[Mapping[str, Any]], tickets: Mapping[str, Ticket]) -> Text:
    shown = Text()
    for message in messages:
        who, what = _line(message, tickets)
        style = "bold cyan" if who == BOT_NAME else "bold"
        shown.append(f"  {who:<10} ", style=style)
        shown.append(what.replace("\n", "\n" + " " * 13) + "\n")
    return shown


async def show(console: Console, replay: Replay) -> list[Ticket]:
    """Print the transcript and the tickets table; the tickets shown."""
    tickets = await replay.stage.runtime.operations.list(TicketFilter())
    by_id = {t.ticket_id: t for t in tickets}
    stand_in = replay.stage.stand_in
    for thread in THREADS:
        root = replay.roots.get(thread.key)
        if root is None:
            continue
        console.rule(f"{thread.location} · {thread.customer} · thread {root}", align="left")
        console.print(_thread_lines(stand_in.messages(thread.channel, root), by_id), end="")
    _show_monitoring(console, replay)
    ops = replay.stage.runtime.settings.club.slack.ops_channel
    console.rule(f"Ops channel {ops}", align="left")
    console.print(_thread_lines(stand_in.messages(ops), by_id), end="")
    console.print(tickets_table(tickets))
    return tickets


def _show_monitoring(console: Console, replay: Replay) -> None:
    if not replay.monitoring:
        return
    console.rule("Monitoring → POST /api/system-events", align="left")
    for answer in replay.monitoring:
        where = f"{answer.location} bay {answer.bay}" if answer.bay else answer.location
        ticket = f" → {answer.ticket_id}" if answer.ticket_id else ""
        console.print(f"  {answer.event:<18} {where:<16} {answer.decision}{ticket}")


def tickets_table(tickets: Iterable[Ticket]) -> Table:
    table = Table(title="Tickets", title_justify="left")
    for column in ("id", "title", "category", "priority", "status", "location", "threads"):
        table.add_column(column, overflow="fold")
    for ticket in sorted(tickets, key=lambda t: t.number):
        table.add_row(
            ticket.ticket_id,
            ticket.title,
            ticket.category.value,
            ticket.priority.value,
            ticket.status.value,
            ticket.location,
            str(len(ticket.linked_threads)),
        )
    return table
