"""The digest message in the ops channel: totals, then one section per location with its
counts and the tickets needing attention (SLA-breaching first, then the oldest)."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.followup.digest import PRIORITIES, Digest, DigestTicket, LocationDigest
from bot.followup.sla.levels import Clock
from bot.tickets.domain import Priority, Status
from slackui.mrkdwn import escape, truncate
from slackui.views.common import PRIORITY_LABEL, STATUS_LABEL, age, slack_date

MAX_BLOCKS = 50  # Slack's limit per message
TITLE_MAX = 80
TEXT_MAX = 3000  # per section text
BREACH_LABEL = {Clock.RESPONSE: "no first response", Clock.RESOLUTION: "not resolved"}


def digest_text(digest: Digest) -> str:
    """The notification text (shown where blocks are not)."""
    if not digest.total:
        return "Open tickets digest: no open tickets"
    return (
        f"Open tickets digest: {digest.total} open, {digest.breaching} past SLA, "
        f"across {len(digest.locations)} location(s)"
    )


def _counts(by_status: dict[Status, int], by_priority: dict[Priority, int]) -> str:
    statuses = " · ".join(f"{STATUS_LABEL[s]} {n}" for s, n in by_status.items() if n)
    priorities = " · ".join(
        f"{PRIORITY_LABEL[p]} {by_priority[p]}" for p in PRIORITIES if by_priority.get(p)
    )
    return f"{statuses}\n{priorities}"


def _ticket_line(entry: DigestTicket, digest: Digest) -> str:
    bay = f" · Bay {entry.bay}" if entry.bay is not None else ""
    title = escape(truncate(entry.title, TITLE_MAX))
    line = f"*{entry.ticket_id}* · {title}{bay} · {PRIORITY_LABEL[entry.priority]}"
    if entry.breached is not None and entry.due_at is not None:
        overdue = age(entry.due_at, digest.generated_at)
        return f":rotating_light: {line} · _{BREACH_LABEL[entry.breached]}, {overdue} past SLA_"
    return f":hourglass_flowing_sand: {line} · _open {age(entry.opened_at, digest.generated_at)}_"


def _location_block(location: LocationDigest, digest: Digest) -> SectionBlock:
    breaching = f", {location.breaching} past SLA" if location.breaching else ""
    head = f"*{escape(location.location)}* — {location.total} open{breaching}"
    lines = [head, _counts(location.by_status, location.by_priority)]
    lines += [_ticket_line(entry, digest) for entry in location.tickets]
    if location.total > len(location.tickets):
        lines.append(f"_…and {location.total - len(location.tickets)} more_")
    text = truncate("\n".join(lines), TEXT_MAX)
    return SectionBlock(text=MarkdownTextObject(text=text, verbatim=True))


def _patterns_block(digest: Digest) -> SectionBlock:
    lines = [":repeat: *Recurring problems*"]
    lines += [f"*{p.parent_id}* · {escape(p.location)}: {escape(p.text)}" for p in digest.patterns]
    text = truncate("\n".join(lines), TEXT_MAX)
    return SectionBlock(text=MarkdownTextObject(text=text, verbatim=True))


def digest_message(digest: Digest) -> list[Block]:
    blocks: list[Block] = [
        HeaderBlock(text="Open tickets digest"),
        ContextBlock(
            elements=[MarkdownTextObject(text=f"As of {slack_date(digest.generated_at)}")]
        ),
    ]
    if not digest.total:
        blocks.append(SectionBlock(text=":white_check_mark: No open tickets."))
        return blocks
    past_sla = f" · :rotating_light: *{digest.breaching} past SLA*" if digest.breaching else ""
    summary = f"*{digest.total} open*{past_sla}\n" + _counts(digest.by_status, digest.by_priority)
    blocks.append(SectionBlock(text=MarkdownTextObject(text=summary)))
    if digest.patterns:
        blocks.append(_patterns_block(digest))
    blocks.append(DividerBlock())
    # One block per location; past the message's limit the rest are summed in one line.
    room = MAX_BLOCKS - len(blocks)
    shown = digest.locations if len(digest.locations) <= room else digest.locations[: room - 1]
    blocks += [_location_block(location, digest) for location in shown]
    rest = digest.locations[len(shown) :]
    if rest:
        count = sum(loc.total for loc in rest)
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=f"…and {len(rest)} more locations with {count} open tickets"
                    )
                ]
            )
        )
    return blocks
