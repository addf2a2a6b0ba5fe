"""The text filter: a ticket whose title or description contains the words, any case.

On PostgreSQL the filter is `lower(title) LIKE '%word%' OR lower(description) LIKE
'%word%'`, which no B-tree serves: a word few tickets say read every ticket of the
filtered statuses (at 100k tickets, a board page 61 ms median, 98 ms p95). `pg_trgm`'s GIN
indexes on the same two expressions find them (6.8 ms). They live outside the model:
SQLite has none, and a server where the database role may not install the extension has
none either (the filter works, slower). Alembic's comparison leaves them out by name
(`in_model`).

On SQLite, LIKE already ignores the case of ASCII letters, and its lower() folds no other:
`lower(title) LIKE` there only cost a string a row (a board search for a word no ticket
says, reading 38,000 resolved tickets at 100k: 31.8 ms with lower(), 20.3 ms without).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from storage.models import TicketRow

#: Index name → the column whose lower() it indexes.
TRIGRAM_INDEXES = {
    "ix_tickets_title_trgm": "title",
    "ix_tickets_description_trgm": "description",
}


def in_model(name: str | None, type_: str, _parents: object) -> bool:
    """Alembic's `include_name` hook: everything but the trigram indexes."""
    return not (type_ == "index" and name in TRIGRAM_INDEXES)


class Folded(FunctionElement[str]):
    """`lower(text)` for a case-blind LIKE; on SQLite the text as it is (see above). Not
    `func.lower`'s class: every other lower() (the location filter's index) stays."""

    inherit_cache = True


@compiles(Folded)
def _lowered(element: Folded, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(Folded, "sqlite")
def _as_it_is(element: Folded, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


def mentions(text: str) -> ColumnElement[bool]:
    """The title or the description contains `text` (any case; `%` and `_` as such)."""
    needle = text.lower()
    return or_(
        Folded(TicketRow.title).contains(needle, autoescape=True),
        Folded(TicketRow.description).contains(needle, autoescape=True),
    )
