"""(being written)"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.config import ClubConfig
from bot.operations import Operations


def register(app: AsyncApp, club: ClubConfig, operations: Operations) -> None:
    pass
