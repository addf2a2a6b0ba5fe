"""The work of `clubos-tickets triage`: the configured classifier between the SOP gate and
the policy, run on one event loop for a message, a stream of lines or a labelled file."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import typer

from app.classifier import backend, build_classifier, describe
from app.cli.common import fail
from app.settings import Settings
from bot.club import ConfigError
from bot.triage import engine, scoring
from bot.triage.learning import TriageLearning
from bot.triage.local import load_local
from bot.triage.types import Classifier, TriageDecision, TriageInput
from storage import migrate
from storage.db import Database


@dataclass(frozen=True)
class TriageSession:
    """The configured classifier on the command's event loop."""

    runner: asyncio.Runner
    classifier: Classifier
    database: Database | None  # where the LLM learns flagged tickets from, if anywhere
    known: tuple[str, ...]  # the configured location names
    sops: Mapping[str, str] | None  # device -> standard remote procedure, from the club config

    @property
    def backend(self) -> str:
        return describe(self.classifier)

    @property
    def weights(self) -> str:
        """Which weights the local model reads: "shipped", or the club's stored ones."""
        return load_local().weights if backend_reads_model(self.classifier) else "none"

    def decide(self, inp: TriageInput) -> TriageDecision:
        return self.runner.run(engine.triage(inp, self.classifier, sops=self.sops))

    def close(self) -> None:
        aclose = getattr(self.classifier, "aclose", None)
        if aclose is not None:
            self.runner.run(aclose())
        if self.database is not None:
            self.runner.run(self.database.dispose())


def backend_reads_model(classifier: Classifier) -> bool:
    """Whether triage reads the local model (the local backend, or the LLM's fallback)."""
    return describe(classifier) != "rules" and load_local().embedder is not None


async def _learning_database(settings: Settings) -> Database | None:
    """The database triage learns from (the LLM its flagged tickets, the local model its
    stored weights), when there is one at the current schema (a missing SQLite file is not
    created); else None: nothing learned."""
    url = settings.database_url
    if migrate.is_missing_sqlite_file(url):
        return None
    reason = await migrate.unusable_reason(url)
    if reason is not None:
        typer.echo(f"No learned examples (database not usable: {reason})", err=True)
        return None
    return Database(url)


@contextmanager
def open_session(settings: Settings) -> Iterator[TriageSession]:
    """The configured classifier (and its learning database), closed when the block ends."""
    club = settings.club
    known = tuple(loc.name for loc in club.locations)
    sops = {sop.device: sop.procedure for sop in club.sops} or None
    with asyncio.Runner() as runner:
        learns = backend(settings) != "rules"
        database = runner.run(_learning_database(settings)) if learns else None
        try:
            classifier = build_classifier(settings, database)
        except ConfigError as exc:
            if database is not None:
                runner.run(database.dispose())
            raise fail(f"Configuration error: {exc}") from None
        if database is not None and backend_reads_model(classifier):
            runner.run(TriageLearning(database, load_local()).refresh())
        session = TriageSession(runner, classifier, database, known, sops)
        try:
            yield session
        finally:
            session.close()


def score(session: TriageSession, score_file: Path) -> None:
    """Print the backend's scores on a labelled file, and each miss."""
    try:
        examples = scoring.load_examples(score_file)
    except scoring.ExampleError as exc:
        raise fail(str(exc)) from None
    scores, _ = scoring.evaluate(examples, session.decide, session.known)
    typer.echo(f"{score_file} ({session.backend} backend)")
    typer.echo(f"triage weights: {session.weights}", err=True)
    typer.echo(scores.report())
    for miss in scores.misses:
        typer.echo(f"  miss {miss.id} {miss.field}: expected {miss.expected}, got {miss.got}")


def triage_lines(session: TriageSession) -> None:
    """A decision line on stdout for each JSON line on stdin; a bad line is reported on
    stderr and skipped, and the command then exits 1."""
    bad = 0
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            inp = engine.input_from_json(row, session.known)
        except (json.JSONDecodeError, engine.BadLine) as exc:
            bad += 1
            typer.echo(f"line {number}: skipped, {exc}", err=True)
            continue
        out = engine.contract_row(row.get("id"), session.decide(inp))
        print(json.dumps(out), flush=True)
    if bad:
        raise typer.Exit(1)


def triage_one(session: TriageSession, text: str, location: str | None, bay: int | None) -> None:
    """The whole decision for one message, as JSON."""
    inp = TriageInput(text=text, location=location, bay=bay, known_locations=session.known)
    typer.echo(json.dumps(engine.decision_json(session.decide(inp))))
    typer.echo(f"triage weights: {session.weights}", err=True)
