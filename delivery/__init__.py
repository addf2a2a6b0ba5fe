"""Delivery: the outbox sender, the only code that calls the Slack Web API."""
