"""Environment settings: every environment variable of the contract, one typed object.

Nothing else in the code reads the environment.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.club import ClubConfig, ConfigError, describe_validation_error, load_club_config

DEFAULT_HOST = "127.0.0.1"  # `serve`'s address unless told otherwise
DEFAULT_PORT = 3000
DASHBOARD_KEY_LABEL = b"clubos-tickets dashboard v1"


class Settings(BaseSettings):
    """Every environment variable of the contract (also read from `.env`)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = "sqlite+aiosqlite:///./clubos_tickets.db"
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    openai_timeout_s: float = Field(default=8.0, gt=0)
    #: Seconds the Slack Web API gets to answer one call.
    slack_timeout_s: int = Field(default=10, gt=0)
    triage_backend: Literal["auto", "llm", "local", "rules"] = "auto"
    clubos_config: Path | None = None
    system_events_token: SecretStr | None = None
    api_token: SecretStr | None = None
    public_url: str | None = None
    dashboard_secret: SecretStr | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "debug", "info", "warning", "error"] = (
        "INFO"
    )
    #: Requests with a larger body are refused (413) on every route.
    max_request_body_bytes: int = Field(default=1_048_576, ge=1024)
    #: `auto`: readable lines on a terminal, JSON lines otherwise (a file, a log collector).
    log_format: Literal["auto", "text", "json"] = "auto"

    def dashboard_signing_key(self) -> str | None:
        """The key that signs dashboard sign-in links and sessions: DASHBOARD_SECRET, else
        derived from the Slack signing secret (so one secret to keep, but a leaked session
        key does not forge Slack requests); None: no dashboard sign-in."""
        if self.dashboard_secret is not None:
            return self.dashboard_secret.get_secret_value()
        if self.slack_signing_secret is None:
            return None
        slack_secret = self.slack_signing_secret.get_secret_value().encode()
        return hmac.new(slack_secret, DASHBOARD_KEY_LABEL, hashlib.sha256).hexdigest()

    def dashboard_url(self, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> str:
        """Where people reach the dashboard: PUBLIC_URL, else `serve`'s own address."""
        return (self.public_url or f"http://{host}:{port}").rstrip("/")

    @cached_property
    def club(self) -> ClubConfig:
        return load_club_config(self.clubos_config)


def load_settings() -> Settings:
    """Read the environment and the club config; raise ConfigError naming any bad key."""
    try:
        settings = Settings()
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc, "environment")) from None
    settings.club  # noqa: B018 - validate the club config at start-up, not on first use
    return settings
