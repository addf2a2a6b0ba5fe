"""Follow-up: what happens to tickets over time: SLA levels and notices, recurrence parents,
the digest and its chart, auto-archive, and the period claims of scheduled jobs."""
