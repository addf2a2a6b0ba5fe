"""Retrained triage weights: the newest row is what every process's local classifier reads."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select

from storage.db import UnitOfWork
from storage.models import TriageWeightsRow


@dataclass(frozen=True)
class WeightsFields:
    created_at: datetime
    model: str
    learned_examples: int
    examples_digest: str
    weights: str


class TriageWeightsRepository:
    def __init__(self, session: UnitOfWork) -> None:
        self.session = session

    async def add(self, fields: WeightsFields) -> TriageWeightsRow:
        row = TriageWeightsRow(**asdict(fields))
        self.session.add(row)
        await self.session.flush()
        return row

    async def newest_id(self, model: str) -> int | None:
        """The newest weights fitted on `model`'s vectors; cheap to ask often: the id only."""
        return await self.session.scalar(
            select(TriageWeightsRow.id)
            .where(TriageWeightsRow.model == model)
            .order_by(TriageWeightsRow.id.desc())
            .limit(1)
        )

    async def newest(self, model: str) -> TriageWeightsRow | None:
        return await self.session.scalar(
            select(TriageWeightsRow)
            .where(TriageWeightsRow.model == model)
            .order_by(TriageWeightsRow.id.desc())
            .limit(1)
        )
