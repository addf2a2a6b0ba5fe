"""Triage: does a customer message deserve a ticket, in which category, how urgent.

`engine.triage(inp, classifier)` runs the SOP gate, the classifier and the policy;
`engine.triage_rules(inp)` does it with the embedded rules (no network, deterministic).

Nothing is imported here: the model's own process (model_worker.py) imports this package
for the forward pass alone, and the rest of triage would cost it 200 modules and 24 MB.
"""
