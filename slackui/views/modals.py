"""Modals: create a ticket (prefilled), resolve with notes, add a note, put on hold."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    InputBlock,
    InputInteractiveElement,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.club import ClubConfig
from bot.tickets.domain import Category, Ticket, TicketDraft
from slackui.ids import ModalInput, ViewId
from slackui.mrkdwn import truncate
from slackui.views.common import CATEGORY_LABEL, headline, plain_option, priority_options

LEARNABLE_VALUE = "learnable"
BAY_HINT = "Leave empty for the whole location."


def _metadata(draft: TicketDraft) -> str:
    """The thread reference travels in private_metadata (contract); 3000 chars at most."""
    thread = draft.thread
    return json.dumps(
        {
            "channel": thread.channel if thread else None,
            "thread_ts": thread.thread_ts if thread else None,
            "customer": draft.customer,
        }
    )


def _input(
    field: ModalInput,
    label: str,
    element: InputInteractiveElement,
    *,
    optional: bool = False,
    hint: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=field.value, label=label, element=element, optional=optional, hint=hint
    )


def _text(
    field: ModalInput, initial: str = "", *, multiline: bool = False, max_length: int = 3000
) -> PlainTextInputElement:
    return PlainTextInputElement(
        action_id=field.value,
        initial_value=truncate(initial, max_length) or None,
        multiline=multiline,
        max_length=max_length,
    )


def _select(field: ModalInput, options: list[Option], chosen: str | None) -> StaticSelectElement:
    initial = next((o for o in options if o.value == chosen), None)
    return StaticSelectElement(action_id=field.value, options=options, initial_option=initial)


def _suggested(by: str) -> ContextBlock:
    text = f"Title and category suggested by {by} triage: check them."
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def create_ticket_modal(club: ClubConfig, prefill: TicketDraft) -> View:
    """The create modal, prefilled; a prefill's `decided_by` names the triage backend that
    suggested its title and category."""
    blocks: list[Block] = [_suggested(prefill.decided_by)] if prefill.decided_by else []
    blocks += _ticket_inputs(club, prefill)
    return View(
        type="modal",
        callback_id=ViewId.TICKET_CREATE.value,
        title="New ticket",
        submit="Create",
        close="Cancel",
        private_metadata=_metadata(prefill),
        blocks=blocks,
    )


def _ticket_inputs(club: ClubConfig, prefill: TicketDraft) -> list[InputBlock]:
    categories = [plain_option(CATEGORY_LABEL[c], c.value) for c in Category]
    category = prefill.category.value if prefill.category else None
    locations = [plain_option(loc.name, loc.name) for loc in club.locations][:100]
    description = _text(ModalInput.DESCRIPTION, prefill.description, multiline=True)
    assignee = UserSelectElement(action_id=ModalInput.ASSIGNEE.value, placeholder="Nobody yet")
    return [
        _input(ModalInput.TITLE, "Title", _text(ModalInput.TITLE, prefill.title, max_length=150)),
        _input(ModalInput.CATEGORY, "Category", _select(ModalInput.CATEGORY, categories, category)),
        _input(
            ModalInput.PRIORITY,
            "Priority",
            _select(ModalInput.PRIORITY, priority_options(), prefill.priority.value),
        ),
        _input(
            ModalInput.LOCATION,
            "Location",
            _select(ModalInput.LOCATION, locations, prefill.location),
        ),
        _input(ModalInput.BAY, "Bay", _bay(prefill.bay), optional=True, hint=BAY_HINT),
        _input(ModalInput.DESCRIPTION, "Description", description, optional=True),
        _input(ModalInput.ASSIGNEE, "Assignee", assignee, optional=True),
        _input(ModalInput.LEARNABLE, "Teach the AI", _learnable(), optional=True),
    ]


def _bay(bay: int | None) -> NumberInputElement:
    return NumberInputElement(
        action_id=ModalInput.BAY.value,
        is_decimal_allowed=False,
        min_value="1",
        max_value="99",
        initial_value=str(bay) if bay else None,
    )


def _learnable() -> CheckboxesElement:
    return CheckboxesElement(
        action_id=ModalInput.LEARNABLE.value,
        options=[plain_option("Use this ticket as an example for triage", LEARNABLE_VALUE)],
    )


def _ticket_modal(
    view_id: ViewId,
    title: str,
    submit: str,
    ticket: Ticket,
    field: ModalInput,
    label: str,
    private: dict[str, object],
) -> View:
    return View(
        type="modal",
        callback_id=view_id.value,
        title=title,
        submit=submit,
        close="Cancel",
        private_metadata=json.dumps(
            {"ticket_id": ticket.ticket_id, "version": ticket.version, **private}
        ),
        blocks=[
            ContextBlock(elements=[MarkdownTextObject(text=headline(ticket))]),
            _input(field, label, _text(field, multiline=True, max_length=2000)),
        ],
    )


def resolve_modal(ticket: Ticket, **private: object) -> View:
    return _ticket_modal(
        ViewId.TICKET_RESOLVE,
        "Resolve ticket",
        "Resolve",
        ticket,
        ModalInput.RESOLUTION_NOTES,
        "How was it fixed?",
        private,
    )


def note_modal(ticket: Ticket, **private: object) -> View:
    return _ticket_modal(
        ViewId.TICKET_NOTE, "Add a note", "Add", ticket, ModalInput.NOTE, "Note", private
    )


def hold_modal(ticket: Ticket, **private: object) -> View:
    return _ticket_modal(
        ViewId.TICKET_HOLD,
        "Put on hold",
        "Put on hold",
        ticket,
        ModalInput.HOLD_REASON,
        "What is it waiting for?",
        private,
    )


def notice_modal(text: str) -> View:
    """A modal that only tells something (where there is no channel to answer in)."""
    return View(
        type="modal",
        title="ClubOS Tickets",
        close="OK",
        blocks=[SectionBlock(text=MarkdownTextObject(text=text))],
    )
