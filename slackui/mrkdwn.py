"""Untrusted text (customer messages, titles, notes) made safe for Slack mrkdwn."""

from __future__ import annotations


def escape(text: str) -> str:
    """Escape Slack's three control characters, so `<!channel>` or `<@U1>` pings nobody.

    `&` first, or the `&` of `&lt;` would be escaped again.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """Cut to `limit` characters with an ellipsis; Block Kit rejects longer texts."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quote(text: str, limit: int = 2800) -> str:
    """A block quote of untrusted text, escaped, then cut to fit one text object.

    Cutting after escaping can split an entity (`&l…`), which shows oddly but never
    restores a `<`.
    """
    lines = escape(text).splitlines() or [""]
    return truncate("\n".join(f"> {line}" for line in lines), limit)
