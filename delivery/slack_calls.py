"""The Slack Web API calls the outbox sender makes, as a protocol. `serve` gives the sender
slack_sdk's AsyncWebClient; `digest --now` gives it the sync WebClient run in threads
(ThreadedWebClient), which loads no aiohttp: a tenth of a second of a command whose target
is one second."""

from __future__ import annotations

import asyncio
import functools
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from slack_sdk.web.client import WebClient


class SlackCalls(Protocol):
    """What the sender calls, as AsyncWebClient's methods take them (keywords only)."""

    async def chat_postMessage(self, *, channel: str, **kwargs: Any) -> Any: ...

    async def chat_update(self, *, channel: str, ts: str, **kwargs: Any) -> Any: ...

    async def conversations_history(self, *, channel: str, **kwargs: Any) -> Any: ...

    async def conversations_replies(self, *, channel: str, ts: str, **kwargs: Any) -> Any: ...

    async def files_upload_v2(self, **kwargs: Any) -> Any: ...

    async def reactions_add(
        self, *, channel: str, name: str, timestamp: str, **kwargs: Any
    ) -> Any: ...

    async def reactions_remove(self, *, name: str, **kwargs: Any) -> Any: ...


class ThreadedWebClient:
    """A sync WebClient's calls, each in a worker thread: the SlackCalls of a short command."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    async def _call(self, method: str, **kwargs: Any) -> Any:
        call = functools.partial(getattr(self.client, method), **kwargs)
        return await asyncio.to_thread(call)

    async def chat_postMessage(self, *, channel: str, **kwargs: Any) -> Any:
        return await self._call("chat_postMessage", channel=channel, **kwargs)

    async def chat_update(self, *, channel: str, ts: str, **kwargs: Any) -> Any:
        return await self._call("chat_update", channel=channel, ts=ts, **kwargs)

    async def conversations_history(self, *, channel: str, **kwargs: Any) -> Any:
        return await self._call("conversations_history", channel=channel, **kwargs)

    async def conversations_replies(self, *, channel: str, ts: str, **kwargs: Any) -> Any:
        return await self._call("conversations_replies", channel=channel, ts=ts, **kwargs)

    async def files_upload_v2(self, **kwargs: Any) -> Any:
        return await self._call("files_upload_v2", **kwargs)

    async def reactions_add(self, *, channel: str, name: str, timestamp: str, **kwargs: Any) -> Any:
        return await self._call(
            "reactions_add", channel=channel, name=name, timestamp=timestamp, **kwargs
        )

    async def reactions_remove(self, *, name: str, **kwargs: Any) -> Any:
        return await self._call("reactions_remove", name=name, **kwargs)
