"""What the retraining tests share: tickets as triage would have opened them (the customer's
words quoted in the description), an operator's decisions on them, and the music messages
a club's operators dismiss (taste and volume, not faults) beside faults in like words."""

from __future__ import annotations

from bot.tickets.domain import Category, Priority, Source, Ticket, TicketDraft, TicketEdit
from bot.tickets.service import TicketService
from bot.triage import engine
from bot.triage.local import LocalClassifier
from bot.triage.rules import CUSTOMER_WROTE
from bot.triage.types import TriageInput
from storage.db import Database
from tests.support.app_harness import OPERATOR

# The shipped model tickets each of these (the rules read nothing in them).
DISMISSED = (
    "the music playlist is terrible lol",
    "can you guys play better music, this playlist is awful",
    "the music in here is so bad haha",
    "who picked this music? it's terrible",
    "the music is a bit too quiet in the lounge",
    "not a fan of the music today",
)
LIKE_DISMISSED = "the playlist is awful lol"  # a ticket for the shipped model
# Faults in like words: tickets for the shipped model, and after operators dismissed the
# complaints above.
NEIGHBOURS = ("there's no music playing in the lounge", "no sound from the lounge speakers")


async def triaged_ticket(
    db: Database,
    text: str,
    *,
    learnable: bool = False,
    category: Category = Category.FACILITIES,
    source: Source = Source.MESSAGE_THREAD,
) -> Ticket:
    """A ticket as triage opens one for a customer's message."""
    draft = TicketDraft(
        title=text[:60],
        category=category,
        priority=Priority.MEDIUM,
        location="Bedford",
        description=f"Reported: something.\n{CUSTOMER_WROTE}{text}",
        learnable=learnable,
        decided_by="local",
    )
    async with db.unit_of_work() as session:
        return await TicketService(session).create(draft, actor="OperatorGPT", source=source)


async def dismiss(db: Database, ticket_id: str) -> Ticket:
    async with db.unit_of_work() as session:
        return await TicketService(session).dismiss(
            ticket_id, "music taste, not a fault", actor=OPERATOR, expected_version=None
        )


async def correct(db: Database, ticket_id: str, edit: TicketEdit) -> Ticket:
    async with db.unit_of_work() as session:
        return await TicketService(session).edit(
            ticket_id, edit, actor=OPERATOR, expected_version=None
        )


async def is_ticket(local: LocalClassifier, text: str) -> bool:
    decision = await engine.triage(TriageInput(text=text, location="Bedford"), local)
    return decision.should_ticket
