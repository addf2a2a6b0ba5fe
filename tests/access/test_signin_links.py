"""Dashboard sign-in links (bot/access/links.py) on SQLite and PostgreSQL: a link signs
its user in once, within its time, and only with the right signature."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.access.links import LinkRefused, Refusal, SignInLinks
from bot.tickets.permissions import NotAllowed
from storage.db import Database
from tests.support.signin import permissions_of

SECRET = "test-dashboard-secret"
OPERATOR = "U0OP1"
OPERATORS = permissions_of(OPERATOR)


class Clock:
    """A clock the test moves on by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def refusal(links: SignInLinks, token: str) -> Refusal:
    with pytest.raises(LinkRefused) as refused:
        await links.redeem(token)
    return refused.value.reason


async def test_a_link_signs_its_user_in(db: Database) -> None:
    links = SignInLinks(db, SECRET, OPERATORS)
    token = await links.issue(OPERATOR)
    assert await links.redeem(token) == OPERATOR


async def test_each_link_carries_its_own_token(db: Database) -> None:
    links = SignInLinks(db, SECRET, OPERATORS)
    assert await links.issue(OPERATOR) != await links.issue(OPERATOR)


async def test_a_link_works_once(db: Database) -> None:
    links = SignInLinks(db, SECRET, OPERATORS)
    token = await links.issue(OPERATOR)
    await links.redeem(token)
    assert await refusal(links, token) == Refusal.USED


async def test_a_link_works_once_across_processes(db: Database, db_url: str) -> None:
    """Another process (its own Database, its own SignInLinks) finds the link used."""
    token = await SignInLinks(db, SECRET, OPERATORS).issue(OPERATOR)
    await SignInLinks(db, SECRET, OPERATORS).redeem(token)
    other = Database(db_url)
    try:
        assert await refusal(SignInLinks(other, SECRET, OPERATORS), token) == Refusal.USED
    finally:
        await other.dispose()


async def test_a_link_expires_after_its_time(db: Database) -> None:
    clock = Clock()
    links = SignInLinks(db, SECRET, OPERATORS, ttl=timedelta(minutes=10), clock=clock)
    token = await links.issue(OPERATOR)
    clock.now += timedelta(minutes=10, seconds=1)
    assert await refusal(links, token) == Refusal.EXPIRED


async def test_a_link_works_until_its_time_is_up(db: Database) -> None:
    clock = Clock()
    links = SignInLinks(db, SECRET, OPERATORS, ttl=timedelta(minutes=10), clock=clock)
    token = await links.issue(OPERATOR)
    clock.now += timedelta(minutes=9, seconds=59)
    assert await links.redeem(token) == OPERATOR


async def test_an_expired_link_is_not_used_up(db: Database) -> None:
    """Refused for its age, it records nothing: the refusal stays "expired"."""
    clock = Clock()
    links = SignInLinks(db, SECRET, OPERATORS, clock=clock)
    token = await links.issue(OPERATOR)
    clock.now += timedelta(hours=1)
    assert await refusal(links, token) == Refusal.EXPIRED
    assert await refusal(links, token) == Refusal.EXPIRED


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: token[: len(token) // 2],
        lambda token: "not-a-token",
    ],
    ids=["changed signature", "cut short", "garbage"],
)
async def test_a_bad_signature_is_refused(db: Database, tamper: Callable[[str], str]) -> None:
    links = SignInLinks(db, SECRET, OPERATORS)
    token = await links.issue(OPERATOR)
    assert await refusal(links, tamper(token)) == Refusal.BAD_SIGNATURE


async def test_a_link_signed_with_another_secret_is_refused(db: Database) -> None:
    token = await SignInLinks(db, "another-secret", OPERATORS).issue(OPERATOR)
    assert await refusal(SignInLinks(db, SECRET, OPERATORS), token) == Refusal.BAD_SIGNATURE


async def test_two_concurrent_redeems_one_wins(db: Database, db_url: str) -> None:
    """Two processes redeem the same link at once: exactly one signs in."""
    token = await SignInLinks(db, SECRET, OPERATORS).issue(OPERATOR)
    other = Database(db_url)
    try:
        outcomes = await asyncio.gather(
            SignInLinks(db, SECRET, OPERATORS).redeem(token),
            SignInLinks(other, SECRET, OPERATORS).redeem(token),
            return_exceptions=True,
        )
    finally:
        await other.dispose()
    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["LinkRefused", "str"]
    assert OPERATOR in outcomes


async def test_a_link_is_issued_only_to_an_operator(db: Database) -> None:
    with pytest.raises(NotAllowed):
        await SignInLinks(db, SECRET, OPERATORS).issue("U0MEMBER")


async def test_someone_no_longer_an_operator_is_refused_and_the_link_left_unused(
    db: Database,
) -> None:
    token = await SignInLinks(db, SECRET, OPERATORS).issue(OPERATOR)
    with pytest.raises(NotAllowed):
        await SignInLinks(db, SECRET, permissions_of()).redeem(token)
    # Refused before it was marked used: were they an operator again, it would still work.
    assert await SignInLinks(db, SECRET, OPERATORS).redeem(token) == OPERATOR
