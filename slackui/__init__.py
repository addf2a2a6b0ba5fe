"""Slack presentation: every id Slack sees, Block Kit builders, mrkdwn escaping. Pure: no
I/O; the outbox sender that posts what these build is `delivery.sender`."""
