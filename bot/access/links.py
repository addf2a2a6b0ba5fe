"""Dashboard sign-in links: signed, short-lived and single use.

A link's token is signed with itsdangerous (URLSafeTimedSerializer: the signature and the
issue time) and carries a random token id (jti) and the user id. Redeeming records the
jti in the database first, so a link works once across every process; the signature and
the age are checked before that, so a forged or stale token writes nothing. Both ends
check the operator (a session can change tickets): a link is issued only to an operator,
and redeemed only by someone still an operator, whoever asks (Slack, the dashboard).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from bot.tickets.permissions import Permissions
from storage.db import Database
from storage.signin import SignInLinkRepository

DEFAULT_TTL = timedelta(minutes=10)
SALT = "clubos-dashboard-sign-in"  # keeps these tokens apart from anything else signed

Clock = Callable[[], datetime]


class Refusal(StrEnum):
    """Why a link does not sign anyone in; the value is what the person reads."""

    BAD_SIGNATURE = "This sign-in link is not valid (it may have been cut short when copied)."
    EXPIRED = "This sign-in link has expired: links work for 10 minutes."
    USED = "This sign-in link has already been used: each link works once."


class LinkRefused(Exception):
    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.value)
        self.reason = reason


def _signer_on(clock: Clock) -> type[TimestampSigner]:
    """A TimestampSigner that reads the time from `clock` (tests move it on)."""

    class ClockedSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(clock().timestamp())

    return ClockedSigner


class SignInLinks:
    def __init__(
        self,
        database: Database,
        secret: str,
        permissions: Permissions,
        ttl: timedelta = DEFAULT_TTL,
        clock: Clock = lambda: datetime.now(UTC),
    ) -> None:
        self.database = database
        self.permissions = permissions
        self.ttl = ttl
        self._serializer = URLSafeTimedSerializer(secret, salt=SALT, signer=_signer_on(clock))

    async def issue(self, user_id: str) -> str:
        """A token for one sign-in of `user_id` (the last part of the link); NotAllowed
        unless they are an operator."""
        await self.permissions.require_operator(user_id)
        return self._serializer.dumps({"jti": secrets.token_urlsafe(16), "user": user_id})

    async def redeem(self, token: str) -> str:
        """The user id the token was issued to; LinkRefused when it is forged, too old
        or already used; NotAllowed (the link left unused) when they are no longer an
        operator."""
        try:
            payload = self._serializer.loads(token, max_age=int(self.ttl.total_seconds()))
        except SignatureExpired:
            raise LinkRefused(Refusal.EXPIRED) from None
        except BadSignature:
            raise LinkRefused(Refusal.BAD_SIGNATURE) from None
        jti, user_id = str(payload["jti"]), str(payload["user"])
        await self.permissions.require_operator(user_id)
        async with self.database.unit_of_work() as session:
            if not await SignInLinkRepository(session).mark_used(jti, user_id):
                raise LinkRefused(Refusal.USED)
        return user_id
