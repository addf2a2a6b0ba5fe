"""What Slack must be told about a ticket change, written to the outbox in the change's
own transaction. The sender (delivery.sender) turns these intents into Slack calls; so a
change is never visible without its notice being queued, and never queued without it."""

from __future__ import annotations

import base64
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from bot.tickets.domain import ThreadRef, Ticket
from storage.db import UnitOfWork, on_commit
from storage.models import OutboxMessageRow
from storage.outbox import OutboxRepository


class Notice(StrEnum):
    POST_CARD = "card.post"  # {ticket_id, channel, thread_ts}
    REFRESH_CARDS = "card.refresh"  # {ticket_id}: update every posted copy in place
    THREAD_REPLY = "thread.reply"  # {ticket_id, actor, action, detail}: who did what
    SYNC_BADGE = "badge.sync"  # {channel, thread_ts, unbadged?}: ticket / check mark on the root
    SUGGEST_CLOSE = "close.suggest"  # {ticket_id, reason, source}
    POST_TEXT = "text.post"  # {channel, text, thread_ts}
    POST_DIGEST = "digest.post"  # {channel, digest}: the digest snapshot (bot.followup.digest JSON)
    UPLOAD_FILE = "file.upload"  # {channel, filename, title, alt_text, content_base64}


#: The THREAD_REPLY action of a thread linked to a ticket.
LINKED = "linked"


class Notifier:
    """Queues notices in the caller's unit of work and wakes the sender after commit."""

    def __init__(
        self,
        session: UnitOfWork,
        routed_channel: Callable[[Ticket], str | None],
        wake: Callable[[], None] | None = None,
    ) -> None:
        self.outbox = OutboxRepository(session)
        self.session = session
        self.routed_channel = routed_channel
        self.wake = wake

    def _queue(
        self, notice: Notice, payload: dict[str, Any], ticket: Ticket | None
    ) -> OutboxMessageRow:
        row = self.outbox.enqueue(
            notice.value, payload, ticket_number=ticket.number if ticket else None
        )
        if self.wake is not None:
            on_commit(self.session, self.wake)
        return row

    def created(self, ticket: Ticket, *, first_in_thread: bool = False) -> None:
        """A new ticket: its card in its thread (if any) and in its routed channel.
        `first_in_thread`: no ticket was ever in its thread, so no badge is there yet."""
        for thread in _threads(ticket):
            self._post_card(ticket, thread.channel, thread.thread_ts)
            self._queue(Notice.SYNC_BADGE, _thread_payload(thread, first_in_thread), None)
        routed = self.routed_channel(ticket)
        if routed is not None:
            self._post_card(ticket, routed, None)

    def changed(self, ticket: Ticket, actor: str, action: str, detail: str = "") -> None:
        """Every copy of the card updated, a reply saying who did what, badges re-synced."""
        self._queue(Notice.REFRESH_CARDS, {"ticket_id": ticket.ticket_id}, ticket)
        self._queue(
            Notice.THREAD_REPLY,
            {"ticket_id": ticket.ticket_id, "actor": actor, "action": action, "detail": detail},
            ticket,
        )
        for thread in _threads(ticket):
            self._queue(Notice.SYNC_BADGE, _thread_payload(thread), None)

    def refresh_cards(self, ticket: Ticket) -> None:
        """Every copy of the card re-rendered from the current state, nothing else."""
        self._queue(Notice.REFRESH_CARDS, {"ticket_id": ticket.ticket_id}, ticket)

    def thread_linked(
        self, ticket: Ticket, thread: ThreadRef, actor: str, *, first_in_thread: bool = False
    ) -> None:
        """Another conversation joined an open ticket: its card there, and a line where the
        ticket began. The other copies stay: a link changes nothing a card shows."""
        self._post_card(ticket, thread.channel, thread.thread_ts)
        self._queue(Notice.SYNC_BADGE, _thread_payload(thread, first_in_thread), None)
        self._queue(
            Notice.THREAD_REPLY,
            {
                "ticket_id": ticket.ticket_id,
                "actor": actor,
                "action": LINKED,
                "detail": str(thread),
            },
            ticket,
        )

    def suggest_close(self, ticket: Ticket, reason: str, source: str) -> None:
        self._queue(
            Notice.SUGGEST_CLOSE,
            {"ticket_id": ticket.ticket_id, "reason": reason, "source": source},
            ticket,
        )

    def post_text(self, channel: str, text: str, thread_ts: str | None = None) -> None:
        self._queue(
            Notice.POST_TEXT, {"channel": channel, "text": text, "thread_ts": thread_ts}, None
        )

    def post_digest(self, channel: str, digest: dict[str, Any]) -> OutboxMessageRow:
        """The digest message, rendered by the sender from this snapshot."""
        return self._queue(Notice.POST_DIGEST, {"channel": channel, "digest": digest}, None)

    def upload_file(
        self, channel: str, filename: str, title: str, content: bytes, alt_text: str = ""
    ) -> OutboxMessageRow:
        """A file shared in `channel`; keep it small (the bytes travel in the outbox row)."""
        payload = {
            "channel": channel,
            "filename": filename,
            "title": title,
            "alt_text": alt_text,
            "content_base64": base64.b64encode(content).decode("ascii"),
        }
        return self._queue(Notice.UPLOAD_FILE, payload, None)

    def _post_card(self, ticket: Ticket, channel: str, thread_ts: str | None) -> None:
        self._queue(
            Notice.POST_CARD,
            {"ticket_id": ticket.ticket_id, "channel": channel, "thread_ts": thread_ts},
            ticket,
        )


def _threads(ticket: Ticket) -> list[ThreadRef]:
    parsed = (ThreadRef.parse(ref) for ref in ticket.linked_threads)
    return [thread for thread in parsed if thread is not None]


def _thread_payload(thread: ThreadRef, first_in_thread: bool = False) -> dict[str, Any]:
    # "unbadged": the sender only adds the open badge; there is no check mark to take off.
    payload: dict[str, Any] = {"channel": thread.channel, "thread_ts": thread.thread_ts}
    if first_in_thread:
        payload["unbadged"] = True
    return payload
