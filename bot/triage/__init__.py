"""Triage: does a customer message deserve a ticket, in which category, how urgent.

`triage(inp, classifier)` runs the SOP gate, the classifier and the policy;
`triage_rules(inp)` does it with the embedded rules (no network, deterministic).
"""

from bot.triage.engine import triage, triage_rules
from bot.triage.rules import RulesClassifier, classify_text
from bot.triage.types import Backend, Classifier, NoiseFilter, TriageDecision, TriageInput

__all__ = [
    "Backend",
    "Classifier",
    "NoiseFilter",
    "RulesClassifier",
    "TriageDecision",
    "TriageInput",
    "classify_text",
    "triage",
    "triage_rules",
]
