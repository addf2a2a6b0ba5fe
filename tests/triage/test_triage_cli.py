"""`clubos-tickets triage`: one message, JSON lines and scores with the default (local)
backend; with the configured LLM backend, learning from the database and falling back per
line."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from bot.triage.engine import JSONL_KEYS
from standin.slack_api import SlackStub
from tests.support import openai_stub as ai
from tests.support.app_harness import TEST_CONFIG, harness_settings, open_harness
from tests.support.openai_stub import OpenAIStub
from tests.triage.helpers import (
    BALLS,
    DEV,
    HEATER,
    HEATER_ANSWER,
    create_ticket,
    learned,
    llm_env,
    run_triage_cli,
)

# --------------------------------------------------------------------------- the default


def test_cli_single_message(tmp_path: Path) -> None:
    result = run_triage_cli(
        "no balls in box 2", "--location", "Somewhere New", "--bay", "1", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == {*JSONL_KEYS, "description", "location", "bay", "decided_by"} - {"id"}
    assert out["should_ticket"] is True
    assert (out["category"], out["priority"], out["bay"]) == ("facilities", "medium", 2)
    assert out["location"] == "Somewhere New"
    assert out["title"] == "No balls in Bay 2"  # the rules fired: their labels stand
    assert out["decided_by"] == "local"  # auto without a key


def test_cli_jsonl(tmp_path: Path) -> None:
    lines = [
        {"id": "a", "text": "sim frozen box 2 can u reset", "location": "Halifax", "bay": 2},
        {"id": "b", "text": "power went out, whole place is dark", "location": "X", "bay": None},
        {"id": 3, "text": "ty 🙏", "location": None, "bay": None},
    ]
    stdin = "\n".join(json.dumps(line) for line in lines) + "\nnot json\n\n"
    result = run_triage_cli("--jsonl", stdin=stdin, cwd=tmp_path)
    assert result.returncode == 1  # the bad line is reported, the others are answered
    assert "line 4" in result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["id"] for row in rows] == ["a", "b", 3]
    assert all(list(row) == list(JSONL_KEYS) for row in rows)
    assert rows[0]["should_ticket"] is False and rows[0]["category"] is None
    assert (rows[1]["category"], rows[1]["priority"]) == ("facilities", "critical")
    clean = run_triage_cli("--jsonl", stdin=json.dumps(lines[0]) + "\n", cwd=tmp_path)
    assert clean.returncode == 0, clean.stderr


def test_cli_score(tmp_path: Path) -> None:
    result = run_triage_cli("--score", str(DEV), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for name in ("ticket F1", "category accuracy", "priority accuracy", "critical recall"):
        assert name in result.stdout


def test_cli_without_text_explains(tmp_path: Path) -> None:
    result = run_triage_cli(cwd=tmp_path)
    assert result.returncode == 2
    assert "--jsonl" in result.stderr


# --------------------------------------------------------------------------- LLM backend


async def test_cli_triage_uses_the_llm_and_learns_from_the_database(
    slack_stub: SlackStub, openai_stub: OpenAIStub, db_url: str, tmp_path: Path
) -> None:
    async with open_harness(slack_stub, harness_settings(slack_stub, db_url)) as h:
        example = await create_ticket(
            h, "flagged for the CLI: kiosk screen cracked", learnable=True, n=1
        )
        await create_ticket(h, "not flagged: printer out of paper", learnable=False, n=2)
    openai_stub.set_default(ai.answer(HEATER_ANSWER))

    env = llm_env(openai_stub, DATABASE_URL=db_url)
    result = await asyncio.to_thread(
        run_triage_cli, HEATER, "--location", "Bedford", env=env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["decided_by"] == "llm"
    assert (out["category"], out["priority"], out["title"], out["bay"]) == (
        "facilities",
        "high",
        "Heater in Bay 2 blows cold air",
        2,
    )
    [body] = openai_stub.requests
    assert [text for text, _ in learned(body)] == [example.description]
    assert json.loads(ai.user_text(body))["message"] == HEATER


async def test_cli_jsonl_uses_the_llm_and_falls_back_per_line(
    openai_stub: OpenAIStub, tmp_path: Path
) -> None:
    openai_stub.queue(ai.answer(HEATER_ANSWER), ai.error(500))
    lines = [{"id": 1, "text": HEATER, "location": "Bedford"}, {"id": 2, "text": BALLS}]
    stdin = "".join(json.dumps(line) + "\n" for line in lines)
    missing_db = tmp_path / "none.db"
    env = llm_env(openai_stub, DATABASE_URL=f"sqlite+aiosqlite:///{missing_db}")
    result = await asyncio.to_thread(run_triage_cli, "--jsonl", env=env, cwd=tmp_path, stdin=stdin)
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["title"] == "Heater in Bay 2 blows cold air"  # the LLM's
    assert second["title"] == "No balls in Bay 2"  # the rules', after the LLM's HTTP 500
    assert len(openai_stub.requests) == 2
    assert all(len(b["messages"]) == 2 for b in openai_stub.requests)  # no examples, no DB
    assert not missing_db.exists(), "the CLI created a database file"


async def test_cli_without_a_key_is_local(openai_stub: OpenAIStub, tmp_path: Path) -> None:
    env = {"OPENAI_BASE_URL": openai_stub.base_url, "CLUBOS_CONFIG": str(TEST_CONFIG)}
    result, forced = await asyncio.gather(
        asyncio.to_thread(run_triage_cli, BALLS, env=env, cwd=tmp_path),  # TRIAGE_BACKEND=auto
        asyncio.to_thread(run_triage_cli, BALLS, env=env | {"TRIAGE_BACKEND": "llm"}, cwd=tmp_path),
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert (out["decided_by"], out["title"]) == ("local", "No balls in Bay 2")
    assert forced.returncode == 2 and "OPENAI_API_KEY" in forced.stderr
    assert openai_stub.requests == []
    assert list(tmp_path.iterdir()) == []  # no database file either
