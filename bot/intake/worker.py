"""Works through the inbox: each stored customer message is triaged once; a failure is
retried a few times, then left failed with its error (never silently dropped)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncGenerator

from bot.drain_loop import DrainLoop
from bot.holds import Holds
from bot.intake.ahead import in_order_ahead
from bot.intake.relay_inbox import RELAY_KIND
from bot.intake.relay_triage import RelayTriage
from bot.presence import Presence
from storage.db import Database
from storage.inbox import InboxRepository
from storage.models import InboxEventRow
from storage.outages import is_outage

log = logging.getLogger("clubos.triage")

MAX_ATTEMPTS = 5
# Messages claimed at a time: embedded together, then triaged in order (bot.intake.ahead).
BATCH = 32


# A message that failed, its error, and whether the database was out of reach.
Failure = tuple[InboxEventRow, str, bool]


def conversation(row: InboxEventRow) -> tuple[object, object]:
    """The thread a stored message belongs to: its messages are triaged one after another."""
    return row.payload.get("channel"), row.payload.get("thread_ts")


class TriageWorker(DrainLoop):
    name = "triage"

    def __init__(self, database: Database, relay: RelayTriage, presence: Presence) -> None:
        self.database = database
        self.relay = relay
        self.presence = presence
        # The rows a drain of this worker is on now; any other row it holds is orphaned.
        self._held = Holds()
        # Rows that failed and could not be put back yet (the database failing too): still
        # held, so nothing else takes them, until a later drain puts them back. Each with
        # its error and whether the database was out of reach (an attempt not counted).
        self._unreleased: list[Failure] = []
        super().__init__()

    async def drain(self, batch: int = BATCH) -> int:
        """Triage every message due now. A message that fails is retried on a later drain
        (the next wake or poll), never again in this one: a retry at once would spend every
        attempt within milliseconds of a passing outage."""
        await self.presence.ensure_registered()
        await self._release()
        handled: list[int] = []
        claimed: list[int] = []
        failed: list[Failure] = []
        try:
            fail = functools.partial(self._failed, failed)
            async with contextlib.aclosing(self._prepared(batch, claimed, handled)) as batches:
                await in_order_ahead(batches, conversation, self.relay.decide, self.relay.act, fail)
            return sum(handled)
        finally:
            failed_ids = {row.id for row, _, _ in failed}
            self._held.release(row_id for row_id in claimed if row_id not in failed_ids)
            self._unreleased += failed
            await self._release()

    async def _prepared(
        self, batch: int, claimed: list[int], handled: list[int]
    ) -> AsyncGenerator[list[InboxEventRow], None]:
        """Claimed batches, each prepared (embedded, in a thread) while the one before it is
        triaged; `handled` gets each one's size as it is handed out."""
        ready: asyncio.Task[None] | None = None
        try:
            rows = await self._claim(batch, claimed)
            while rows:
                ready = ready or asyncio.create_task(self.relay.prepare(rows))
                await ready
                upcoming = await self._claim(batch, claimed)
                ready = asyncio.create_task(self.relay.prepare(upcoming)) if upcoming else None
                handled.append(len(rows))
                yield rows
                rows = upcoming
        finally:
            if ready is not None and not ready.done():
                ready.cancel()

    @staticmethod
    def _failed(failed: list[Failure], row: InboxEventRow, exc: Exception) -> None:
        log.error("triage.failed", extra={"inbox_id": row.id}, exc_info=exc)
        # Still claimed, so this drain does not pick it up again.
        failed.append((row, f"{type(exc).__name__}: {exc}", is_outage(exc)))

    async def _claim(self, batch: int, claimed: list[int]) -> list[InboxEventRow]:
        """Claim up to `batch` due messages, held (and added to `claimed`) before the
        claim commits: no other drain of this worker may take them for strays."""
        async with self._held.claiming, self.database.unit_of_work() as session:
            rows = await InboxRepository(session).claim_due(
                RELAY_KIND, batch, self.presence.owner, self._held.ids()
            )
            claimed += [row.id for row in rows]
            self._held.hold(row.id for row in rows)
        return rows

    async def _release(self) -> None:
        """Put the failed rows back for a retry (or give up on them). If the database fails
        here too, the rest stay held and the next drain tries again: left to the stray
        expiry they would wait minutes. A database outage costs the message no attempt."""
        for failure in list(self._unreleased):
            row, error, outage = failure
            async with self.database.unit_of_work() as session:
                inbox = InboxRepository(session)
                locked = await inbox.get(row.idempotency_key, lock=True)
                if locked is not None and inbox.holds(locked, row.claimed_by):
                    if outage:
                        inbox.retry_uncounted(locked, error)
                    else:
                        inbox.fail(locked, error, give_up=locked.attempts >= MAX_ATTEMPTS)
            if failure in self._unreleased:  # another drain may have put it back first
                self._unreleased.remove(failure)
                self._held.release([row.id])
