"""Delivers outbox notices to Slack: renders each from the ticket's current state, calls
the Web API (slack_sdk retries 429s and connection errors, honouring Retry-After), and
records where cards were posted so later changes update every copy."""

from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime
from functools import partial
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.drain_loop import DrainLoop
from bot.followup.digest import Digest
from bot.holds import Holds
from bot.presence import Presence
from bot.tickets.domain import Status, ThreadRef, Ticket, TicketNotFound
from bot.tickets.notices import LINKED, Notice
from bot.tickets.reads import ReadOperations
from delivery.batches import deliver_side_by_side, independent_runs
from delivery.folding import fold, linked_count, linked_details
from delivery.posts import Posted, PostKey, post_once
from delivery.retries import next_attempt
from delivery.slack_calls import SlackCalls
from delivery.slack_errors import (
    HARMLESS_REACTION_ERRORS,
    PERMANENT_ERRORS,
    TRANSIENT_ERRORS,
    is_transient_network_error,
)
from slackui.ids import DONE_BADGE, OPEN_BADGE
from slackui.views.card import card_text, ticket_card
from slackui.views.digest import digest_message, digest_text
from slackui.views.messages import change_reply, closure_suggestion
from storage.db import Database
from storage.models import OutboxMessageRow
from storage.outbox import OutboxRepository

log = logging.getLogger("clubos.sender")

CARD = "card"
SUGGESTION = "suggestion"


