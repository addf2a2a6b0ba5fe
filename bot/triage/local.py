"""The `local` triage backend: the rules and the embedded semantic model side by side.

A message is a ticket when the rules or the model say so; when the rules fire, their
category, priority and title stand (they read the exact phrase), and the model fills them
only for what the rules did not see. Either may suggest closure. The SOP gate and the
policy still run around this classifier (`engine.triage`).

Without the model (it cannot load, or the shipped weights were trained on another model)
the classifier is the rules, says so, and `decided_by` says `rules`.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path

import numpy as np

from bot.tickets.domain import Priority
from bot.triage import embedding, precedents
from bot.triage.analysis import analyse
from bot.triage.embedding import Embedder
from bot.triage.heads import WEIGHTS_PATH, Heads, ModelReading, WeightsError, load_heads
from bot.triage.precedents import Precedents
from bot.triage.rules import classify_text
from bot.triage.types import Backend, TriageDecision, TriageInput

log = logging.getLogger("clubos.triage.local")

CACHED_VECTORS = 64  # the LLM path asks `is_clear_noise` then may fall back to `classify`
TITLE_CHARS = 60
_FIRST_CLAUSE = re.compile(r"^(.+?)(?:[.!?;\n]|$)")


def _model_title(text: str) -> str:
    """The customer's own first clause: the model knows a problem is there, not its name."""
    match = _FIRST_CLAUSE.match(" ".join(text.split()))
    clause = (match.group(1) if match else text).strip(" ,-:")
    if len(clause) > TITLE_CHARS:
        clause = clause[:TITLE_CHARS].rsplit(" ", 1)[0] + "\u2026"
    return clause[:1].upper() + clause[1:] if clause else "Customer-reported problem"


def _model_ticket(inp: TriageInput, base: TriageDecision, reading: ModelReading) -> TriageDecision:
    return replace(
        base,
        should_ticket=True,
        category=reading.category,
        priority=reading.priority,
        title=_model_title(inp.text),
        description=f"Customer wrote: {inp.text.strip()}",
        reason=(
            f"The semantic model reads a {reading.category} problem ({reading.priority}) "
            f"that no phrase table names (ticket probability {reading.ticket:.2f})."
        ),
        decided_by=Backend.LOCAL,
    )


def _needs_no_ticket(inp: TriageInput) -> bool:
    """The rules read the message as one that needs no ticket whatever the model reads in
    it: a fix confirmed (and no problem beside it, nor a failure again), lost and found,
    billing about a problem that is over."""
    analysis = analyse(inp)
    settled = analysis.fixed and not analysis.findings and not analysis.repeat
    return settled or analysis.lost_found or analysis.billing_past


def _may_close(inp: TriageInput) -> bool:
    """The rules allow the model's closure: no failure again ("went off again right after
    you turned it back on"), and no confirmation they read as nothing to close (an old fix,
    or one the message itself settles, without an open ticket)."""
    analysis = analyse(inp)
    return not analysis.repeat and (analysis.closes or not analysis.fixed)


def combine(
    inp: TriageInput,
    rules: TriageDecision,
    reading: ModelReading,
    heads: Heads,
    *,
    with_rules: bool = True,
) -> TriageDecision:
    """The local decision from the rules' (`rules`) and the model's (`reading`).

    `with_rules=False` is the model alone (only for measuring what the rules add): the rules
    then give nothing but the place (location, bay)."""
    model_close = reading.close >= heads.thresholds.close
    if with_rules and model_close and not _may_close(inp):
        model_close = False
    model_ticket = reading.ticket >= heads.thresholds.ticket and not inp.from_operator
    if with_rules and model_ticket and _needs_no_ticket(inp):
        model_ticket = False
    if with_rules and rules.should_ticket:
        return replace(
            rules, suggest_close=rules.suggest_close or model_close, decided_by=Backend.LOCAL
        )
    close = model_close or (with_rules and rules.suggest_close)
    base = replace(rules, suggest_close=close, decided_by=Backend.LOCAL)
    if model_ticket:
        return _model_ticket(inp, base, reading)
    base = replace(base, should_ticket=False, category=None, priority=None, title="")
    if with_rules:
        return base
    reason = "The semantic model reads no operational problem"
    return replace(base, description="", reason=f"{reason} ({reading.ticket:.2f}).")


