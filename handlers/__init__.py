"""Slack listeners: thin adapters from Slack payloads to bot services, one package a kind
(events, actions, commands, shortcuts, views). `register_listeners` below is the one place
that ties every listener to its Slack id."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers.actions import card, closure, home
from handlers.actions.clicks import on_click
from handlers.commands.ticket import ticket_command
from handlers.events import app_home, reactions, relay
from handlers.failures import answered, report_failure
from handlers.middleware import ack_at_once, correlate_and_log
from handlers.services import Services, provide
from handlers.shortcuts.create import create_from_message, create_standalone
from handlers.views import ticket_changes, ticket_create
from slackui.ids import Action, Command, Event, Shortcut, ViewId


def register_listeners(app: AsyncApp, services: Services) -> None:
    app.middleware(correlate_and_log)
    app.middleware(provide(services))
    app.error(report_failure)

    app.event(Event.MESSAGE.value, middleware=[relay.store_first])(answered(relay.triaged_later))
    app.event(Event.REACTION_ADDED.value)(answered(reactions.ticket_from_reaction))
    app.event(Event.APP_HOME_OPENED.value)(answered(app_home.home_opened))
    _register_acked_at_once(app)
    app.view(ViewId.TICKET_CREATE.value)(answered(ticket_create.submit_ticket))
    app.view(ViewId.TICKET_NOTE.value)(answered(ticket_changes.submit_note))
    app.view(ViewId.TICKET_RESOLVE.value)(answered(ticket_changes.submit_resolve))
    app.view(ViewId.TICKET_HOLD.value)(answered(ticket_changes.submit_hold))


def _register_acked_at_once(app: AsyncApp) -> None:
    """Clicks, the command and the shortcuts: listeners that ack before anything else, so
    the ack goes out before they start (`ack_at_once`)."""
    at_once = [ack_at_once]
    clicks = {
        Action.ASSIGN: on_click(card.assign),
        Action.STATUS: on_click(card.change_status),
        Action.NOTE: on_click(card.add_note),
        Action.RESOLVE: on_click(card.resolve),
        Action.ACCEPT_CLOSE: on_click(closure.accept_close),
        Action.DISMISS_CLOSE: on_click(closure.dismiss_close),
        Action.HOME_PAGE: home.page_changed,
        Action.HOME_NEW_TICKET: home.new_ticket,
    }
    for action, listener in clicks.items():
        app.action(action.value, middleware=at_once)(answered(listener))
    for action_id in home.FILTER_ACTIONS:
        app.action(action_id, middleware=at_once)(answered(home.filter_changed))
    app.command(Command.TICKET.value, middleware=at_once)(answered(ticket_command))
    app.shortcut(Shortcut.CREATE_TICKET.value, middleware=at_once)(answered(create_from_message))
    app.shortcut(Shortcut.NEW_TICKET.value, middleware=at_once)(answered(create_standalone))
