"""Nothing fails silently, and Slack always gets its answer at once.

Refusals operators can act on are handled where they happen; anything else is logged with
the correlation id, and the operator is told that it failed and which reference to quote.

Bolt answers Slack from a listener's `ack()`, polling for it every 10 ms while the listener
runs as a task. When a listener raises after its ack, Bolt's error path resets that answer
to "none yet"; if the poll had not seen the ack by then, Slack gets nothing and a 404 after
three seconds. So every listener runs inside `answered`: a failure after the ack is
reported here and never reaches Bolt; a failure before it still goes Bolt's way (an HTTP
500 and `report_failure` as the app's error handler).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.kwargs_injection.async_args import AsyncArgs
from slack_bolt.kwargs_injection.async_utils import build_async_required_kwargs
from slack_bolt.util.utils import get_arg_names_of_callable
from slack_sdk.web.async_client import AsyncWebClient

from bot.logs import correlation_id
from bot.tickets.domain import TicketError
from handlers.replies import tell, user_of
from handlers.services import SERVICE_NAMES

log = logging.getLogger("clubos.slack")

Listener = Callable[..., Awaitable[None]]

# What a listener may ask for by name: Bolt's own arguments and the services.
BOLT_ARGUMENTS = frozenset(inspect.signature(AsyncArgs).parameters) - {"next", "kwargs"}
PROVIDED = BOLT_ARGUMENTS | SERVICE_NAMES


async def report_failure(error: Exception, body: dict[str, Any], client: AsyncWebClient) -> None:
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


def answered(listener: Listener) -> Callable[[AsyncArgs], Awaitable[None]]:
    """`listener` as Bolt should run it: given its arguments by name as Bolt gives them,
    its failures after the ack reported without taking the ack back."""
    names = get_arg_names_of_callable(listener)
    unknown = set(names) - PROVIDED
    if unknown:
        raise TypeError(f"{listener.__qualname__} asks for what nobody provides: {unknown}")

    async def run(args: AsyncArgs) -> None:
        kwargs = build_async_required_kwargs(
            logger=args.logger,
            required_arg_names=list(names),
            request=args.request,
            response=args.response,
            this_func=listener,
            next_keys_required=False,
        )
        try:
            await listener(**kwargs)
        except Exception as error:
            if args.ack.response is None:
                raise
            await report_failure(error, args.body, args.client)

    # Named as the listener in Bolt's logs; no `__wrapped__`, or Bolt would read the
    # listener's parameters instead of `args`.
    run.__name__, run.__qualname__ = listener.__name__, listener.__qualname__
    return run
