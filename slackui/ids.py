"""Every id Slack sees, as enums shared by builders, listener registration and the
manifest test. Values are part of the outside contract: never rename one."""

from __future__ import annotations

from enum import StrEnum


class Shortcut(StrEnum):
    CREATE_TICKET = "create_ticket"  # message shortcut
    NEW_TICKET = "new_ticket"  # global shortcut


class Command(StrEnum):
    TICKET = "/ticket"


class ViewId(StrEnum):
    TICKET_CREATE = "ticket_create"
    TICKET_RESOLVE = "ticket_resolve_modal"
    TICKET_NOTE = "ticket_note_modal"
    TICKET_HOLD = "ticket_hold_modal"


class Action(StrEnum):
    ASSIGN = "ticket_assign"
    STATUS = "ticket_status"
    NOTE = "ticket_note"
    RESOLVE = "ticket_resolve"
    ACCEPT_CLOSE = "ticket_accept_close"
    DISMISS_CLOSE = "ticket_dismiss_close"
    LEARNABLE = "ticket_learnable"
    HOME_FILTER_LOCATION = "home_filter_location"
    HOME_FILTER_PRIORITY = "home_filter_priority"
    HOME_FILTER_CATEGORY = "home_filter_category"
    HOME_FILTER_ASSIGNED = "home_filter_assigned"
    HOME_PAGE = "home_page"
    HOME_NEW_TICKET = "home_new_ticket"


class ModalInput(StrEnum):
    """Modal input blocks: block_id equals action_id (contract)."""

    TITLE = "title"
    DESCRIPTION = "description"
    CATEGORY = "category"
    PRIORITY = "priority"
    LOCATION = "location"
    BAY = "bay"
    ASSIGNEE = "assignee"
    LEARNABLE = "learnable"
    RESOLUTION_NOTES = "resolution_notes"
    NOTE = "note"
    HOLD_REASON = "hold_reason"


class Event(StrEnum):
    MESSAGE = "message"
    REACTION_ADDED = "reaction_added"
    APP_HOME_OPENED = "app_home_opened"


CARD_BLOCK_PREFIX = "ticket|"  # the card's actions block_id is "ticket|<ticket id>"
TICKET_REACTION = "ticket"  # :ticket: by an operator opens a ticket from the message
OPEN_BADGE = "ticket"  # on a thread root while any of its tickets is open
DONE_BADGE = "white_check_mark"  # once all of them are resolved
