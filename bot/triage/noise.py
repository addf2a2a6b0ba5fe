"""Clear noise, read by the rules: a message that is, beyond doubt, no problem report, so
no LLM need be asked about it (see `types.NoiseFilter`).

Clear means positive evidence and nothing against it: nothing but greetings, thanks or
emoji, or a short request about a visit, a booking or a bill; no problem the rules read,
no fix confirmed, no repeat, escalation or demand, and no word that says something is
wrong or names the equipment and rooms problems are about. When in doubt it is not noise:
a wasted LLM call costs little, a lost report costs a customer.
"""

from __future__ import annotations

from bot.triage import lexicon as lx
from bot.triage.analysis import analyse
from bot.triage.types import TriageInput

NOISE_MAX_CHARS = 200  # a longer message says more than small talk


def is_clear_noise(inp: TriageInput) -> bool:
    """Whether `inp` is clearly no problem report. In a thread with an open ticket nothing
    is (a "thanks" there may confirm the fix)."""
    if inp.has_open_ticket:
        return False
    analysis = analyse(inp)
    if analysis.findings or analysis.fixed or analysis.repeat or analysis.escalate:
        return False
    norm = analysis.norm
    markers = lx.MARKERS
    if analysis.demand or len(norm) > NOISE_MAX_CHARS or markers.trouble.search(norm):
        return False
    return bool(
        markers.greeting.match(norm)
        or markers.thanks.match(norm)
        or markers.visit.search(norm)
        or markers.billing.search(norm)
    )
