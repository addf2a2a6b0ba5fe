"""Stand-ins of outside services that run inside the process (the demo and the tests use
them): the Slack Web API (`slack_api`), and requests signed as Slack sends them
(`slack_requests`), over one local HTTP server (`http_server`).

A leaf: it imports nothing of the product, and of the product only `app` (the demo) may
import it (import contracts in pyproject.toml).
"""
