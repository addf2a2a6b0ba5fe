"""Who may change tickets: the configured operators and members of the operator group."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from bot.club import ClubConfig
from bot.tickets.domain import TicketError

log = logging.getLogger("clubos.permissions")

GROUP_CACHE_SECONDS = 300.0

GroupMembers = Callable[[str], Awaitable[set[str]]]


class NotAllowed(TicketError):
    def __init__(self) -> None:
        super().__init__(
            "Not allowed: only operators can change tickets. Ask an admin to add you to the "
            "operators in the ClubOS config (or to the operators' user group)."
        )


class Permissions:
    def __init__(self, club: ClubConfig, group_members: GroupMembers | None = None) -> None:
        self.club = club
        self._group_members = group_members
        self._cached: tuple[float, set[str]] | None = None
        # One Slack call refreshes the group, however many checks find it stale at once
        # (triage decides several messages side by side); its answer, or its failure,
        # reaches them all together.
        self._refresh: asyncio.Task[set[str]] | None = None

    async def is_operator(self, user_id: str) -> bool:
        if self.club.is_operator(user_id):
            return True
        group = self.club.slack.operator_group
        if not group or self._group_members is None:
            return False
        return user_id in await self._members(group)

    async def require_operator(self, user_id: str) -> None:
        if not await self.is_operator(user_id):
            log.info("permission.refused", extra={"actor": user_id})
            raise NotAllowed()

    async def _members(self, group: str) -> set[str]:
        if self._cached is not None and time.monotonic() - self._cached[0] < GROUP_CACHE_SECONDS:
            return self._cached[1]
        if self._refresh is None or self._refresh.done():  # done: its checks all cancelled
            self._refresh = asyncio.ensure_future(self._ask(group))
        refresh = self._refresh
        try:
            # Shielded: a check cancelled (its request gone) leaves the others their answer.
            return await asyncio.shield(refresh)
        finally:
            if self._refresh is refresh and refresh.done():
                self._refresh = None

    async def _ask(self, group: str) -> set[str]:
        assert self._group_members is not None
        members = await self._group_members(group)
        self._cached = (time.monotonic(), members)
        return members
