"""Slack listeners: thin adapters from Slack payloads to bot services."""
