"""Dedup's embeddings run before triage takes SQLite's write lock: a model call under it
would hold up every writer, the relay acks' inserts too, for as long as the model takes
(seconds, for the open tickets of a location after a restart). Watched from outside: each
time the model is asked, another connection tries to take the write lock at once."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import closing

import pytest
from sqlalchemy.engine import make_url

from bot.intake.problems import Meanings
from bot.triage.embedding import Embedder, Vectors, load_embedder
from standin.slack_api import SlackStub
from tests.intake.relay_support import T1, T2
from tests.support.app_harness import harness_settings, open_harness
from tests.support.relay import customer_says


class LockWatchingEmbedder:
    """The real model; before each call, whether a writer held the database (and for
    which texts)."""

    def __init__(self, model: Embedder, path: str) -> None:
        self.model = model
        self.path = path
        self.under_lock: list[Sequence[str]] = []
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.calls += 1
        with closing(sqlite3.connect(self.path, timeout=0, isolation_level=None)) as other:
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
            except sqlite3.OperationalError:  # "database is locked"
                self.under_lock.append(texts)
        return self.model.embed(texts)


async def test_the_model_never_runs_while_triage_holds_the_write_lock(
    slack_stub: SlackStub, db_url: str
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock is the whole database's; PostgreSQL locks rows")
    model = load_embedder()
    assert model is not None, "the embedded model must load here"
    watcher = LockWatchingEmbedder(model, str(make_url(db_url).database))
    async with open_harness(slack_stub, harness_settings(slack_stub, db_url), start=False) as h:
        h.runtime.triage_worker.relay.meanings = Meanings(lambda: watcher)
        for ts, text, customer in (
            (T1, "no balls in bay 2", "c1"),
            (T2, "bay 2 has no balls", "c2"),
        ):
            await h.post(customer_says(text, ts, customer=customer))
            await h.runtime.triage_worker.drain()
        [ticket] = await h.tickets()
    assert len(ticket.linked_threads) == 2  # the second report was deduplicated
    assert watcher.calls >= 2  # the message, and the open ticket it was compared with
    assert watcher.under_lock == []
