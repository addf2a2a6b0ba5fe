"""The settings object and the club config file: defaults, overrides, clear errors."""

from __future__ import annotations

import json
import logging
import subprocess
from pathlib import Path

import pytest

from app.settings import Settings
from bot.club import ConfigError, load_club_config
from bot.logs import JsonFormatter, new_correlation_id
from bot.tickets.domain import Category
from tests.support.cli import run
from tests.support.paths import REPO

SAMPLE_LOCATIONS = {
    "Bedford",
    "Dartmouth",
    "Bayers Lake",
    "Truro",
    "River Oaks",
    "Stratford",
    "Halifax",
}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "clubos.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_builtin_sample_has_the_seven_locations() -> None:
    club = load_club_config(None)
    assert {loc.name for loc in club.locations} == SAMPLE_LOCATIONS
    assert club.location_for_channel("C0RELAY").name == "Bedford"
    assert club.routing.channel_for(Category.TECH) == "C0TECH"
    assert club.sop_for("projector") is not None
    assert club.ai.name == "OperatorGPT"


def test_example_file_at_the_top_is_the_builtin_sample() -> None:
    example = REPO / "clubos.example.toml"
    assert load_club_config(example) == load_club_config(None)


def test_a_file_replaces_only_the_sections_it_has(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[slack]\nops_channel = "C9OPS"\noperators = ["U9"]\n\n'
        '[[locations]]\nname = "Moncton"\nbays = 3\nrelay_channels = ["C9RELAY"]\n',
    )
    club = load_club_config(path)
    assert club.slack.ops_channel == "C9OPS"
    assert club.is_operator("U9") and not club.is_operator("U0OP1")
    assert [loc.name for loc in club.locations] == ["Moncton"]
    assert club.routing.facilities == "C0FAC"  # untouched section keeps the sample's value
    assert club.digest.timezone == "America/Halifax"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[locations]]\nname = "X"\nbays = 0\n', "locations[0].bays"),
        ('[digest]\ncron = "0 8 *"\ntimezone = "America/Halifax"\n', "digest.cron"),
        ('[digest]\ncron = "0 8 * * *"\ntimezone = "Mars/Olympus"\n', "digest.timezone"),
        ('[routing]\nfacilities = ""\ntech = "C1"\n', "routing.facilities"),
        ("[slack]\noperators = []\n", "slack.ops_channel"),
        (
            '[[locations]]\nname = "A"\nbays = 1\nrelay_channels = ["C1"]\n'
            '[[locations]]\nname = "B"\nbays = 1\nrelay_channels = ["C1"]\n',
            "locations[1].relay_channels",
        ),
        (
            '[[locations]]\nname = "A"\nbays = 1\n[[locations]]\nname = "a"\nbays = 2\n',
            "locations[1].name",
        ),
        ("[ai\nname = 1", "not valid TOML"),
    ],
)
def test_a_bad_config_names_the_key(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_club_config(write(tmp_path, text))
    assert expected in str(caught.value)
    assert str(tmp_path / "clubos.toml") in str(caught.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_club_config(tmp_path / "nope.toml")


def test_settings_read_the_contract_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")
    monkeypatch.setenv("DATABASE_URL", "sqlite+aiosqlite:///x.db")
    monkeypatch.setenv("TRIAGE_BACKEND", "rules")
    monkeypatch.setenv("SYSTEM_EVENTS_TOKEN", "s3cret")
    settings = Settings()
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"
    assert settings.database_url == "sqlite+aiosqlite:///x.db"
    assert settings.triage_backend == "rules"
    assert settings.system_events_token is not None
    assert settings.system_events_token.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings)


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return run(args, env={"PATH": "/usr/bin:/bin", **env}, cwd=cwd)


def test_bad_config_stops_start_up_with_the_key(tmp_path: Path) -> None:
    bad = write(tmp_path, "[[locations]]\nname = 'X'\nbays = -2\n")
    result = _cli(
        ["serve", "--without-slack"],
        {"CLUBOS_CONFIG": str(bad), "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/t.db"},
        tmp_path,
    )
    assert result.returncode == 2
    assert "locations[0].bays" in result.stderr
    assert not (tmp_path / "t.db").exists()


def test_a_bad_environment_value_is_named(tmp_path: Path) -> None:
    result = _cli(["db", "upgrade"], {"TRIAGE_BACKEND": "magic"}, tmp_path)
    assert result.returncode == 2
    assert "triage_backend" in result.stderr


def test_serve_without_slack_tokens_says_what_to_do(tmp_path: Path) -> None:
    result = _cli(["serve"], {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/t.db"}, tmp_path)
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr and "--without-slack" in result.stderr


def test_log_lines_are_json_with_the_correlation_id() -> None:
    cid = new_correlation_id()
    record = logging.LogRecord(
        "clubos.tickets", logging.INFO, __file__, 1, "ticket.%s", ("assigned",), None
    )
    record.ticket_id = "T-7"
    record.actor = "U0OP1"
    line = json.loads(JsonFormatter().format(record))
    assert line["msg"] == "ticket.assigned"
    assert (line["ticket_id"], line["actor"], line["correlation_id"]) == ("T-7", "U0OP1", cid)
