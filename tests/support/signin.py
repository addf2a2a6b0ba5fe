"""Sign-in links as a test needs them: issued by the product's own `SignInLinks`, and
links of someone who was an operator when the link was issued (a link is issued only to
an operator) and may not be one any more."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.access.links import SignInLinks
from bot.club import ClubConfig, load_club_config
from bot.tickets.permissions import Permissions
from storage.db import Database
from tests.support.app_harness import TEST_CONFIG


def permissions_of(*operators: str, club: ClubConfig | None = None) -> Permissions:
    """Permissions under which exactly `operators` are operators (no operator group)."""
    club = club or load_club_config(TEST_CONFIG)
    slack = club.slack.model_copy(update={"operators": list(operators), "operator_group": ""})
    return Permissions(club.model_copy(update={"slack": slack}))


async def link_issued_while_operator(
    database: Database, secret: str, user: str, issued_at: datetime | None = None
) -> str:
    """The token of a link issued to `user` while they were an operator."""
    when = issued_at or datetime.now(UTC)
    links = SignInLinks(database, secret, permissions_of(user), clock=lambda: when)
    return await links.issue(user)
