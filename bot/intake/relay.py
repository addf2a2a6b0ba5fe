"""Customer messages relayed into Slack: received into the inbox, then triaged into at
most one ticket per problem. Context → SOP gate → classifier → policy (bot.triage) →
dedup → create or link, card and badge through the outbox."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

from bot.club import ClubConfig
from bot.followup.recurrence import check_recurrence, is_parent
from bot.intake.customers import customer_from_message
from bot.intake.dedup import OPEN_STATUSES, find_duplicate
from bot.tickets.domain import Category, Priority, Source, ThreadRef, Ticket
from bot.tickets.notices import Notifier
from bot.tickets.permissions import Permissions
from bot.tickets.service import NewTicket, TicketFilter, TicketService
from bot.triage.engine import triage
from bot.triage.types import Classifier, TriageDecision, TriageInput
from storage.db import Database
from storage.inbox import DONE, PENDING, InboxRepository
from storage.models import InboxEventRow, utcnow

log = logging.getLogger("clubos.relay")

SUBMITTED_BY_MAX = 128  # tickets.submitted_by

RELAY_KIND = "relay_message"
IGNORED_SUBTYPES = frozenset(
    {
        "message_deleted",
        "channel_join",
        "channel_leave",
        "channel_topic",
        "channel_purpose",
        "channel_name",
        "pinned_item",
        "unpinned_item",
        "bot_add",
        "bot_remove",
        "ekm_access_denied",
    }
)


@dataclass(frozen=True)
class RelayedMessage:
    channel: str
    ts: str
    thread_ts: str
    text: str
    user: str | None
    bot_id: str | None
    username: str | None
    metadata: dict[str, Any] | None

    @property
    def thread(self) -> ThreadRef:
        return ThreadRef(self.channel, self.thread_ts)

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> RelayedMessage | None:
        """The message an event carries, or None when it is nothing to triage (a deletion,
        a join, an empty post). An edit carries the edited message."""
        subtype = event.get("subtype")
        if subtype in IGNORED_SUBTYPES:
            return None
        message = event.get("message") if subtype == "message_changed" else event
        if not isinstance(message, dict):
            return None
        # PostgreSQL text cannot hold NUL: a stray one would fail the ticket on every retry.
        text = str(message.get("text") or "").replace("\x00", "")
        if not text.strip():
            return None
        ts = str(message.get("ts") or "")
        channel = str(event.get("channel") or "")
        if not ts or not channel:
            return None
        return cls(
            channel=channel,
            ts=ts,
            thread_ts=str(message.get("thread_ts") or ts),
            text=text,
            user=message.get("user"),
            bot_id=message.get("bot_id"),
            username=message.get("username"),
            metadata=message.get("metadata"),
        )


def inbox_key(message: RelayedMessage) -> str:
    # One key per message (channel + ts): a retry and an edit of it land on the same row.
    return f"relay:{message.channel}:{message.ts}"


class RelayInbox:
    """The receiving side: store first, so nothing is lost once Slack got its 200."""

    def __init__(self, database: Database, club: ClubConfig) -> None:
        self.database = database
        self.club = club

    def is_relay_channel(self, channel: str) -> bool:
        return self.club.location_for_channel(channel) is not None

    async def receive(self, event: dict[str, Any]) -> bool:
        """Store a relay-channel message for triage; True when there is new work."""
        message = RelayedMessage.from_event(event)
        if message is None or not self.is_relay_channel(message.channel):
            return False
        async with self.database.unit_of_work() as session:
            inbox = InboxRepository(session)
            payload = asdict(message)
            if await inbox.record(
                inbox_key(message), RELAY_KIND, payload, thread=str(message.thread)
            ):
                return True
            if event.get("subtype") == "message_changed":
                # An edit of a message not triaged yet is triaged once, as edited (a triage
                # already under way notices the change and starts again: see `_act`).
                row = await inbox.get(inbox_key(message), lock=True)
                if row is not None and row.status != DONE and row.payload != payload:
                    row.payload = payload
                    return True
            return False


@dataclass(frozen=True)
class Outcome:
    action: str  # "ticket", "linked", "suggested_close", "none", "ignored"
    ticket_id: str | None
    decided_by: str | None
    reason: str


class RelayTriage:
    """The working side: triage one stored message and act on the decision."""

    def __init__(
        self,
        database: Database,
        club: ClubConfig,
        permissions: Permissions,
        classifier: Classifier,
        wake_sender: Any = None,
    ) -> None:
        self.database = database
        self.club = club
        self.permissions = permissions
        self.classifier = classifier
        self.wake_sender = wake_sender

    def _routed(self, ticket: Ticket) -> str | None:
        return self.club.routing.channel_for(ticket.category)

    async def _is_customer(self, message: RelayedMessage) -> bool:
        allowed_bots = self.club.slack.relay_bot_ids
        if message.bot_id:
            return not allowed_bots or message.bot_id in allowed_bots
        if allowed_bots:
            return False
        return not (message.user and await self.permissions.is_operator(message.user))

    async def process(self, row: InboxEventRow) -> Outcome:
        message = RelayedMessage(**row.payload)
        is_customer = await self._is_customer(message)
        from_operator = (
            not is_customer
            and bool(message.user)
            and await self.permissions.is_operator(message.user or "")
        )
        if not is_customer and not from_operator:
            return await self._finish(
                row, Outcome("ignored", None, None, "not a customer or operator")
            )
        async with self.database.unit_of_work() as session:
            history = await InboxRepository(session).thread_history(str(message.thread), row.id)
            thread_tickets = await TicketService(session).for_thread(message.thread)
        open_here = [t for t in thread_tickets if t.status in OPEN_STATUSES]
        relayed = customer_from_message(
            row.payload | {"metadata": message.metadata}, self.club.slack.customer_regex
        )
        channel_location = self.club.location_for_channel(message.channel)
        inp = TriageInput(
            text=message.text,
            location=relayed.location or (channel_location.name if channel_location else None),
            bay=relayed.bay,
            history=tuple(str(h.payload.get("text", "")) for h in history),
            has_open_ticket=bool(open_here),
            from_operator=from_operator,
            known_locations=tuple(loc.name for loc in self.club.locations),
        )
        decision = await triage(
            inp, self.classifier, sops={s.device: s.procedure for s in self.club.sops}
        )
        return await self._act(row, message, relayed.customer_id, decision, open_here)

    async def _act(
        self,
        row: InboxEventRow,
        message: RelayedMessage,
        customer: str | None,
        decision: TriageDecision,
        open_here: list[Ticket],
    ) -> Outcome:
        async with self.database.unit_of_work() as session:
            inbox = InboxRepository(session)
            locked = await inbox.get(row.idempotency_key, lock=True)
            if locked is None or locked.status == DONE:
                return Outcome("none", None, None, "already triaged")
            if locked.payload != row.payload:
                # Edited while this triage ran: decide again on the edited text instead.
                locked.status = PENDING
                return Outcome("none", None, None, "edited during triage")
            tickets = TicketService(session)
            notify = Notifier(session, self._routed, self.wake_sender)
            outcome = await self._decide(tickets, notify, message, customer, decision, open_here)
            inbox.finish(locked, asdict(outcome))
        log.info(
            "relay.triaged",
            extra={
                "action": outcome.action,
                "ticket_id": outcome.ticket_id,
                "decided_by": outcome.decided_by,
            },
        )
        return outcome

    async def _decide(
        self,
        tickets: TicketService,
        notify: Notifier,
        message: RelayedMessage,
        customer: str | None,
        decision: TriageDecision,
        open_here: list[Ticket],
    ) -> Outcome:
        backend = decision.decided_by.value
        if decision.suggest_close and open_here:
            for ticket in open_here:
                notify.suggest_close(
                    ticket, decision.reason, "customer" if customer else "operator"
                )
            return Outcome("suggested_close", open_here[0].ticket_id, backend, decision.reason)
        if not decision.should_ticket or decision.category is None or decision.priority is None:
            return Outcome("none", None, backend, decision.reason)
        location = self.club.location(decision.location or "") or self.club.location_for_channel(
            message.channel
        )
        if location is None:
            return Outcome("none", None, backend, "no known location")
        # A bay the location does not have (0 from relay metadata, 7 of 4) is no bay at all.
        bay = decision.bay if decision.bay in range(1, location.bays + 1) else None
        candidates = await tickets.list(
            TicketFilter(statuses=sorted(OPEN_STATUSES), locations=[location.name])
        )
        duplicate = find_duplicate(
            # A recurrence parent groups reports; a new report is a ticket of its own.
            [t for t in candidates if not is_parent(t)],
            location=location.name,
            bay=bay,
            category=decision.category,
            text=message.text,
            title=decision.title,
        )
        if duplicate is not None:
            if str(message.thread) in duplicate.linked_threads:
                return Outcome(
                    "none", duplicate.ticket_id, backend, "already tracked in this thread"
                )
            linked = await tickets.link_thread(
                duplicate.ticket_id, message.thread, actor=self.club.ai.name
            )
            notify.thread_linked(linked, message.thread, self.club.ai.name)
            return Outcome("linked", linked.ticket_id, backend, decision.reason)
        ticket = await tickets.create(
            NewTicket(
                title=decision.title or message.text[:80],
                category=Category(decision.category),
                priority=Priority(decision.priority),
                location=location.name,
                description=decision.description or message.text,
                bay=bay,
                created_by=self.club.ai.name,
                submitted_by=(customer or message.user or "unknown")[:SUBMITTED_BY_MAX],
                source=Source.MESSAGE_THREAD,
                decided_by=backend,
                thread=message.thread,
            )
        )
        notify.created(ticket)
        await check_recurrence(tickets, notify, ticket, utcnow(), actor=self.club.ai.name)
        return Outcome("ticket", ticket.ticket_id, backend, decision.reason)

    async def _finish(self, row: InboxEventRow, outcome: Outcome) -> Outcome:
        async with self.database.unit_of_work() as session:
            locked = await InboxRepository(session).get(row.idempotency_key, lock=True)
            if locked is not None and locked.status != DONE:
                InboxRepository(session).finish(locked, asdict(outcome))
        return outcome
