"""Messages claimed by a `serve` killed with SIGKILL are taken up at once by the next
`serve` on the same database: 15 signed relay messages acked, the process killed while
triage (a slow LLM) is mid-way, restarted: every message gets exactly one ticket within
10 s of the restart, every card is posted exactly once. SQLite and PostgreSQL; several
kill/restart cycles behind the `slow` marker, printing the recovery time."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from bot.tickets.domain import Status
from bot.tickets.service import TicketService
from standin.slack_api import SlackStub
from storage.db import Database
from tests.intake.crash_support import (
    PROBLEMS,
    Serve,
    assert_one_ticket_and_card_each,
    send_all,
    serve_env,
    slow_llm,
    statuses,
    wait_for,
)
from tests.support.openai_stub import OpenAIStub

RECOVERY_BOUND_S = 10.0


async def kill_mid_triage(serve: Serve, database: Database, cycle: int, done_before: int) -> int:
    """Send the messages, kill `serve` once a few are triaged while others are claimed; how
    many rows it left claimed (`processing`)."""
    sent = time.monotonic()
    await send_all(serve.base_url, cycle)
    print(f"sent in {time.monotonic() - sent:.2f} s")
    # Killed while claims are held: between two claimed batches none is, and a kill then
    # would test a plain restart, not the taking up of a dead process's claims.
    while True:
        now = await statuses(database)
        held = now["done"] >= done_before + 3 and now["processing"] > 0
        if held or now["done"] >= done_before + len(PROBLEMS):
            break
        await asyncio.sleep(0.02)
    print(f"killed {time.monotonic() - sent:.2f} s after sending")
    serve.kill()
    return (await statuses(database))["processing"]


async def crash_and_recover(serve: Serve, database: Database, cycle: int) -> float | None:
    """One cycle: messages in, a kill mid-triage, a restart; the seconds from the restarted
    process answering until every message of the cycle is triaged and every card posted.
    None when the kill landed as a batch's last claim was let go: the cycle then tested a
    plain restart, and counts for no recovery (its messages are still checked)."""
    done_before = (await statuses(database))["done"]
    left_claimed = await kill_mid_triage(serve, database, cycle, done_before)
    started = serve.start()
    restarted = time.monotonic()  # serving again: the restart's start-up is not ours
    print(f"serve started up again in {restarted - started:.2f} s; {left_claimed} left claimed")
    await wait_for(database, done_before + len(PROBLEMS), timeout=RECOVERY_BOUND_S * 3)
    return time.monotonic() - restarted if left_claimed else None


async def resolve_all(database: Database) -> None:
    """Each cycle sends the same problems: resolved, they are new problems the next time
    (dedup links a message only to an open ticket)."""
    async with database.unit_of_work() as session:
        service = TicketService(session)
        for ticket in await service.list():
            if ticket.status is not Status.RESOLVED:
                await service.resolve(
                    ticket.ticket_id, "Fixed", actor="U0OP1", expected_version=ticket.version
                )


async def run_cycles(
    slack_stub: SlackStub, openai_stub: OpenAIStub, db_url: str, cwd: Path, cycles: int
) -> list[float]:
    slow_llm(openai_stub)
    database = Database(db_url)
    serve = Serve(cwd, serve_env(slack_stub, openai_stub, db_url))
    serve.start()
    try:
        recoveries: list[float] = []
        for n in range(2 * cycles):  # each cycle's messages are its own (`send_all`)
            recovery = await crash_and_recover(serve, database, n)
            await resolve_all(database)
            recoveries += [recovery] if recovery is not None else []
            if len(recoveries) == cycles:
                break
        assert len(recoveries) == cycles, f"{len(recoveries)} of {n + 1} kills found claims"
        await assert_one_ticket_and_card_each(database, slack_stub)
    finally:
        serve.stop()
        await database.dispose()
    return recoveries


async def test_a_killed_serve_s_claims_are_taken_up_at_once_after_restart(
    slack_stub: SlackStub, openai_stub: OpenAIStub, db_url: str, tmp_path: Path
) -> None:
    [recovery] = await run_cycles(slack_stub, openai_stub, db_url, tmp_path, cycles=1)
    print(f"recovery after SIGKILL: {recovery:.2f} s")
    assert recovery < RECOVERY_BOUND_S


@pytest.mark.slow
async def test_five_kills_and_restarts_lose_and_duplicate_nothing(
    slack_stub: SlackStub, openai_stub: OpenAIStub, db_url: str, tmp_path: Path
) -> None:
    recoveries = await run_cycles(slack_stub, openai_stub, db_url, tmp_path, cycles=5)
    print(
        f"recovery after SIGKILL ({db_url.split(':')[0]}), {len(recoveries)} cycles: "
        + ", ".join(f"{r:.2f}" for r in recoveries)
        + f" s; max {max(recoveries):.2f} s"
    )
    assert max(recoveries) < RECOVERY_BOUND_S
