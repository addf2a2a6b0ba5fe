"""Interactivity payloads (the form's `payload=` JSON): block actions, shortcuts, modal
submissions; the fields Bolt's matchers and our listeners read."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from handlers.payloads.common import IdRef, Name, Option, Payload, SlackId, Ts, UserRef
from handlers.payloads.envelope import Envelope
from handlers.payloads.events import MessageFields

# Slack caps private_metadata at 3,000 characters and an input's value at 3,000.
Metadata = Annotated[str, StringConstraints(max_length=3000)]
InputText = Annotated[str, StringConstraints(max_length=3000)]


class BlockAction(Payload):
    action_id: Name
    block_id: Name | None = None
    type: Name | None = None
    value: Annotated[str, StringConstraints(max_length=2000)] | None = None
    selected_option: Option | None = None
    selected_user: SlackId | None = None


class InputState(Payload):
    """One input's state in a submitted modal."""

    type: Name | None = None
    value: InputText | None = None
    selected_option: Option | None = None
    selected_options: list[Option] | None = None
    selected_user: SlackId | None = None


class ViewStateValues(Payload):
    values: dict[Name, dict[Name, InputState]] = Field(default_factory=dict)


class View(Payload):
    id: Name | None = None
    type: Name | None = None
    callback_id: Name | None = None
    private_metadata: Metadata | None = None
    state: ViewStateValues | None = None
    blocks: list[dict[str, Any]] | None = None
    app_installed_team_id: SlackId | None = None
    team_id: SlackId | None = None


class Container(Payload):
    channel_id: SlackId | None = None
    message_ts: Ts | None = None


class ShownMessage(MessageFields):
    """The message a shortcut or a button was used on."""

    blocks: list[dict[str, Any]] | None = None


class BlockActions(Envelope):
    type: Literal["block_actions"]
    user: UserRef
    # Slack always sends the action that was taken; Bolt's matchers read the first.
    actions: list[BlockAction] = Field(min_length=1)
    view: View | None = None  # type: ignore[assignment]
    message: ShownMessage | None = None  # type: ignore[assignment]
    container: Container | None = None


class GlobalShortcut(Envelope):
    type: Literal["shortcut"]
    user: UserRef
    callback_id: Name
    trigger_id: Name


class MessageShortcut(Envelope):
    type: Literal["message_action"]
    user: UserRef
    callback_id: Name
    trigger_id: Name
    channel: IdRef
    message: ShownMessage  # type: ignore[assignment]


class SubmittedView(View):
    # Bolt reads a submitted view's type before any listener (a KeyError, 500, without it).
    type: Name


class ViewSubmission(Envelope):
    type: Literal["view_submission", "view_closed"]
    user: UserRef
    view: SubmittedView  # type: ignore[assignment]


class CreateModalMeta(Payload):
    """What the create modal's `private_metadata` carries: the thread it was opened on and
    its customer (both absent for a standalone ticket)."""

    channel: SlackId | None = None
    thread_ts: Ts | None = None
    customer: Annotated[str, StringConstraints(max_length=128)] | None = None

    @classmethod
    def read(cls, raw: str | None) -> CreateModalMeta:
        """The metadata as sent; anything unreadable reads as none (a standalone ticket)."""
        try:
            return cls.model_validate_json(raw or "{}")
        except ValueError:
            return cls()
