"""The `/ticket` command's ephemeral answers: a ticket list, one ticket with its timeline,
help, and short notices. Each builder returns the message's blocks and its fallback text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.tickets.domain import AuditEvent, Status, ThreadRef, Ticket
from slackui.mrkdwn import escape, truncate
from slackui.views.card import ticket_card
from slackui.views.common import PRIORITY_LABEL, STATUS_LABEL, headline, slack_date, user, where

LIST_SHOWN = 20  # tickets listed at most (one block each; a message holds 50 blocks)
TIMELINE_SHOWN = 10  # last audit events in `show`
THREADS_SHOWN = 10
TEXT_LIMIT = 3000  # a text object's limit
DETAIL_LIMIT = 200  # a note or reason quoted in one timeline line

HELP_LINES = (
    (
        "list [open|mine|unassigned|critical|<location>|<category>]",
        "tickets, newest first; filters combine, e.g. `list open Bedford`, `list mine`, "
        "`list all resolved`",
    ),
    ("show T-42", "one ticket with its history and threads"),
    ("new [title]", "the new-ticket form"),
    ("assign T-42 @someone", "also `me`, or `nobody` to unassign"),
    ("status T-42 <status>", "open, in_progress, on_hold <reason>, resolved <notes>"),
    ("note T-42 <text>", "add a note"),
    ("resolve T-42 <what fixed it>", "resolve with notes"),
    (
        "dismiss T-42 <why>",
        "never should have been a ticket: archives it, and triage learns from it",
    ),
    ("web", "a sign-in link to the web dashboard (works once, for 10 minutes)"),
    ("help", "this list"),
)


@dataclass(frozen=True)
class Answer:
    """An ephemeral answer: `text` shows in notifications, `blocks` in the message."""

    text: str
    blocks: list[Block]


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=truncate(text, TEXT_LIMIT), verbatim=True))


def sign_in_link(url: str) -> Answer:
    """The operator's one-time dashboard link (the answer is ephemeral: only they see it)."""
    text = f"<{url}|Sign in to the dashboard>: the link works once, for 10 minutes."
    return Answer(text="Your dashboard sign-in link", blocks=[_section(text)])


def notice(text: str) -> Answer:
    """A one-line answer (a refusal, a confirmation); the text is escaped."""
    return Answer(text=_fallback(text), blocks=[_section(escape(text))])


def _fallback(text: str) -> str:
    """The message's `text` (notifications): escaped like the blocks, within limits."""
    return truncate(escape(text), TEXT_LIMIT)


def help_answer(problem: str | None = None) -> Answer:
    """The command's usage; `problem` (may quote what the user typed) comes first."""
    lines = [f"• `/ticket {escape(usage)}` — {escape(what)}" for usage, what in HELP_LINES]
    blocks: list[Block] = []
    if problem:
        blocks.append(_section(f":warning: {escape(problem)}"))
    blocks.append(_section("*`/ticket` — tickets from Slack*\n" + "\n".join(lines)))
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Anyone can list and show tickets; changes are for operators."
                )
            ]
        )
    )
    return Answer(text=_fallback(problem or "How to use /ticket"), blocks=blocks)


def _list_line(ticket: Ticket) -> str:
    return (
        f"{headline(ticket)}\n"
        f"{PRIORITY_LABEL[ticket.priority]} · {STATUS_LABEL[ticket.status]} · {where(ticket)}"
        f" · {user(ticket.assigned_to)}"
    )


def ticket_list(tickets: Sequence[Ticket], filters: str, *, matching: int | None = None) -> Answer:
    """At most LIST_SHOWN tickets as given (newest first), then how many more matched:
    `matching` tickets in all (by default, those given)."""
    heading = f"*Tickets: {escape(filters)}*"
    if not tickets:
        return Answer(
            text=_fallback(f"No tickets: {filters}"),
            blocks=[_section(f"{heading}\nNo tickets match. `/ticket help` shows the filters.")],
        )
    shown = tickets[:LIST_SHOWN]
    total = len(tickets) if matching is None else max(matching, len(tickets))
    count = f"{total:,}"
    blocks: list[Block] = [_section(f"{heading} ({count})")]
    blocks += [_section(_list_line(ticket)) for ticket in shown]
    rest = total - len(shown)
    if rest > 0:
        amount = f"{rest:,}"
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=f"…and {amount} more. Narrow it down, e.g. `/ticket list critical`."
                    )
                ]
            )
        )
    return Answer(text=_fallback(f"Tickets: {filters} ({count})"), blocks=blocks)


