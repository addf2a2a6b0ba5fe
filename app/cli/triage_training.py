"""`clubos-tickets triage --train`: the local model's weights retrained from the labelled
corpus (see `bot.triage.training`), written where the package ships them unless told."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from app.cli.common import fail
from bot.triage import embedding, training
from bot.triage.heads import WEIGHTS_PATH


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
    t = heads.thresholds
    typer.echo(f"Wrote {target}")
    typer.echo(f"thresholds: ticket {t.ticket}, clear noise below {t.noise}, close {t.close}")
    typer.echo("cross-validated on the corpus (the whole pipeline, out of fold):")
    for mode, figures in heads.about["cross_validated_pipeline"].items():
        typer.echo(f"  {mode:6} {json.dumps(figures)}")
