"""A club's triage retrains on its operators' decisions (learnable tickets as they stand,
dismissed ones as "no ticket", never anything unflagged), stores the weights in the
database, and every process reads the newest. The fast tests fit on a tiny corpus; the
slow ones on the shipped corpus, as `triage --retrain` does."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bot.tickets.domain import Category, Priority, Source, TicketEdit
from bot.triage import embedding, training
from bot.triage.heads import WEIGHTS_PATH
from bot.triage.labelled import Example
from bot.triage.learning import TriageLearning
from bot.triage.local import build_local
from storage.db import Database
from storage.triage_weights import TriageWeightsRepository
from tests.triage.learning_support import (
    DISMISSED,
    LIKE_DISMISSED,
    NEIGHBOURS,
    correct,
    dismiss,
    is_ticket,
    triaged_ticket,
)
from tests.triage.local_support import CachingEmbedder, triage_offline


def tiny_corpus() -> list[Example]:
    return training.read_corpus().examples[:60]


async def test_only_flagged_tickets_teach_and_as_they_stand_now(db: Database) -> None:
    learning = TriageLearning(db, build_local(None))
    await triaged_ticket(db, "the vending machine ate my toonie")  # unflagged: never learned
    await triaged_ticket(db, "projector offline", learnable=True, source=Source.SYSTEM_EVENT)
    flagged = await triaged_ticket(db, "the lounge tv has the wrong channel on", learnable=True)
    dismissed = await dismiss(db, (await triaged_ticket(db, DISMISSED[0])).ticket_id)
    assert (dismissed.learnable, dismissed.dismissed) == (True, True)

    taught = {e.text: e for e in await learning.learned()}
    assert set(taught) == {"the lounge tv has the wrong channel on", DISMISSED[0]}
    assert taught[DISMISSED[0]].should_ticket is False
    assert taught[DISMISSED[0]].category is None
    before = taught["the lounge tv has the wrong channel on"]
    assert (before.should_ticket, before.category) == (True, Category.FACILITIES)

    edit = TicketEdit(category=Category.TECH, priority=Priority.LOW)
    await correct(db, flagged.ticket_id, edit)  # the operator's correction is the label
    after = {e.text: e for e in await learning.learned()}["the lounge tv has the wrong channel on"]
    assert (after.category, after.priority) == (Category.TECH, Priority.LOW)


async def test_retrained_weights_are_stored_and_read_by_every_classifier(
    db: Database, embedder: CachingEmbedder
) -> None:
    mine, theirs = build_local(embedder), build_local(embedder)  # two processes' classifiers
    learning = TriageLearning(db, mine, corpus=tiny_corpus)
    assert await learning.retrain() is None  # nothing learned, nothing stored
    for text in DISMISSED:
        await dismiss(db, (await triaged_ticket(db, text)).ticket_id)
    assert await is_ticket(mine, LIKE_DISMISSED)

    stored = await learning.retrain()
    assert stored is not None and stored.learned_examples == len(DISMISSED)
    assert mine.weights == stored.label and mine.weights.startswith("stored #")
    assert not await is_ticket(mine, LIKE_DISMISSED)
    assert await learning.retrain() is None  # nothing new since

    other = TriageLearning(db, theirs, corpus=tiny_corpus)
    assert theirs.weights == "shipped" and await is_ticket(theirs, LIKE_DISMISSED)
    await other.refresh()  # at start-up, and every minute after
    assert (theirs.weights, theirs.stored_id) == (stored.label, stored.id)
    assert not await is_ticket(theirs, LIKE_DISMISSED)


async def test_a_recategorised_ticket_moves_its_like_to_the_new_category(
    db: Database, embedder: CachingEmbedder
) -> None:
    local = build_local(embedder)
    learning = TriageLearning(db, local, corpus=tiny_corpus)
    text, like = (
        "the lounge tv has the wrong channel on",
        "the tv in the lounge has the wrong channel on",
    )
    vector = embedder.embed([like])[0].astype(np.float64)
    ticket = await triaged_ticket(db, text, learnable=True, category=Category.TECH)
    await learning.retrain()
    assert local.heads is not None and local.heads.read(vector).category == Category.TECH

    await correct(db, ticket.ticket_id, TicketEdit(category=Category.FACILITIES))
    assert await learning.retrain() is not None  # the correction is news
    assert local.heads.read(vector).category == Category.FACILITIES


# --------------------------------------------------------------------- the shipped corpus


@pytest.mark.slow
@pytest.mark.timeout(900)
async def test_dismissals_turn_their_like_and_leave_faults_in_like_words(
    db: Database, embedder: CachingEmbedder, db_url: str, tmp_path: object
) -> None:
    local = build_local(embedder)
    for text in (LIKE_DISMISSED, *NEIGHBOURS):
        assert await is_ticket(local, text), text
    for text in DISMISSED:
        await dismiss(db, (await triaged_ticket(db, text)).ticket_id)

    stored = await TriageLearning(db, local).retrain()
    assert stored is not None
    assert not await is_ticket(local, LIKE_DISMISSED)
    for text in NEIGHBOURS:
        assert await is_ticket(local, text), text

    if db_url.startswith("sqlite"):  # another process: the CLI (no network, so no PostgreSQL)
        result = triage_offline(
            LIKE_DISMISSED, cwd=WEIGHTS_PATH.parent, env={"DATABASE_URL": db_url}
        )
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["should_ticket"] is False
        assert f"triage weights: {stored.label}" in result.stderr


async def newest_heads(db: Database) -> object:
    async with db.unit_of_work() as session:
        row = await TriageWeightsRepository(session).newest(embedding.model_id())
    assert row is not None
    return json.loads(row.weights)["heads"]


@pytest.mark.slow
@pytest.mark.timeout(900)
async def test_unflagged_tickets_change_no_weight(db: Database, embedder: CachingEmbedder) -> None:
    """Retrained with unflagged tickets in the database, the heads are those of a retrain
    with none (on this machine: another CPU's embeddings fit other coefficients)."""
    local = build_local(embedder)
    learning = TriageLearning(db, local)
    await learning.retrain(force=True)
    heads = [await newest_heads(db)]
    for text in DISMISSED:  # the same messages, ticketed, never flagged nor dismissed
        await triaged_ticket(db, text)
    stored = await learning.retrain(force=True)
    assert stored is not None and stored.learned_examples == 0
    heads.append(await newest_heads(db))
    assert heads[0] == heads[1]
    assert await is_ticket(local, LIKE_DISMISSED)
