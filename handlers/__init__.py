"""Slack listeners: thin adapters from Slack payloads to bot services, one module a
listener kind, registered here."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt.async_app import AsyncApp

from bot.club import ClubConfig
from bot.intake.relay_inbox import RelayInbox
from bot.tickets.usecases import Operations
from handlers import (
    app_home,
    card_actions,
    errors,
    reactions,
    relay_messages,
    shortcuts,
    slash_command,
    ticket_actions_modals,
    ticket_modal,
)
from handlers.middleware import correlate_and_log


def register_listeners(
    app: AsyncApp,
    club: ClubConfig,
    operations: Operations,
    relay: RelayInbox,
    wake_triage: Callable[[], None],
) -> None:
    app.middleware(correlate_and_log)
    errors.register(app)
    shortcuts.register(app, club, operations)
    ticket_modal.register(app, operations)
    card_actions.register(app, club, operations)
    ticket_actions_modals.register(app, operations)
    slash_command.register(app, club, operations)
    app_home.register(app, club, operations)
    reactions.register(app, club, operations)
    relay_messages.register(app, relay, wake_triage)
