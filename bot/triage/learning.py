"""A club's triage learns from its own operators, and every process reads the same weights.

What teaches: a ticket flagged `learnable` teaches its customer's message with the ticket's
current category and priority (an operator who recategorises or re-prioritises it corrects
the label); a dismissed ticket (`/ticket dismiss`, flagged learnable by the dismissal)
teaches "no ticket". Nothing unflagged ever teaches. `retrain` refits the heads on the
shipped corpus plus these (`retraining`), off the event loop, and stores them in
`triage_weights`; `refresh` makes the local classifier read the newest stored weights that
fit its embedding model (the shipped file while there are none), at start-up and every
WEIGHTS_POLL after, so a retrain in one process reaches every process within a minute.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from bot.tickets.domain import Source, Ticket, TicketFilter
from bot.tickets.service import TicketService
from bot.triage import embedding, retraining, training
from bot.triage.heads import Heads, WeightsError, parse_heads
from bot.triage.labelled import Example
from bot.triage.local import LocalClassifier
from bot.triage.rules import CUSTOMER_WROTE
from storage.db import Database
from storage.models import TriageWeightsRow, utcnow
from storage.triage_weights import TriageWeightsRepository, WeightsFields

log = logging.getLogger("clubos.triage.learning")

WEIGHTS_POLL = timedelta(seconds=60)


class RetrainError(RuntimeError):
    """Retraining cannot run here; the message says why."""


def customer_text(ticket: Ticket) -> str:
    """What the customer wrote, as triage read it: the line a triage description quotes,
    else the description an operator wrote, else the title."""
    for line in ticket.description.splitlines():
        if line.startswith(CUSTOMER_WROTE):
            return line.removeprefix(CUSTOMER_WROTE).strip()
    return (ticket.description or ticket.title).strip()


def learned_example(ticket: Ticket) -> Example | None:
    """What a learnable ticket teaches; None for monitoring's tickets (never triaged)."""
    text = customer_text(ticket)
    if ticket.source == Source.SYSTEM_EVENT or not text:
        return None
    dismissed = ticket.dismissed
    return Example(
        id=ticket.ticket_id,
        text=text,
        location=ticket.location,
        bay=ticket.bay,
        should_ticket=not dismissed,
        category=None if dismissed else ticket.category,
        priority=None if dismissed else ticket.priority,
        suggest_close=False,
        why="dismissed by an operator" if dismissed else "flagged learnable by an operator",
    )


@dataclass(frozen=True)
class StoredWeights:
    id: int
    created_at: datetime
    learned_examples: int

    @classmethod
    def of(cls, row: TriageWeightsRow) -> StoredWeights:
        return cls(row.id, row.created_at, row.learned_examples)

    @property
    def label(self) -> str:
        """For /healthz and the CLI."""
        when = self.created_at.strftime("%Y-%m-%d %H:%M UTC")
        return f"stored #{self.id} ({when}, {self.learned_examples} learned examples)"


class TriageLearning:
    """Retrains and refreshes one local classifier's heads (see the module doc)."""

    def __init__(
        self,
        database: Database,
        local: LocalClassifier,
        corpus: Callable[[], list[Example]] = lambda: training.read_corpus().examples,
    ) -> None:
        self.database = database
        self.local = local
        self.corpus = corpus  # the shipped corpus (a test's tiny one trains in seconds)
        self._corpus: tuple[list[Example], NDArray[np.float64]] | None = None

    async def learned(self) -> list[Example]:
        """Every learned example, oldest ticket first (the same tickets, the same order)."""
        async with self.database.reading() as session:
            tickets = await TicketService(session).list(TicketFilter(learnable=True))
        examples = (learned_example(t) for t in reversed(tickets))
        return [e for e in examples if e is not None]

    async def retrain(self, *, force: bool = False) -> StoredWeights | None:
        """New weights fitted and stored, and read from now on; None (nothing done) when
        nothing was learned since the newest stored weights, unless `force`."""
        shipped, embedder = self.local.shipped, self.local.embedder
        if shipped is None or embedder is None:
            raise RetrainError(f"the local model is not loaded: {self.local.problem}")
        learned = await self.learned()
        digest = retraining.examples_digest(learned)
        async with self.database.reading() as session:
            newest = await TriageWeightsRepository(session).newest(shipped.model)
            known = newest.examples_digest if newest is not None else None
        if not force and (digest == known or (known is None and not learned)):
            return None
        # Embedding and fitting take seconds of CPU: a worker thread (the embedding engine
        # and BLAS release the GIL), so Slack's acks never wait on them.
        heads = await asyncio.to_thread(self._fit, shipped, embedder, learned)
        async with self.database.unit_of_work() as session:
            row = await TriageWeightsRepository(session).add(
                WeightsFields(utcnow(), heads.model, len(learned), digest, heads.to_json())
            )
            stored = StoredWeights.of(row)
        self.local.use(heads, stored.label, stored.id)
        log.info("triage.retrained", extra={"weights_id": stored.id, "learned": len(learned)})
        return stored

    def _fit(self, shipped: Heads, embedder: embedding.Embedder, learned: list[Example]) -> Heads:
        if self._corpus is None:  # the corpus's vectors do not change: embedded once
            corpus = self.corpus()
            self._corpus = corpus, training.embed_all(embedder, [e.text for e in corpus])
        corpus, vectors = self._corpus
        texts = [e.text for e in learned]
        learned_vectors = (
            training.embed_all(embedder, texts) if texts else np.zeros((0, vectors.shape[1]))
        )
        return retraining.refit(shipped, corpus, vectors, learned, learned_vectors)

    async def refresh(self) -> None:
        """Read with the newest stored weights that fit the model, if not already."""
        shipped = self.local.shipped
        if shipped is None:
            return
        async with self.database.reading() as session:
            repository = TriageWeightsRepository(session)
            newest_id = await repository.newest_id(shipped.model)
            if newest_id == self.local.stored_id:
                return
            row = await repository.newest(shipped.model)
        if row is None:  # none stored (any more): the shipped file
            self.local.use(shipped, "shipped", None)
            return
        try:
            heads = parse_heads(row.weights, shipped.model, shipped.dimensions, f"#{row.id}")
        except WeightsError as exc:
            log.warning("triage.stored_weights_unusable", extra={"problem": str(exc)})
            return
        stored = StoredWeights.of(row)
        self.local.use(heads, stored.label, stored.id)
        log.info("triage.weights_refreshed", extra={"weights_id": stored.id})

    async def run(self) -> None:
        """Refresh every WEIGHTS_POLL, for as long as the service runs."""
        while True:
            await asyncio.sleep(WEIGHTS_POLL.total_seconds())
            try:
                await self.refresh()
            except Exception:
                log.exception("triage.weights_refresh_failed")
