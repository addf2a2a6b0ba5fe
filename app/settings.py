"""Environment settings: every environment variable of the contract, one typed object.

Nothing else in the code reads the environment.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.club import ClubConfig, ConfigError, describe_validation_error, load_club_config


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
    triage_backend: Literal["auto", "llm", "rules"] = "auto"
    clubos_config: Path | None = None
    system_events_token: SecretStr | None = None
    api_token: SecretStr | None = None
    public_url: str | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "debug", "info", "warning", "error"] = (
        "INFO"
    )

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
