"""The dashboard's settings: its signing key (DASHBOARD_SECRET, else derived from the Slack
signing secret, else none) and the address in sign-in links (PUBLIC_URL, else serve's)."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from app.settings import Settings


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)


def test_dashboard_secret_is_the_key_when_set() -> None:
    given = settings(dashboard_secret=SecretStr("dash"), slack_signing_secret=SecretStr("slack"))
    assert given.dashboard_signing_key() == "dash"


def test_key_is_derived_from_the_slack_signing_secret_otherwise() -> None:
    key = settings(slack_signing_secret=SecretStr("slack")).dashboard_signing_key()
    assert key is not None
    assert "slack" not in key
    assert key == settings(slack_signing_secret=SecretStr("slack")).dashboard_signing_key()
    assert key != settings(slack_signing_secret=SecretStr("other")).dashboard_signing_key()


def test_no_secret_no_dashboard_sign_in() -> None:
    assert settings().dashboard_signing_key() is None


def test_dashboard_url_is_public_url_when_set() -> None:
    given = settings(public_url="https://tickets.example.com/")
    assert given.dashboard_url("0.0.0.0", 8080) == "https://tickets.example.com"


def test_dashboard_url_is_serves_address_otherwise() -> None:
    assert settings().dashboard_url("0.0.0.0", 8080) == "http://0.0.0.0:8080"
    assert settings().dashboard_url() == "http://127.0.0.1:3000"
