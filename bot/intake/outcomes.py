"""What triage of one relayed message comes to: decided (`RelayTriage.decide`), then
acted on (`RelayTriage.act`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.intake.relay_inbox import RelayedMessage
from bot.tickets.domain import Ticket
from bot.triage.types import TriageDecision
from storage.models import InboxEventRow


@dataclass(frozen=True)
class Outcome:
    action: str  # "ticket", "linked", "suggested_close", "none", "ignored"
    ticket_id: str | None
    decided_by: str | None
    reason: str


@dataclass(frozen=True)
class Decided:
    """A message triaged, not yet acted on; no `decision`: not one to triage (ignored)."""

    row: InboxEventRow
    message: RelayedMessage
    customer: str | None = None
    decision: TriageDecision | None = None
    thread_tickets: list[Ticket] = field(default_factory=list)
