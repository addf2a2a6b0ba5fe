"""How the sender reads a failed Slack call: worth retrying, never worth it, or harmless."""

from __future__ import annotations

import sys


def is_transient_network_error(exc: BaseException) -> bool:
    """A lost connection or a timeout: urllib's (an OSError) or aiohttp's. aiohttp is
    looked up, not imported: only a process that loaded it (serve's async client) can
    see its errors, and `digest --now` runs without it."""
    if isinstance(exc, OSError | TimeoutError):
        return True
    aiohttp = sys.modules.get("aiohttp")
    return aiohttp is not None and isinstance(exc, aiohttp.ClientError)


# Slack's own words for "not now" (HTTP 200 `ok: false`, or with a 429/5xx status).
TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
# Errors no retry can fix: the row is given up at once and logged.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "missing_scope",
        "invalid_blocks",
        "msg_too_long",
        "no_text",
        "invalid_arguments",
        "cant_update_message",
        "message_not_found",
    }
)
# Reactions already in the wanted state.
HARMLESS_REACTION_ERRORS = frozenset({"already_reacted", "no_reaction"})
