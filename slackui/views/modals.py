"""Modals: create a ticket (prefilled), resolve with notes, add a note, put on hold."""

from __future__ import annotations

import json
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    InputBlock,
    InputInteractiveElement,
    MarkdownTextObject,
    NumberInputElement,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.club import ClubConfig
from bot.tickets.domain import Category, Priority, Ticket
from slackui.ids import ModalInput, ViewId
from slackui.mrkdwn import truncate
from slackui.views.common import CATEGORY_LABEL, PRIORITY_LABEL, headline, plain_option

LEARNABLE_VALUE = "learnable"


@dataclass(frozen=True)
class CreatePrefill:
    title: str = ""
    description: str = ""
    category: Category | None = None
    priority: Priority = Priority.MEDIUM
    location: str | None = None
    bay: int | None = None
    customer: str | None = None
    channel: str | None = None
    thread_ts: str | None = None
    suggested_by: str | None = None  # "rules" when triage filled title and category

    def metadata(self) -> str:
        """The thread reference travels in private_metadata (contract); 3000 chars at most."""
        return json.dumps(
            {"channel": self.channel, "thread_ts": self.thread_ts, "customer": self.customer}
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


def create_ticket_modal(club: ClubConfig, prefill: CreatePrefill) -> View:
    priorities = [
        plain_option(PRIORITY_LABEL[p].split(" ", 1)[1], p.value) for p in reversed(Priority)
    ]
    categories = [plain_option(CATEGORY_LABEL[c], c.value) for c in Category]
    locations = [plain_option(loc.name, loc.name) for loc in club.locations][:100]
    initial_location = next((o for o in locations if o.value == prefill.location), None)
    blocks: list[Block] = []
    if prefill.suggested_by:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=(
                            f"Title and category suggested by {prefill.suggested_by} triage: "
                            "check them."
                        )
                    )
                ]
            )
        )
    blocks += [
        _input(ModalInput.TITLE, "Title", _text(ModalInput.TITLE, prefill.title, max_length=150)),
        _input(
            ModalInput.CATEGORY,
            "Category",
            StaticSelectElement(
                action_id=ModalInput.CATEGORY.value,
                options=categories,
                initial_option=next(
                    (
                        o
                        for o in categories
                        if prefill.category and o.value == prefill.category.value
                    ),
                    None,
                ),
            ),
        ),
        _input(
            ModalInput.PRIORITY,
            "Priority",
            StaticSelectElement(
                action_id=ModalInput.PRIORITY.value,
                options=priorities,
                initial_option=next(o for o in priorities if o.value == prefill.priority.value),
            ),
        ),
        _input(
            ModalInput.LOCATION,
            "Location",
            StaticSelectElement(
                action_id=ModalInput.LOCATION.value,
                options=locations,
                initial_option=initial_location,
            ),
        ),
        _input(
            ModalInput.BAY,
            "Bay",
            NumberInputElement(
                action_id=ModalInput.BAY.value,
                is_decimal_allowed=False,
                min_value="1",
                max_value="99",
                initial_value=str(prefill.bay) if prefill.bay else None,
            ),
            optional=True,
            hint="Leave empty for the whole location.",
        ),
        _input(
            ModalInput.DESCRIPTION,
            "Description",
            _text(ModalInput.DESCRIPTION, prefill.description, multiline=True),
            optional=True,
        ),
        _input(
            ModalInput.ASSIGNEE,
            "Assignee",
            UserSelectElement(action_id=ModalInput.ASSIGNEE.value, placeholder="Nobody yet"),
            optional=True,
        ),
        _input(
            ModalInput.LEARNABLE,
            "Teach the AI",
            CheckboxesElement(
                action_id=ModalInput.LEARNABLE.value,
                options=[plain_option("Use this ticket as an example for triage", LEARNABLE_VALUE)],
            ),
            optional=True,
        ),
    ]
    return View(
        type="modal",
        callback_id=ViewId.TICKET_CREATE.value,
        title="New ticket",
        submit="Create",
        close="Cancel",
        private_metadata=prefill.metadata(),
        blocks=blocks,
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
