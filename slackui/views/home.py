"""The App Home's Tickets tab: counts by status, filters, a New ticket button for
operators, and one page of open tickets, most urgent first. Read-only otherwise."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.club import ClubConfig
from bot.tickets.domain import Category, Status, Ticket
from bot.tickets.home import ANY, Assigned, HomePage
from slackui.ids import Action
from slackui.views.common import (
    CATEGORY_LABEL,
    PRIORITY_LABEL,
    STATUS_LABEL,
    age,
    headline,
    plain_option,
    priority_options,
    user,
    where,
)

FILTERS_BLOCK = "home_filters"
PREVIOUS_BLOCK = "home_page|previous"  # action_ids need only be unique within a block,
NEXT_BLOCK = "home_page|next"  # so each page button sits in a block of its own
ASSIGNED_LABEL = {
    Assigned.ALL: "Anyone or no one",
    Assigned.ASSIGNED: "Assigned",
    Assigned.UNASSIGNED: "Unassigned",
    Assigned.MINE: "Mine",
}
COUNT_EMOJI = {
    Status.OPEN: ":large_blue_circle:",
    Status.IN_PROGRESS: ":hammer_and_wrench:",
    Status.ON_HOLD: ":double_vertical_bar:",
    Status.RESOLVED: ":white_check_mark:",
}
OPTION_VALUE_MAX = 150


def _select(
    action: Action, placeholder: str, options: list[Option], chosen: str
) -> StaticSelectElement:
    initial = next((o for o in options if o.value == chosen), options[0])
    return StaticSelectElement(
        action_id=action.value,
        placeholder=placeholder,
        options=options,
        initial_option=initial,
    )


def _filters(club: ClubConfig, page: HomePage, can_create: bool) -> ActionsBlock:
    flt = page.filters
    priorities = [plain_option("All priorities", ANY), *priority_options()]
    categories = [plain_option("All categories", ANY)] + [
        plain_option(CATEGORY_LABEL[c], c.value) for c in Category
    ]
    assigned = [plain_option(ASSIGNED_LABEL[a], a.value) for a in Assigned]
    elements: list[StaticSelectElement | ButtonElement] = [
        _location_select(club, flt.location),
        _select(
            Action.HOME_FILTER_PRIORITY,
            "Priority",
            priorities,
            flt.priority.value if flt.priority else ANY,
        ),
        _select(
            Action.HOME_FILTER_CATEGORY,
            "Category",
            categories,
            flt.category.value if flt.category else ANY,
        ),
        _select(Action.HOME_FILTER_ASSIGNED, "Assigned", assigned, flt.assigned.value),
    ]
    if can_create:
        elements.append(
            ButtonElement(
                text="New ticket",
                action_id=Action.HOME_NEW_TICKET.value,
                value="new",
                style="primary",
            )
        )
    return ActionsBlock(block_id=FILTERS_BLOCK, elements=elements)


def _location_select(club: ClubConfig, chosen: str | None) -> StaticSelectElement:
    """The configured locations (as many as a select holds), matched in any case."""
    named = [loc.name for loc in club.locations if len(loc.name) <= OPTION_VALUE_MAX]
    locations = [plain_option("All locations", ANY), *(plain_option(n, n) for n in named[:99])]
    if (
        chosen
        and len(chosen) <= OPTION_VALUE_MAX
        and not any(o.value.lower() == chosen.lower() for o in locations)
    ):
        # A location no longer in the config: keep it choosable so the filter stays visible.
        locations = [locations[0], plain_option(chosen, chosen), *locations[1:98]]
    initial = next(
        (o.value for o in locations if chosen and o.value.lower() == chosen.lower()), ANY
    )
    return _select(Action.HOME_FILTER_LOCATION, "Location", locations, initial)


def ticket_line(ticket: Ticket, now: datetime) -> SectionBlock:
    """One open ticket, compact: id, title (escaped), then the facts an operator scans."""
    facts = " · ".join(
        [
            PRIORITY_LABEL[ticket.priority],
            STATUS_LABEL[ticket.status],
            CATEGORY_LABEL[ticket.category],
            where(ticket),
            f"{age(ticket.timestamp, now)} old",
            user(ticket.assigned_to),
        ]
    )
    return SectionBlock(
        block_id=f"home_ticket|{ticket.ticket_id}",
        text=MarkdownTextObject(text=f"{headline(ticket)}\n{facts}", verbatim=True),
    )


def _summary(page: HomePage) -> str:
    noun = "ticket matches" if page.matching == 1 else "tickets match"
    text = f"*{page.matching}* open {noun} these filters"
    if page.pages > 1:
        text += (
            f" · showing {page.first}-{page.last} · page {page.filters.page + 1} of {page.pages}"
        )
    return text


def _page_button(block_id: str, text: str, page: int) -> ActionsBlock:
    return ActionsBlock(
        block_id=block_id,
        elements=[ButtonElement(text=text, action_id=Action.HOME_PAGE.value, value=str(page))],
    )


def home_view(club: ClubConfig, page: HomePage, now: datetime, *, can_create: bool) -> View:
    """The Home tab for one viewer; its private_metadata carries their filters."""
    counts = [
        MarkdownTextObject(text=f"{COUNT_EMOJI[status]} *{STATUS_LABEL[status]}*\n{n}")
        for status, n in page.counts.items()
    ]
    blocks: list[Block] = [
        HeaderBlock(text="Tickets"),
        SectionBlock(block_id="home_counts", fields=counts),
        _filters(club, page, can_create),
    ]
    if not can_create:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text="Read-only: only operators can change tickets or open new ones."
                    )
                ]
            )
        )
    blocks += [DividerBlock(), ContextBlock(elements=[MarkdownTextObject(text=_summary(page))])]
    if not page.tickets:
        blocks.append(
            SectionBlock(
                block_id="home_empty",
                text=MarkdownTextObject(
                    text=":tada: *No open tickets match.* Change the filters above to see more."
                ),
            )
        )
    blocks += [ticket_line(ticket, now) for ticket in page.tickets]
    if page.has_previous or page.has_next:
        blocks.append(DividerBlock())
    if page.has_previous:
        blocks.append(_page_button(PREVIOUS_BLOCK, "Previous", page.filters.page - 1))
    if page.has_next:
        blocks.append(_page_button(NEXT_BLOCK, "Next", page.filters.page + 1))
    return View(type="home", private_metadata=page.filters.to_metadata(), blocks=blocks)
