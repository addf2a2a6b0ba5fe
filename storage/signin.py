"""Used dashboard sign-in links: recording a link's token id once, across processes."""

from __future__ import annotations

from storage.db import UnitOfWork, insert_once
from storage.models import SignInLinkRow, utcnow


class SignInLinkRepository:
    def __init__(self, session: UnitOfWork) -> None:
        self.session = session

    async def mark_used(self, jti: str, user_id: str) -> bool:
        """Record that the link `jti` was used; True when this caller was the first."""
        values = {"jti": jti, "user_id": user_id, "used_at": utcnow()}
        return await insert_once(self.session, SignInLinkRow, ["jti"], values)
