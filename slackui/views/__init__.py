"""Block Kit builders: one function per view, built with slack_sdk.models."""
