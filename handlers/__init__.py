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
from handlers.middleware import correlate_and_log
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

    app.action(Action.ASSIGN.value)(answered(on_click(card.assign)))
    app.action(Action.STATUS.value)(answered(on_click(card.change_status)))
    app.action(Action.NOTE.value)(answered(on_click(card.add_note)))
    app.action(Action.RESOLVE.value)(answered(on_click(card.resolve)))
    app.action(Action.ACCEPT_CLOSE.value)(answered(on_click(closure.accept_close)))
    app.action(Action.DISMISS_CLOSE.value)(answered(on_click(closure.dismiss_close)))
    for action_id in home.FILTER_ACTIONS:
        app.action(action_id)(answered(home.filter_changed))
    app.action(Action.HOME_PAGE.value)(answered(home.page_changed))
    app.action(Action.HOME_NEW_TICKET.value)(answered(home.new_ticket))

    app.command(Command.TICKET.value)(answered(ticket_command))

    app.shortcut(Shortcut.CREATE_TICKET.value)(answered(create_from_message))
    app.shortcut(Shortcut.NEW_TICKET.value)(answered(create_standalone))

    app.view(ViewId.TICKET_CREATE.value)(answered(ticket_create.submit_ticket))
    app.view(ViewId.TICKET_NOTE.value)(answered(ticket_changes.submit_note))
    app.view(ViewId.TICKET_RESOLVE.value)(answered(ticket_changes.submit_resolve))
    app.view(ViewId.TICKET_HOLD.value)(answered(ticket_changes.submit_hold))
