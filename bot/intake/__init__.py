"""Intake: customer messages relayed into Slack, from the inbox row written before the ack
to a ticket or a link (relay_inbox, worker, relay_triage), plus quick tickets and prefills."""
