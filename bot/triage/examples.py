"""The examples an LLM prompt may show: only tickets operators flagged `learnable`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.tickets.domain import TicketFilter
from bot.tickets.service import TicketService
from storage.db import Database

if TYPE_CHECKING:
    from bot.triage.llm import LearnedExample

LEARNED_EXAMPLES = 8


class ExampleLoader:
    """The most recent tickets operators flagged `learnable`; nothing else reaches a prompt."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def __call__(self) -> Sequence[LearnedExample]:
        from bot.triage.llm import LearnedExample

        async with self.database.reading() as session:
            tickets = await TicketService(session).list(
                TicketFilter(learnable=True, limit=LEARNED_EXAMPLES)
            )
        return [
            LearnedExample(
                text=t.description or t.title,
                category=t.category,
                priority=t.priority,
                title=t.title,
                bay=t.bay,
                dismissed=t.dismissed,
            )
            for t in tickets
        ]
