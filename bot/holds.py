"""Which claimed rows a worker's drains are working on now, so that none of them takes such
a row for an orphan (a row its owner claimed and no longer works on)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable


class Holds:
    """Counted, not a set: two drains may each hold a row in turn (one put it back after a
    failed attempt and the other took it up when it came due) before the first finishes,
    and the first's release must not end the second's hold: a third drain would deliver
    the row beside it, twice."""

    def __init__(self) -> None:
        self._counts: Counter[int] = Counter()
        # A worker's claims are taken one at a time, each held before it commits: a claim
        # that read the holds before another claim committed would take that claim's rows
        # for orphans and deliver them beside it.
        self.claiming = asyncio.Lock()

    def hold(self, row_ids: Iterable[int]) -> None:
        self._counts.update(row_ids)

    def release(self, row_ids: Iterable[int]) -> None:
        for row_id in row_ids:
            self._counts[row_id] -= 1
            if self._counts[row_id] <= 0:
                del self._counts[row_id]

    def ids(self) -> list[int]:
        return list(self._counts)

    def __contains__(self, row_id: object) -> bool:
        return row_id in self._counts