class OutboxSender(DrainLoop):
    name = "outbox"

    def __init__(self, database: Database, client: SlackCalls, presence: Presence) -> None:
        self.database = database
        self.tickets = ReadOperations(database)
        self.client = client
        self.presence = presence
        # The rows a drain of this sender is on now; any other row it holds is orphaned.
        self._held = Holds()
        super().__init__()

    async def drain(self, batch: int = 20) -> int:
        """Deliver every due notice; returns how many were handled."""
        await self.presence.ensure_registered()
        handled = 0
        claimed: list[int] = []
        writing = self.database.unit_of_work  # after_acks: Slack times the acks, not notices
        try:
            while True:
                async with self._held.claiming, writing(after_acks=True) as session:
                    rows = await OutboxRepository(session).claim_due(
                        batch, self.presence.owner, self._held.ids()
                    )
                    # Held before the claim commits: no other drain of this worker
                    # may take these rows for strays.
                    claimed += [row.id for row in rows]
                    self._held.hold(row.id for row in rows)
                if not rows:
                    return handled
                runs = independent_runs(await fold(self.database, self.presence.owner, rows))
                delivered: list[int] = []
                try:
                    await deliver_side_by_side(runs, partial(self._deliver, delivered=delivered))
                finally:
                    await self._mark_sent(delivered)
                handled += len(rows)
        finally:
            self._held.release(claimed)

    async def _mark_sent(self, row_ids: list[int]) -> None:
        """The batch's deliveries recorded in one transaction (SQLite has one writer).
        Should the process die first, each row is retried as possibly posted
        (`PostKey.retried`), so it is looked for before it is posted again."""
        if row_ids:
            async with self.database.unit_of_work(after_acks=True) as session:
                await OutboxRepository(session).mark_all_sent(row_ids, self.presence.owner)

    async def _deliver(self, row: OutboxMessageRow, *, delivered: list[int]) -> None:
        # The row's first attempt is counted when it is claimed: more means an earlier
        # attempt (failed, timed out, or cut short by a crash) may already have posted.
        key = PostKey(row.id, retried=row.attempts > 1)
        if row.method == Notice.REFRESH_CARDS and row.ticket_number is not None:
            await self._supersede_refreshes(row.id, row.ticket_number)
        try:
            await self._send(Notice(row.method), row.payload, key)
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown"))
            status = exc.response.status_code
            transient = error in TRANSIENT_ERRORS or status == 429 or status >= 500
            await self._failed(row, error, permanent=error in PERMANENT_ERRORS, transient=transient)
        except TicketNotFound as exc:
            await self._failed(row, exc.message, permanent=True)
        except Exception as exc:  # network and anything unexpected: try again later
            transient = is_transient_network_error(exc)
            await self._failed(row, f"{type(exc).__name__}: {exc}", transient=transient)
        else:
            delivered.append(row.id)

    async def _supersede_refreshes(self, row_id: int, ticket_number: int) -> None:
        """This refresh renders the ticket after every change committed so far, so it does
        the refreshes those changes queued: thirty reports linked to one ticket update each
        card copy once or twice, not thirty times (chat.update is rate limited)."""
        async with self.database.unit_of_work(after_acks=True) as session:
            await OutboxRepository(session).supersede(
                Notice.REFRESH_CARDS.value, ticket_number, row_id
            )

    async def _failed(
        self, row: OutboxMessageRow, error: str, *, permanent: bool = False, transient: bool = False
    ) -> None:
        retry_at = next_attempt(row, datetime.now(UTC), permanent=permanent, transient=transient)
        give_up = retry_at is None
        level = logging.ERROR if give_up else logging.WARNING
        log.log(
            level,
            "outbox.failed",
            extra={
                "outbox_id": row.id,
                "method": row.method,
                "error": error,
                "attempts": row.attempts,
                "given_up": give_up,
            },
        )
        async with self.database.unit_of_work() as session:
            await OutboxRepository(session).mark_failed(
                row.id, self.presence.owner, error, retry_at
            )

    async def _send(self, notice: Notice, payload: dict[str, Any], key: PostKey) -> None:
        match notice:
            case Notice.POST_CARD:
                await self._post_card(
                    key, payload["ticket_id"], payload["channel"], payload["thread_ts"]
                )
            case Notice.REFRESH_CARDS:
                await self._refresh_cards(payload["ticket_id"])
            case Notice.THREAD_REPLY:
                await self._reply_change(key, payload)
            case Notice.SYNC_BADGE:
                thread = ThreadRef(payload["channel"], payload["thread_ts"])
                await self._sync_badge(thread, unbadged=payload.get("unbadged", False))
            case Notice.SUGGEST_CLOSE:
                await self._suggest_close(key, payload["ticket_id"], payload["reason"])
            case Notice.POST_TEXT:
                await post_once(
                    self.client,
                    key,
                    channel=payload["channel"],
                    text=payload["text"],
                    thread_ts=payload["thread_ts"],
                )
            case Notice.POST_DIGEST:
                await self._post_digest(key, payload["channel"], payload["digest"])
            case Notice.UPLOAD_FILE:
                await self.client.files_upload_v2(
                    channel=payload["channel"],
                    content=base64.b64decode(payload["content_base64"]),
                    filename=payload["filename"],
                    title=payload["title"],
                    alt_txt=payload["alt_text"] or None,
                )

    async def _post_digest(self, key: PostKey, channel: str, digest_json: Any) -> None:
        digest = Digest.from_json(digest_json)
        await post_once(
            self.client,
            key,
            channel=channel,
            text=digest_text(digest),
            blocks=digest_message(digest),
            unfurl_links=False,
        )

    async def _post_card(
        self, key: PostKey, ticket_id: str, channel: str, thread_ts: str | None
    ) -> None:
        ticket = await self.tickets.get(ticket_id, threads=False)  # a card shows none
        blocks = ticket_card(ticket, datetime.now(UTC))
        posted = await post_once(
            self.client,
            key,
            channel=channel,
            thread_ts=thread_ts,
            text=card_text(ticket),
            blocks=blocks,
            unfurl_links=False,
        )
        await self._record(ticket.number, CARD, posted, thread_ts)

    async def _record(
        self, ticket_number: int, kind: str, posted: Posted, thread_ts: str | None
    ) -> None:
        """Where a message of the ticket is, once (a retry may find one recorded before)."""
        async with self.database.unit_of_work(after_acks=True) as session:
            await OutboxRepository(session).record_message(
                ticket_number, kind, posted.channel, posted.ts, thread_ts
            )

    async def _refresh_cards(self, ticket_id: str) -> None:
        ticket = await self.tickets.get(ticket_id, threads=False)
        async with self.database.reading() as session:
            copies = await OutboxRepository(session).messages(ticket.number, [CARD])
        blocks = ticket_card(ticket, datetime.now(UTC))
        for copy in copies:
            await self.client.chat_update(
                channel=copy.channel, ts=copy.ts, text=card_text(ticket), blocks=blocks
            )

    async def _reply_change(self, key: PostKey, payload: dict[str, Any]) -> None:
        """Who did what, in the ticket's threads."""
        action, linked = payload["action"], linked_count(payload)
        if action == LINKED:
            # Said where the ticket began only: the new thread gets the card, and telling
            # every linked thread about every link is k² posts for k reports. Only that
            # thread is read: an outage's ticket has hundreds, and each link read them all.
            ticket = await self.tickets.where_it_began(payload["ticket_id"])
        else:
            ticket = await self.tickets.get(payload["ticket_id"])
        targets = await self._reply_targets(ticket)
        if action == LINKED:
            # A target thread (the first of a ticket begun elsewhere) is told by its card.
            linked -= sum(_thread_of(detail) in targets for detail in linked_details(payload))
            if linked < 1:
                return
        text = change_reply(ticket, payload["actor"], action, payload["detail"], linked)
        await self._reply_to(key, targets, text)

    async def _reply_targets(self, ticket: Ticket) -> list[tuple[str, str]]:
        """The customer threads of the ticket; without any, the thread under its routed card."""
        threads = [t for t in map(ThreadRef.parse, ticket.linked_threads) if t is not None]
        if threads:
            return [(t.channel, t.thread_ts) for t in threads]
        async with self.database.reading() as session:
            copies = await OutboxRepository(session).messages(ticket.number, [CARD])
        return [(copy.channel, copy.ts) for copy in copies if copy.thread_ts is None][:1]

    async def _reply_to(self, key: PostKey, targets: list[tuple[str, str]], text: str) -> None:
        for target, (channel, thread_ts) in enumerate(targets):
            await post_once(
                self.client, key.to(target), channel=channel, thread_ts=thread_ts, text=text
            )

    async def _suggest_close(self, key: PostKey, ticket_id: str, reason: str) -> None:
        ticket = await self.tickets.where_it_began(ticket_id)
        if ticket.status in (Status.RESOLVED, Status.ARCHIVED):
            return
        blocks = closure_suggestion(ticket, reason)
        for channel, thread_ts in await self._reply_targets(ticket):
            posted = await post_once(
                self.client,
                key,
                channel=channel,
                thread_ts=thread_ts,
                blocks=blocks,
                text=f"{ticket.ticket_id} looks fixed: resolve it?",
            )
            await self._record(ticket.number, SUGGESTION, posted, thread_ts)

    async def _sync_badge(self, thread: ThreadRef, *, unbadged: bool) -> None:
        """The open badge on the root while any of its tickets is open, else the check mark;
        a thread with no ticket before (`unbadged`) has no check mark to take off."""
        tickets = await self.tickets.for_thread(thread, threads=False)
        if not tickets:
            return
        any_open = any(t.status not in (Status.RESOLVED, Status.ARCHIVED) for t in tickets)
        wanted, unwanted = (OPEN_BADGE, DONE_BADGE) if any_open else (DONE_BADGE, OPEN_BADGE)
        await self._react(self.client.reactions_add, thread, wanted)
        if not (unbadged and any_open):
            await self._react(self.client.reactions_remove, thread, unwanted)

    async def _react(self, call: Any, thread: ThreadRef, name: str) -> None:
        try:
            await call(channel=thread.channel, timestamp=thread.thread_ts, name=name)
        except SlackApiError as exc:
            if exc.response.get("error") not in HARMLESS_REACTION_ERRORS:
                raise


def _thread_of(detail: str) -> tuple[str, str] | None:
    thread = ThreadRef.parse(detail)  # as a reply target: (channel, thread_ts)
    return (thread.channel, thread.thread_ts) if thread is not None else None
