"""Slack presentation and delivery: ids, Block Kit builders, mrkdwn escaping, the outbox sender."""
