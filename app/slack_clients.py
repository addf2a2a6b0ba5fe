"""The Slack Web API clients: the listeners' and jobs' one, and the outbox sender's. Apart
from the runtime, so that a command that only posts (`digest --now`) builds its client
without loading the server, and (threaded_delivery_client) without aiohttp."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING

from app.settings import Settings

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient

    from delivery.slack_calls import ThreadedWebClient


def build_slack_client(settings: Settings) -> AsyncWebClient:
    """The client of listeners and jobs: slack_sdk retries connection errors by default;
    429s (honouring Retry-After) and 5xx only when asked."""
    from slack_sdk.http_retry.builtin_async_handlers import (
        AsyncRateLimitErrorRetryHandler,
        AsyncServerErrorRetryHandler,
    )

    client = _bare_slack_client(settings)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=3))
    client.retry_handlers.append(AsyncServerErrorRetryHandler(max_retry_count=2))
    return client


def build_delivery_client(settings: Settings) -> AsyncWebClient:
    """The outbox sender's client retries only 429s (Slack did nothing): after a 5xx or a
    lost connection a post may have landed, and the outbox's own retry looks before it
    posts again (delivery/posts.py)."""
    from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler

    client = _bare_slack_client(settings)
    client.retry_handlers.clear()
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=3))
    return client


@contextlib.asynccontextmanager
async def pooled_sessions(
    clients: Sequence[AsyncWebClient], timeout_s: float
) -> AsyncIterator[None]:
    """One aiohttp session per client while serving, so calls reuse kept-alive connections:
    without one, slack_sdk opens a session and a new connection for every call (a third of
    the outbox sender's time under a burst). Inside the running loop, as aiohttp asks."""
    import aiohttp

    for client in clients:
        client.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s))
    try:
        yield
    finally:
        for client in clients:
            if client.session is not None:
                await client.session.close()
                client.session = None


def threaded_delivery_client(settings: Settings) -> ThreadedWebClient:
    """The outbox sender's client for a short command: slack_sdk's sync WebClient in worker
    threads, with the same retries as build_delivery_client (429s only)."""
    from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
    from slack_sdk.web.client import WebClient

    from delivery.slack_calls import ThreadedWebClient

    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    client = WebClient(
        token=token, base_url=settings.slack_api_url, timeout=settings.slack_timeout_s
    )
    client.retry_handlers.clear()
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    return ThreadedWebClient(client)


def _bare_slack_client(settings: Settings) -> AsyncWebClient:
    from slack_sdk.web.async_client import AsyncWebClient

    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return AsyncWebClient(
        token=token, base_url=settings.slack_api_url, timeout=settings.slack_timeout_s
    )
