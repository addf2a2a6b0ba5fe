"""Posting each outbox message to Slack exactly once, though Slack's answer may be lost.

A post whose answer never came (a timeout, a dropped connection, a 500, a process killed
between the post and its bookkeeping) may or may not be in the channel. So every post
carries message metadata naming its outbox row and target, and a retried row first looks
for that metadata in the thread (or, for a top-level post, the channel's recent history)
before posting again. Slack returns metadata only to the app that posted it, with
`include_all_metadata`; reading needs `channels:history`/`groups:history`, which the
manifest asks for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError

from delivery.slack_calls import SlackCalls

NOTICE_EVENT = "clubos_tickets_notice"
#: A page of a thread (oldest first) or of a channel's history (newest first: an outbox
#: post is recent, so the first page holds it).
LOOKUP_PAGE = 200
#: Threads are read to their end, up to this many pages.
THREAD_PAGES = 5
#: Errors that mean the place cannot be read (a DM, a deleted thread): posting again is
#: the lesser harm. Any other failure fails the attempt; the outbox tries again later.
UNREADABLE = frozenset({"channel_not_found", "thread_not_found", "not_in_channel", "missing_scope"})


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str


@dataclass(frozen=True)
class PostKey:
    """Which message this is: the outbox row, the attempt history, the target."""

    outbox_id: int
    #: Not the first attempt: an earlier one may have landed.
    retried: bool
    #: A notice posting to several threads (a reply to each of a ticket's threads).
    target: int = 0

    def to(self, target: int) -> PostKey:
        return PostKey(self.outbox_id, self.retried, target)

    def metadata(self) -> dict[str, Any]:
        return {
            "event_type": NOTICE_EVENT,
            "event_payload": {"outbox_id": self.outbox_id, "target": self.target},
        }

    def marks(self, message: dict[str, Any]) -> bool:
        metadata = message.get("metadata") or {}
        return bool(
            metadata.get("event_type") == NOTICE_EVENT
            and metadata.get("event_payload") == self.metadata()["event_payload"]
        )


async def post_once(
    client: SlackCalls,
    key: PostKey,
    *,
    channel: str,
    thread_ts: str | None = None,
    **message: Any,
) -> Posted:
    """Post `message` unless a retried row's earlier attempt already did; where it is."""
    if key.retried:
        earlier = await _find(client, key, channel, thread_ts)
        if earlier is not None:
            return earlier
    answer = await client.chat_postMessage(
        channel=channel, thread_ts=thread_ts, metadata=key.metadata(), **message
    )
    return Posted(str(answer["channel"]), str(answer["ts"]))


async def _find(
    client: SlackCalls, key: PostKey, channel: str, thread_ts: str | None
) -> Posted | None:
    try:
        if thread_ts is None:
            answer = await client.conversations_history(
                channel=channel, include_all_metadata=True, limit=LOOKUP_PAGE
            )
            return _marked(key, channel, answer.get("messages") or [])
        return await _find_in_thread(client, key, channel, thread_ts)
    except SlackApiError as exc:
        if exc.response.get("error") in UNREADABLE:
            return None
        raise


async def _find_in_thread(
    client: SlackCalls, key: PostKey, channel: str, thread_ts: str
) -> Posted | None:
    cursor = None
    for _ in range(THREAD_PAGES):
        answer = await client.conversations_replies(
            channel=channel,
            ts=thread_ts,
            include_all_metadata=True,
            limit=LOOKUP_PAGE,
            cursor=cursor,
        )
        found = _marked(key, channel, answer.get("messages") or [])
        cursor = (answer.get("response_metadata") or {}).get("next_cursor")
        if found is not None or not cursor:
            return found
    return None


def _marked(key: PostKey, channel: str, messages: list[dict[str, Any]]) -> Posted | None:
    for message in messages:
        if key.marks(message):
            return Posted(channel, str(message["ts"]))
    return None
