"""What listeners work with, beyond the Slack payload: put in each request's Bolt context by
one global middleware. Bolt passes context entries to listeners by parameter name, so a
listener asks for a service by declaring it (`operations: Operations`) and a test calls it
with its own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields

from slack_bolt.context.async_context import AsyncBoltContext

from bot.access.links import SignInLinks
from bot.club import ClubConfig
from bot.intake.relay_inbox import RelayInbox
from bot.tickets.usecases import Operations

Next = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Services:
    """Each field is a context entry of the same name (and the parameter that asks for it)."""

    club: ClubConfig
    operations: Operations
    relay: RelayInbox
    wake_triage: Callable[[], None]  # a relay message waits in the inbox: triage it now
    sign_in: SignInLinks | None  # None: no secret to sign links with, so no dashboard sign-in
    dashboard_url: str  # where people reach the dashboard (PUBLIC_URL), without a final "/"


SERVICE_NAMES = frozenset(item.name for item in fields(Services))


def provide(services: Services) -> Callable[[AsyncBoltContext, Next], Awaitable[None]]:
    """The global middleware that puts `services` in every request's context."""

    async def put_in_context(context: AsyncBoltContext, next: Next) -> None:
        for name in SERVICE_NAMES:
            context[name] = getattr(services, name)
        await next()

    return put_in_context
