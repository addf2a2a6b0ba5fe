"""`clubos-tickets triage --train`: the local model's weights retrained from the labelled
corpus (see `bot.triage.training`), written where the package ships them unless told.
`triage --retrain`: the club's weights, from the corpus and its operators' decisions (see
`bot.triage.learning`), stored in the database."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import typer

from app.cli.common import fail, require_current_schema
from app.settings import Settings
from bot.triage import embedding, precedents, training
from bot.triage.heads import WEIGHTS_PATH
from bot.triage.learning import StoredWeights, TriageLearning
from bot.triage.local import load_local
from storage.db import Database


def train(out: Path | None) -> None:
    """Embed the corpus, fit the heads, write the weights, and say what they scored."""
    embedder = embedding.load_embedder()
    if embedder is None:
        raise fail(f"The embedding model cannot load: {embedding.embedder_problem()}")
    try:
        corpus = training.read_corpus()
    except training.TrainingError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"Embedding {len(corpus.examples)} examples from {', '.join(corpus.files)} ...")
    vectors = training.embed_all(embedder, [e.text for e in corpus.examples])
    heads = training.train(corpus, vectors, embedding.model_id())
    target = out or WEIGHTS_PATH
    training.write_weights(heads, target)
    beside = target.with_name(precedents.PRECEDENTS_PATH.name)
    precedents.write(precedents.build(corpus.examples, vectors, corpus.files), beside)
    t = heads.thresholds
    typer.echo(f"Wrote {target} and {beside}")
    typer.echo(f"thresholds: ticket {t.ticket}, clear noise below {t.noise}, close {t.close}")
    typer.echo("cross-validated on the corpus (the whole pipeline, out of fold):")
    for mode, figures in heads.about["cross_validated_pipeline"].items():
        typer.echo(f"  {mode:6} {json.dumps(figures)}")


def retrain(settings: Settings) -> None:
    """Fit the club's weights now (even when nothing new was learned) and store them."""
    require_current_schema(settings.database_url)
    local = load_local()
    if local.embedder is None:
        raise fail(f"The embedding model cannot load: {local.problem}")

    async def run() -> StoredWeights | None:
        database = Database(settings.database_url)
        try:
            return await TriageLearning(database, local).retrain(force=True)
        finally:
            await database.dispose()

    typer.echo("Embedding the corpus and the learned examples, fitting ...")
    stored = asyncio.run(run())
    assert stored is not None  # forced
    typer.echo(f"Weights {stored.label}.")
    typer.echo("Every instance reads them within a minute (its weights check).")
