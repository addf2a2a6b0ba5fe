"""SLA: service levels per priority and the notices that enforce them.

- `levels`: the rules alone (no I/O): each priority's deadlines for the first response
  and the resolution, and which notice level (warning, alert, breach) a clock has reached.
- `notices`: the checker the scheduler runs every minute: it finds the clocks that reached
  a level, records each notice once and queues it for Slack."""
