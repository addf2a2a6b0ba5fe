"""The triage pipeline for relayed customer messages: every message the relay inbox
(bot.intake.relay_inbox) stored becomes at most one ticket per problem.

Who is speaking (a customer, an operator, or neither: ignored) → context (the thread's
history and open tickets, the relayed customer and place) → SOP gate → classifier →
policy (bot.triage) → a closure suggestion, or dedup (bot.intake.dedup) → link the thread
to the open ticket of the same problem, or create a ticket (and check for a recurrence).
Cards, replies and badges go through the outbox, in the same unit of work."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict

from bot.club import ClubConfig
from bot.followup.recurrence import check_recurrence, is_parent
from bot.intake.customers import customer_from_message
from bot.intake.dedup import Duplicate, NewReport, find_duplicate
from bot.intake.outcomes import Decided, Outcome
from bot.intake.problems import Meanings, ticket_text
from bot.intake.relay_inbox import RelayedMessage
from bot.tickets.domain import Source, StaleTicket, Ticket, TicketDraft
from bot.tickets.notices import Notifier
from bot.tickets.permissions import Permissions
from bot.tickets.service import TicketService
from bot.tickets.status import OPEN_STATUSES
from bot.triage.engine import triage
from bot.triage.types import Classifier, TriageDecision, TriageInput, clip
from storage.db import Database
from storage.inbox import PENDING, InboxRepository
from storage.locks import hold_new_tickets_at
from storage.models import InboxEventRow, utcnow

log = logging.getLogger("clubos.relay")

SUBMITTED_BY_MAX = 128  # tickets.submitted_by
# Tries at acting on one decision when another worker changes the ticket it joins meanwhile.
ACT_ATTEMPTS = 3


class RelayTriage:
    """The working side: triage one stored message and act on the decision."""

    def __init__(
        self,
        database: Database,
        club: ClubConfig,
        permissions: Permissions,
        classifier: Classifier,
        wake_sender: Callable[[], None] | None = None,
        meanings: Meanings | None = None,
    ) -> None:
        self.database = database
        self.club = club
        self.permissions = permissions
        self.classifier = classifier
        self.wake_sender = wake_sender
        self.meanings = meanings or Meanings()

    def _routed(self, ticket: Ticket) -> str | None:
        return self.club.routing.channel_for(ticket.category)

    async def _is_customer(self, message: RelayedMessage) -> bool:
        allowed_bots = self.club.slack.relay_bot_ids
        if message.bot_id:
            return not allowed_bots or message.bot_id in allowed_bots
        if allowed_bots:
            return False
        return not (message.user and await self.permissions.is_operator(message.user))

    async def prepare(self, rows: Sequence[InboxEventRow]) -> None:
        """Ready a claimed batch for `decide`: their texts embedded in one call."""
        texts = [row.payload.get("text") for row in rows]
        try:
            await self.meanings.warm([clip(text) for text in texts if isinstance(text, str)])
        except Exception:  # it only saves time: `decide` meets and reports any failure
            log.warning("relay.prepare_failed", exc_info=True)

    async def decide(self, row: InboxEventRow) -> Decided:
        """Triage the stored message: reads and the model only, nothing written (`act`)."""
        message = RelayedMessage(**row.payload)
        is_customer = await self._is_customer(message)
        from_operator = (
            not is_customer
            and bool(message.user)
            and await self.permissions.is_operator(message.user or "")
        )
        if not is_customer and not from_operator:
            return Decided(row, message)
        async with self.database.reading() as session:
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
        await self._warm_dedup(message, decision)
        return Decided(row, message, relayed.customer_id, decision, thread_tickets)

    async def act(self, decided: Decided) -> Outcome:
        """Act on the decision in one unit of work: a ticket, a link, a suggestion, or none;
        again when another worker changed the ticket this message joins between our read
        and our write (two reports of one problem at once), on the fresh state. The
        decision stands: asking the LLM again would be a second call."""
        row, decision = decided.row, decided.decision
        if decision is None:
            ignored = Outcome("ignored", None, None, "not a customer or operator")
            return await self._finish(row, ignored)
        acting = (row, decided.message, decided.customer, decision, decided.thread_tickets)
        for attempt in range(1, ACT_ATTEMPTS + 1):
            try:
                outcome = await self._act(*acting)
                break
            except StaleTicket:
                if attempt == ACT_ATTEMPTS:
                    raise
                log.info("relay.act_conflict", extra={"inbox_id": row.id, "attempt": attempt})
        if outcome.action == "ticket" and outcome.ticket_id is not None:
            await self._warm_ticket(outcome.ticket_id)
        return outcome

    async def _warm_ticket(self, ticket_id: str) -> None:
        """A new ticket's vector kept, outside the write lock: reports of its problem
        decided before it existed would otherwise have dedup embed it under the lock."""
        try:
            async with self.database.reading() as session:
                ticket = await TicketService(session).get(ticket_id, threads=False)
            await self.meanings.warm([ticket_text(ticket)])
        except Exception:  # it only saves time: dedup embeds what it does not find
            log.warning("relay.warm_failed", exc_info=True)

    async def _act(
        self,
        row: InboxEventRow,
        message: RelayedMessage,
        customer: str | None,
        decision: TriageDecision,
        thread_tickets: list[Ticket],
    ) -> Outcome:
        async with self.database.unit_of_work(after_acks=True) as session:
            inbox = InboxRepository(session)
            locked = await inbox.get(row.idempotency_key, lock=True)
            if locked is None or not inbox.holds(locked, row.claimed_by):
                return Outcome("none", None, None, "already triaged, or taken over")
            if locked.payload != row.payload:
                # Edited while this triage ran: decide again on the edited text instead.
                locked.status = PENDING
                locked.claimed_by = None
                return Outcome("none", None, None, "edited during triage")
            tickets = TicketService(session)
            notify = Notifier(session, self._routed, self.wake_sender)
            outcome = await self._decide(
                tickets, notify, message, customer, decision, thread_tickets
            )
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
        thread_tickets: list[Ticket],
    ) -> Outcome:
        """Suggest closing the thread's open tickets, or link the thread to the open ticket
        of the same problem, or create a ticket, or nothing. `thread_tickets`: the message
        thread's tickets, open or not, as triage read them."""
        backend = decision.decided_by.value
        open_here = [t for t in thread_tickets if t.status in OPEN_STATUSES]
        first_in_thread = not thread_tickets
        if decision.suggest_close and open_here:
            for ticket in open_here:
                notify.suggest_close(
                    ticket, decision.reason, "customer" if customer else "operator"
                )
            return Outcome("suggested_close", open_here[0].ticket_id, backend, decision.reason)
        new = self._new_ticket(message, customer, decision)
        if isinstance(new, str):
            return Outcome("none", None, backend, new)
        # Until this commits: another report of the problem, triaged meanwhile, sees ours.
        await hold_new_tickets_at(tickets.session, new.location or "")
        duplicate = await self._open_duplicate(tickets, new, clip(message.text), decision.title)
        if duplicate is not None:
            log.info("relay.duplicate", extra={"why": duplicate.why})
            return await self._link(
                tickets, notify, message, duplicate.ticket, decision, first_in_thread
            )
        ticket = await tickets.create(new, actor=self.club.ai.name, source=Source.MESSAGE_THREAD)
        notify.created(ticket, first_in_thread=first_in_thread)
        await check_recurrence(tickets, notify, ticket, utcnow(), actor=self.club.ai.name)
        return Outcome("ticket", ticket.ticket_id, backend, decision.reason)

    def _new_ticket(
        self, message: RelayedMessage, customer: str | None, decision: TriageDecision
    ) -> TicketDraft | str:
        """The ticket the decision asks for, or why there is none."""
        if not decision.should_ticket or decision.category is None or decision.priority is None:
            return decision.reason
        location = self.club.location(decision.location or "") or self.club.location_for_channel(
            message.channel
        )
        if location is None:
            return "no known location"
        return TicketDraft(
            title=decision.title or message.text[:80],
            category=decision.category,
            priority=decision.priority,
            location=location.name,
            description=decision.description or clip(message.text),
            # A bay the location does not have (0 from relay metadata, 7 of 4) is no bay.
            bay=decision.bay if decision.bay in range(1, location.bays + 1) else None,
            customer=(customer or message.user or "unknown")[:SUBMITTED_BY_MAX],
            decided_by=decision.decided_by.value,
            thread=message.thread,
        )

    async def _warm_dedup(self, message: RelayedMessage, decision: TriageDecision) -> None:
        """Dedup's vectors (the message's, its candidates') embedded before `_act` takes the
        write lock: a model call under it would hold up every writer, the acks too, for as
        long as the model takes (seconds, for many open tickets after a restart)."""
        new = self._new_ticket(message, None, decision)
        if isinstance(new, str):
            return
        async with self.database.reading() as session:
            candidates = await self._candidates(TicketService(session), new)
        await self.meanings.warm([clip(message.text), *map(ticket_text, candidates)])

    async def _candidates(self, tickets: TicketService, new: TicketDraft) -> list[Ticket]:
        """The open tickets that may track the problem of `new`: its place and category. A
        recurrence parent groups reports; a new report is a ticket of its own."""
        if new.location is None or new.category is None:  # `_new_ticket` sets both
            return []
        found = await tickets.open_of_kind(new.location, new.category)
        return [ticket for ticket in found if not is_parent(ticket)]

    async def _open_duplicate(
        self, tickets: TicketService, new: TicketDraft, text: str, title: str
    ) -> Duplicate | None:
        """The open ticket that already tracks the problem of `new`, if any, and why
        (`text` and `title` are the message's and the decision's own)."""
        if new.location is None or new.category is None:
            return None
        candidates = await self._candidates(tickets, new)
        report = NewReport(new.location, new.bay, new.category, text=text, title=title)
        return await find_duplicate(candidates, report, self.meanings)

    async def _link(
        self,
        tickets: TicketService,
        notify: Notifier,
        message: RelayedMessage,
        duplicate: Ticket,
        decision: TriageDecision,
        first_in_thread: bool,
    ) -> Outcome:
        """Link the message's thread to the ticket already tracking its problem."""
        backend = decision.decided_by.value
        if not await tickets.link_thread(
            duplicate.ticket_id,
            message.thread,
            actor=self.club.ai.name,
            expected_version=duplicate.version,
        ):
            return Outcome("none", duplicate.ticket_id, backend, "already tracked in this thread")
        notify.thread_linked(
            duplicate, message.thread, self.club.ai.name, first_in_thread=first_in_thread
        )
        return Outcome("linked", duplicate.ticket_id, backend, decision.reason)

    async def _finish(self, row: InboxEventRow, outcome: Outcome) -> Outcome:
        async with self.database.unit_of_work(after_acks=True) as session:
            inbox = InboxRepository(session)
            locked = await inbox.get(row.idempotency_key, lock=True)
            if locked is not None and inbox.holds(locked, row.claimed_by):
                inbox.finish(locked, asdict(outcome))
        return outcome
