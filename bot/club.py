"""The club config (TOML): locations, bays, channels, operators, SOPs, digest, SLAs.

Nothing else in the code reads the config file.
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.tickets.domain import Category

DEFAULT_CONFIG_FILE = Path("clubos.toml")


class ConfigError(Exception):
    """A configuration problem; the message names the key and what is wrong with it."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class AiSection(_Section):
    name: str = Field(min_length=1)


class SlackSection(_Section):
    ops_channel: str = Field(min_length=1)
    operators: list[str] = []
    operator_group: str = ""
    relay_bot_ids: list[str] = []
    # Where relayed messages carry no metadata: a regex with a `customer` group, matched
    # against the relay's username, then the text (e.g. "^SMS from (?P<customer>\\+?\\d+)").
    customer_pattern: str = ""

    @field_validator("customer_pattern")
    @classmethod
    def _valid_pattern(cls, value: str) -> str:
        if not value:
            return value
        try:
            compiled = re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        if "customer" not in compiled.groupindex:
            raise ValueError("needs a named group `customer`, e.g. (?P<customer>\\d+)")
        return value

    @property
    def customer_regex(self) -> re.Pattern[str] | None:
        return re.compile(self.customer_pattern) if self.customer_pattern else None


class RoutingSection(_Section):
    facilities: str = Field(min_length=1)
    tech: str = Field(min_length=1)

    def channel_for(self, category: Category) -> str:
        return self.facilities if category == Category.FACILITIES else self.tech


class Location(_Section):
    name: str = Field(min_length=1)
    bays: int = Field(ge=1, le=99)
    relay_channels: list[str] = []


class DigestSection(_Section):
    cron: str
    timezone: str

    @field_validator("cron")
    @classmethod
    def _five_fields(cls, value: str) -> str:
        if len(value.split()) != 5:
            raise ValueError(
                "needs 5 fields: minute hour day-of-month month day-of-week, e.g. '0 8 * * *'"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name like America/Halifax)"
            ) from None
        return value


class Sop(_Section):
    device: str = Field(min_length=1)
    procedure: str = Field(min_length=1)


_MENTION_ID = re.compile(r"^[UWS][A-Z0-9]{2,}$")


class SlaSection(_Section):
    # Mentioned when an SLA is breached (escalation): Slack user ids (U…/W…) or user
    # group ids (S…). Empty: the breach is posted to the routed and ops channels only.
    escalate_to: list[str] = []

    @field_validator("escalate_to")
    @classmethod
    def _slack_ids(cls, value: list[str]) -> list[str]:
        for item in value:
            if not _MENTION_ID.match(item):
                raise ValueError(f"{item!r} is not a Slack user id (U…) or user group id (S…)")
        return value

    @property
    def mentions(self) -> list[str]:
        """The escalation mentions as Slack mrkdwn: `<@U…>` or `<!subteam^S…>`."""
        return [f"<!subteam^{i}>" if i.startswith("S") else f"<@{i}>" for i in self.escalate_to]


class ClubConfig(_Section):
    ai: AiSection
    slack: SlackSection
    routing: RoutingSection
    locations: list[Location] = Field(min_length=1)
    digest: DigestSection
    sops: list[Sop] = []
    sla: SlaSection = SlaSection()

    @model_validator(mode="after")
    def _consistent(self) -> ClubConfig:
        seen_names: set[str] = set()
        seen_channels: dict[str, str] = {}
        for index, location in enumerate(self.locations):
            key = location.name.casefold()
            if key in seen_names:
                raise ValueError(f"locations[{index}].name: {location.name!r} is listed twice")
            seen_names.add(key)
            for channel in location.relay_channels:
                if channel in seen_channels:
                    raise ValueError(
                        f"locations[{index}].relay_channels: {channel} already belongs to "
                        f"{seen_channels[channel]}; a relay channel maps to one location"
                    )
                seen_channels[channel] = location.name
        return self

    def location(self, name: str) -> Location | None:
        wanted = name.casefold()
        return next((loc for loc in self.locations if loc.name.casefold() == wanted), None)

    def location_for_channel(self, channel: str) -> Location | None:
        return next((loc for loc in self.locations if channel in loc.relay_channels), None)

    def is_operator(self, user_id: str) -> bool:
        return user_id in self.slack.operators

    def sop_for(self, device: str) -> Sop | None:
        return next((sop for sop in self.sops if sop.device == device), None)


def _sample() -> dict[str, Any]:
    text = resources.files("bot").joinpath("clubos.example.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def describe_validation_error(error: ValidationError, source: str) -> str:
    lines = [f"{source}: invalid configuration"]
    for item in error.errors():
        key = ".".join(
            f"[{part}]" if isinstance(part, int) else str(part) for part in item["loc"]
        ).replace(".[", "[")
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"  {key or '(top level)'}: {message}" + _found(item))
    return "\n".join(lines)


def _found(item: Any) -> str:
    if item["type"] == "missing" or "input" not in item or isinstance(item["input"], dict):
        return ""
    return f" (found {item['input']!r})"


def load_club_config(path: Path | None) -> ClubConfig:
    """Load `path` (or ./clubos.toml, or the built-in sample); raise ConfigError on any fault.

    Each top-level section the file has replaces the sample's; the others keep the sample's.
    """
    data = _sample()
    source = "built-in sample configuration"
    if path is None and DEFAULT_CONFIG_FILE.exists():
        path = DEFAULT_CONFIG_FILE
    if path is not None:
        source = str(path)
        try:
            overrides = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"CLUBOS_CONFIG: no such file {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        data.update(overrides)
    try:
        return ClubConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc, source)) from None
