"""The one error handler: nothing fails silently. Refusals operators can act on are
handled where they happen; anything else is logged with the correlation id, and the
operator is told that it failed and which reference to quote."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.logs import correlation_id
from bot.tickets.domain import TicketError
from handlers.replies import tell, user_of

log = logging.getLogger("clubos.slack")


def register(app: AsyncApp) -> None:
    @app.error
    async def on_error(error: Exception, body: dict[str, Any], client: AsyncWebClient) -> None:
        if isinstance(error, TicketError):
            text = error.message
        else:
            log.error(
                "slack.handler_failed",
                exc_info=error,
                extra={"actor": user_of(body), "correlation_id": correlation_id.get()},
            )
            text = (
                ":warning: That did not work because of an error on our side. Check the "
                f"ticket and try again, or quote reference `{correlation_id.get()}` to an admin."
            )
        if user_of(body):
            try:
                await tell(client, body, text)
            except Exception:
                log.exception("slack.tell_failed")
