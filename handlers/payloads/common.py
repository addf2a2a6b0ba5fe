"""What every Slack payload model shares: ids and timestamps as Slack writes them, and
models that type the fields we read while passing every other field through untouched."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

# Slack ids (U0…, C0…, T0…) are a dozen characters; the columns that keep them hold 32.
SlackId = Annotated[str, StringConstraints(min_length=1, max_length=32)]
# Message timestamps: seconds, a dot, microseconds ("1732550000.000100").
Ts = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,12}(\.[0-9]{1,8})?$")]
# Names, types, callback and action ids: Slack caps them at 255.
Name = Annotated[str, StringConstraints(max_length=255)]
# A URL Slack gives us to answer on.
Url = Annotated[str, StringConstraints(max_length=2000)]


class Payload(BaseModel):
    """Typed where we read, everything else passed through as Slack sent it."""

    model_config = ConfigDict(extra="allow", frozen=True)


class IdRef(Payload):
    """`{"id": ...}` as Slack nests channels, teams and enterprises."""

    id: SlackId | None = None


class UserRef(Payload):
    id: SlackId
    team_id: SlackId | None = None


class TeamRef(Payload):
    id: SlackId | None = None
    enterprise_id: SlackId | None = None
    domain: Name | None = None


class Authorization(Payload):
    enterprise_id: SlackId | None = None
    team_id: SlackId | None = None
    user_id: SlackId | None = None
    is_enterprise_install: bool | None = None


class Option(Payload):
    value: Annotated[str, StringConstraints(max_length=2000)] | None = None
