"""The operator group's members are asked of Slack once per GROUP_CACHE_SECONDS, also when
several checks find the kept list stale at the same moment."""

from __future__ import annotations

import asyncio

import pytest

from bot.club import load_club_config
from bot.tickets import permissions as permissions_module
from bot.tickets.permissions import Permissions
from tests.support.app_harness import TEST_CONFIG


class SlowGroup:
    """Answers the group's members after a pause, counting the questions."""

    def __init__(self) -> None:
        self.asked = 0

    async def __call__(self, group: str) -> set[str]:
        self.asked += 1
        await asyncio.sleep(0.05)
        return {"U_IN_GROUP"}


async def test_simultaneous_checks_on_a_stale_group_ask_slack_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    club = load_club_config(TEST_CONFIG)
    assert club.slack.operator_group
    group = SlowGroup()
    permissions = Permissions(club, group)
    users = ["U_IN_GROUP", "U_STRANGER"] * 4

    first = await asyncio.gather(*(permissions.is_operator(user) for user in users))
    assert first == [True, False] * 4
    assert group.asked == 1

    monkeypatch.setattr(permissions_module, "GROUP_CACHE_SECONDS", 0.0)  # stale from now on
    again = await asyncio.gather(*(permissions.is_operator(user) for user in users))
    assert again == [True, False] * 4
    assert group.asked == 2


class FailingGroup(SlowGroup):
    """Slack fails after the pause (a timeout, say)."""

    async def __call__(self, group: str) -> set[str]:
        await super().__call__(group)
        raise TimeoutError("usergroups.users.list timed out")


async def test_a_failing_refresh_fails_every_waiting_check_at_once() -> None:
    group = FailingGroup()
    permissions = Permissions(load_club_config(TEST_CONFIG), group)
    started = asyncio.get_running_loop().time()
    answers = await asyncio.gather(
        *(permissions.is_operator("U_IN_GROUP") for _ in range(8)), return_exceptions=True
    )
    assert all(isinstance(answer, TimeoutError) for answer in answers), answers
    assert group.asked == 1
    assert asyncio.get_running_loop().time() - started < 0.3  # one pause, not eight in a row
    with pytest.raises(TimeoutError):  # the next check asks again
        await permissions.is_operator("U_IN_GROUP")
    assert group.asked == 2