class LocalClassifier:
    """`Classifier`: the rules and the model (see the module doc). `heads` and `embedder`
    come together, or neither (then `problem` says why and this is the rules)."""

    def __init__(
        self,
        embedder: Embedder | None,
        heads: Heads | None,
        *,
        problem: str | None = None,
        with_rules: bool = True,
        critical_precedents: Precedents | None = None,
    ) -> None:
        self.embedder = embedder if heads is not None else None
        self.critical_precedents = critical_precedents
        self.heads = heads if embedder is not None else None
        self.problem = problem or (None if self.heads else "model not loaded")
        self.with_rules = with_rules
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        # The heads it started with (the shipped file): what a retrain refits.
        self.shipped = self.heads
        # Which heads read now: "shipped", or retrained ones from the database (`learning`).
        self.weights = "shipped"
        self.stored_id: int | None = None

    def use(self, heads: Heads, weights: str, stored_id: int | None) -> None:
        """Read with `heads` from the next message on (only with a model loaded)."""
        if self.embedder is not None:
            self.heads, self.weights, self.stored_id = heads, weights, stored_id

    @property
    def status(self) -> str:
        """What triage runs on, for `/healthz`: `local`, or the rules and why."""
        return "local" if self.heads is not None else f"rules ({self.problem})"

    async def read(self, inp: TriageInput) -> ModelReading | None:
        """What the model reads in the message (None without a model); the embedding runs
        in a worker thread, off the event loop."""
        if self.embedder is None or self.heads is None:
            return None
        vector = self._vectors.get(inp.text)
        if vector is None:
            rows = await asyncio.to_thread(self.embedder.embed, [inp.text])
            vector = rows[0].astype(np.float64)
            self._vectors[inp.text] = vector
            while len(self._vectors) > CACHED_VECTORS:
                self._vectors.popitem(last=False)
        return self.heads.read(vector)

    async def classify(self, inp: TriageInput) -> TriageDecision:
        rules = classify_text(inp)
        reading = await self.read(inp)
        if reading is None or self.heads is None:
            return rules
        decision = combine(inp, rules, reading, self.heads, with_rules=self.with_rules)
        return self._critical_like_precedent(inp, decision)

    def _critical_like_precedent(
        self, inp: TriageInput, decision: TriageDecision
    ) -> TriageDecision:
        """Critical when the report reads like one of the corpus's critical reports that
        the phrase tables do not name (`bot.triage.precedents`); never on a demand."""
        vector = self._vectors.get(inp.text)
        if self.critical_precedents is None or vector is None or not decision.should_ticket:
            return decision
        analysis = analyse(inp)
        if analysis.demand or analysis.critical_evidence:
            return decision
        like = self.critical_precedents.critical_like(vector)
        if like is None:
            return decision
        reason = f"{decision.reason} It reads like critical report {like} of the corpus."
        return replace(decision, priority=Priority.CRITICAL, critical_precedent=like, reason=reason)

    async def is_clear_noise(self, inp: TriageInput) -> bool:
        """True when no classifier is worth asking: the rules see no problem and no fix, and
        the model is confident there is none either. False whenever the model is missing."""
        rules = classify_text(inp)
        if rules.should_ticket or rules.suggest_close:
            return False
        reading = await self.read(inp)
        if reading is None or self.heads is None:
            return False
        thresholds = self.heads.thresholds
        return reading.ticket < thresholds.noise and reading.close < thresholds.close


def build_local(
    embedder: Embedder | None, weights: Path = WEIGHTS_PATH, *, problem: str | None = None
) -> LocalClassifier:
    """The local classifier on `embedder` with the heads in `weights`; the rules alone
    (logged) when there is no embedder or the weights do not fit its model."""
    if embedder is None:
        return LocalClassifier(None, None, problem=f"model unavailable: {problem}")
    try:
        heads = load_heads(embedding.model_id(), embedding.DIMENSIONS, weights)
    except WeightsError as exc:
        log.warning("triage.local_weights_unusable", extra={"problem": str(exc)})
        return LocalClassifier(None, None, problem=f"weights not usable: {exc}")
    return LocalClassifier(embedder, heads, critical_precedents=precedents.load())


_loaded: LocalClassifier | None = None
_load_lock = threading.Lock()


def load_local() -> LocalClassifier:
    """The process's local classifier on the shipped weights, built (and any problem logged)
    once."""
    global _loaded
    with _load_lock:
        if _loaded is None:
            embedder = embedding.load_embedder()
            _loaded = build_local(embedder, problem=embedding.embedder_problem())
            if _loaded.embedder is not None:
                # The engine's buffers are set up on the first message: at start, not on a
                # customer's message (and the memory a service reports idle is the real one).
                _loaded.embedder.embed(["warm-up"])
        return _loaded
