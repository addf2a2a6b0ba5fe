"""Ticket numbers under concurrency: T-<n> unique and increasing, with no gaps.

The counter row is bumped by `UPDATE ... RETURNING` inside the creating transaction, so a
rolled-back creation rolls its number back too: no creation fails here, hence no gaps.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap

from sqlalchemy import func, select

from bot.tickets.domain import Category, Priority, Source, TicketDraft, ticket_number
from bot.tickets.service import TicketService
from storage.db import Database
from storage.models import Counter, TicketEventRow, TicketRow
from tests.support.paths import REPO
from tests.support.postgres import truncate_postgres

TASKS = 4
PER_TASK = 50
PROCESSES = 2
PER_PROCESS = 50


def _new_ticket(creator: str, index: int) -> TicketDraft:
    return TicketDraft(
        title=f"{creator} ticket {index}",
        category=Category.TECH,
        priority=Priority.MEDIUM,
        location="Bedford",
    )


async def _create_many(database: Database, creator: str, count: int) -> list[str]:
    """Create `count` tickets, each in its own unit of work; return their ids in order."""
    ids = []
    for index in range(count):
        async with database.unit_of_work() as session:
            ticket = await TicketService(session).create(
                _new_ticket(creator, index), actor=creator, source=Source.MANUAL
            )
            # Hold the transaction (and the counter row) across a yield, so the other
            # creators run into the lock instead of slipping in between transactions.
            await asyncio.sleep(0)
        ids.append(ticket.ticket_id)
    return ids


async def _stored(database: Database) -> tuple[list[tuple[int, str]], int, int]:
    async with database.unit_of_work() as session:
        rows = (await session.execute(select(TicketRow.number, TicketRow.ticket_id))).all()
        counter = await session.scalar(select(Counter.value).where(Counter.name == "ticket"))
        events = await session.scalar(select(func.count()).select_from(TicketEventRow))
    return [(number, tid) for number, tid in rows], int(counter or 0), int(events or 0)


def _assert_increasing(ids: list[str]) -> None:
    numbers = [ticket_number(i) for i in ids]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers), ids


async def test_concurrent_tasks_get_distinct_gapless_ids(db: Database, db_url: str) -> None:
    # One engine per task: on PostgreSQL each task has its own connection and server
    # backend, so the creations truly run in parallel; on SQLite they contend for the file.
    databases = [Database(db_url) for _ in range(TASKS)]
    try:
        per_task = await asyncio.gather(
            *(_create_many(d, f"U{n}", PER_TASK) for n, d in enumerate(databases))
        )
    finally:
        for d in databases:
            await d.dispose()

    all_ids = [i for ids in per_task for i in ids]
    total = TASKS * PER_TASK
    assert len(all_ids) == total
    assert len(set(all_ids)) == total, "duplicate ticket ids"
    assert sorted(ticket_number(i) for i in all_ids) == list(range(1, total + 1))
    for ids in per_task:
        assert len(ids) == PER_TASK
        _assert_increasing(ids)

    rows, counter, events = await _stored(db)
    assert sorted(rows) == [(n, f"T-{n}") for n in range(1, total + 1)]
    assert counter == total
    assert events == total  # one "created" audit event per ticket


CREATOR_SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys

    from bot.tickets.domain import Category, Priority, Source
    from bot.tickets.domain import TicketDraft
    from bot.tickets.service import TicketService
    from storage.db import Database

    async def main(url, creator, count):
        database = Database(url)
        try:
            await database.ping()
            print("ready", flush=True)
            await asyncio.to_thread(sys.stdin.readline)  # wait for the common start
            ids = []
            for index in range(count):
                async with database.unit_of_work() as session:
                    ticket = await TicketService(session).create(TicketDraft(
                        title=f"{creator} ticket {index}", category=Category.FACILITIES,
                        priority=Priority.LOW, location="Dartmouth",
                    ), actor=creator, source=Source.MANUAL)
                ids.append(ticket.ticket_id)
            print(json.dumps(ids), flush=True)
        finally:
            await database.dispose()

    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
    """
)


def _python_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    return env


def _run_creators(url: str) -> list[list[str]]:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CREATOR_SCRIPT, url, f"P{n}", str(PER_PROCESS)],
            cwd=REPO,
            env=_python_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(PROCESSES)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if line.strip() != "ready":
                _, err = proc.communicate(timeout=30)
                raise AssertionError(f"creator process did not start: {line!r}\n{err}")
        for proc in procs:  # both are connected and waiting: release them together
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        results = []
        for proc in procs:
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
        return results
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


async def test_two_processes_get_distinct_ids_on_postgres(postgres_url: str) -> None:
    database = Database(postgres_url)
    try:
        await truncate_postgres(database)
        per_process = await asyncio.to_thread(_run_creators, postgres_url)
        all_ids = [i for ids in per_process for i in ids]
        total = PROCESSES * PER_PROCESS
        assert len(set(all_ids)) == len(all_ids) == total, "duplicate ticket ids"
        assert sorted(ticket_number(i) for i in all_ids) == list(range(1, total + 1))
        for ids in per_process:
            assert len(ids) == PER_PROCESS
            _assert_increasing(ids)
        rows, counter, _ = await _stored(database)
        assert sorted(rows) == [(n, f"T-{n}") for n in range(1, total + 1)]
        assert counter == total
    finally:
        await database.dispose()
