"""Slash command payloads (a form): the fields `/ticket` reads."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from handlers.payloads.common import Name, SlackId, Url
from handlers.payloads.envelope import Envelope


class SlashCommand(Envelope):
    command: Annotated[str, StringConstraints(pattern=r"^/[^\s]{1,64}$")]
    user_id: SlackId
    text: Annotated[str, StringConstraints(max_length=4000)] = ""
    channel_id: SlackId | None = None
    team_domain: Name | None = None
    response_url: Url | None = None
    trigger_id: Name | None = None