def _status_label(value: object) -> str:
    try:
        return STATUS_LABEL[Status(str(value))]
    except ValueError:
        return escape(str(value))


def _after(event: AuditEvent, name: str) -> object:
    pair = event.changes.get(name)
    return pair[-1] if pair else None


def _quoted(value: object) -> str:
    return escape(truncate(" ".join(str(value).split()), DETAIL_LIMIT))


def _event_text(event: AuditEvent) -> str:
    """What one audit event did, in words (any free text escaped)."""
    match event.action:
        case "created":
            return "opened it"
        case "assigned":
            assignee = _after(event, "assigned_to")
            return f"assigned it to {user(str(assignee))}" if assignee else "unassigned it"
        case "status":
            what = f"set it to *{_status_label(_after(event, 'status'))}*"
            detail = _after(event, "hold_reason") or _after(event, "resolution_notes")
            return f"{what}: {_quoted(detail)}" if detail else what
        case "note":
            return f"added a note: {_quoted(event.note or '')}"
        case "thread_linked":
            return "linked a conversation"
        case "learnable":
            return (
                "marked it as an example for triage"
                if _after(event, "learnable")
                else "unmarked it as an example for triage"
            )
        case "unarchived":
            return "unarchived it"
        case "dismissed":
            return f"dismissed it as not a ticket: {_quoted(event.note or '')}"
        case "edited":
            fields = ", ".join(sorted(event.changes)) or "nothing"
            return f"edited {escape(fields)}"
    return escape(event.action)


def _thread_line(ref: str, team_domain: str | None) -> str:
    thread = ThreadRef.parse(ref)
    if thread is None:
        return f"• {escape(ref)}"
    if not team_domain:
        return f"• <#{thread.channel}> (thread {thread.thread_ts})"
    link = (
        f"https://{team_domain}.slack.com/archives/{thread.channel}/"
        f"p{thread.thread_ts.replace('.', '')}"
    )
    return f"• <#{thread.channel}> · <{link}|open the thread>"


def ticket_detail(
    ticket: Ticket,
    events: Sequence[AuditEvent],
    now: datetime,
    *,
    team_domain: str | None = None,
) -> Answer:
    """The ticket as its card shows it, its last TIMELINE_SHOWN audit events (oldest of
    them first) and its linked threads."""
    blocks: list[Block] = list(ticket_card(ticket, now))
    blocks.append(DividerBlock())
    recent = list(events)[-TIMELINE_SHOWN:]
    lines = [f"{slack_date(e.at)} · {user(e.actor)} {_event_text(e)}" for e in recent]
    earlier = len(events) - len(recent)
    title = "*History*" + (f" (last {len(recent)} of {len(events)})" if earlier else "")
    blocks.append(_section(title + "\n" + ("\n".join(lines) or "_nothing yet_")))
    threads = list(ticket.linked_threads)
    if threads:
        thread_lines = [_thread_line(ref, team_domain) for ref in threads[:THREADS_SHOWN]]
        if len(threads) > THREADS_SHOWN:
            thread_lines.append(f"…and {len(threads) - THREADS_SHOWN} more")
        blocks.append(_section("*Threads*\n" + "\n".join(thread_lines)))
    else:
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text="Not linked to any conversation.")])
        )
    text = f"{ticket.ticket_id}: {truncate(ticket.title, 150)} ({ticket.status.value})"
    return Answer(text=_fallback(text), blocks=blocks)


def change_done(ticket: Ticket, done: str) -> Answer:
    """A change went through: say so, and how the ticket stands now."""
    return Answer(
        text=_fallback(f"{done}: {ticket.ticket_id}"),
        blocks=[
            _section(
                f":white_check_mark: {escape(done)} — {headline(ticket)}\n"
                f"{STATUS_LABEL[ticket.status]} · {user(ticket.assigned_to)}"
            )
        ],
    )
