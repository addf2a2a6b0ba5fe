"""`serve` end to end, the health check, and the log line every ticket change writes."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from bot.logs import new_correlation_id
from bot.tickets.domain import Category, Priority, Source, TicketDraft
from bot.tickets.reads import ReadOperations
from bot.tickets.service import TicketService
from storage.db import Database
from tests.support.cli import cli_env, free_port, serving
from web.app import create_app


def test_serve_migrates_and_answers_health_over_http(tmp_path: Path) -> None:
    env = cli_env(f"sqlite+aiosqlite:///{tmp_path}/serve.db")
    with serving(tmp_path, env) as served:
        answer = served.health
        assert answer.status_code == 200
        assert answer.json()["status"] == "ok"
    assert (tmp_path / "serve.db").exists()


async def test_health_is_503_with_a_reason_when_the_database_is_down() -> None:
    database = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/none")
    transport = httpx.ASGITransport(
        app=create_app(ReadOperations(database), database.unreachable_reason, triage="rules")
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        answer = await client.get("/healthz")
    await database.dispose()
    assert answer.status_code == 503
    assert answer.json()["status"] != "ok"
    assert "database" in answer.json()["reason"]


async def test_each_ticket_change_logs_one_line_without_customer_text(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="clubos.tickets")
    cid = new_correlation_id()
    secret_text = "my card number is 4111"
    async with db.unit_of_work() as session:
        ticket = await TicketService(session).create(
            TicketDraft(
                title="Projector dim in bay 3",
                description=secret_text,
                category=Category.TECH,
                priority=Priority.MEDIUM,
                location="Truro",
                customer="cust",
            ),
            actor="OperatorGPT",
            source=Source.MESSAGE_THREAD,
        )
    async with db.unit_of_work() as session:
        await TicketService(session).assign(
            ticket.ticket_id, "U0OP1", actor="U0OP1", expected_version=ticket.version
        )
    lines = [r for r in caplog.records if r.name == "clubos.tickets"]
    assert [r.getMessage() for r in lines] == ["ticket.created", "ticket.assigned"]
    assert [(r.ticket_id, r.actor, r.correlation_id) for r in lines] == [  # type: ignore[attr-defined]
        (ticket.ticket_id, "OperatorGPT", cid),
        (ticket.ticket_id, "U0OP1", cid),
    ]
    assert all(secret_text not in r.getMessage() and secret_text not in str(vars(r)) for r in lines)


async def test_a_rolled_back_change_logs_nothing(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="clubos.tickets")
    with pytest.raises(RuntimeError):
        async with db.unit_of_work() as session:
            await TicketService(session).create(
                TicketDraft(
                    title="Mat torn",
                    category=Category.FACILITIES,
                    priority=Priority.LOW,
                    location="Truro",
                    customer="U0OP1",
                ),
                actor="U0OP1",
                source=Source.MANUAL,
            )
            raise RuntimeError("boom")
    assert not [r for r in caplog.records if r.name == "clubos.tickets"]
