"""Helpers shared by the Slack listener tests: payloads as Slack sends them, and reading
back what the app sent the Slack stub."""
