"""Dashboard sessions and the headers every page is served with.

The session is Starlette's signed cookie (`clubos_session`: HttpOnly, SameSite=Lax, Secure
behind https). It holds the user id, when they signed in (sessions end 12 hours later,
however often the cookie is refreshed) and a CSRF token each change must echo.
"""

from __future__ import annotations

import hmac
import secrets
import time

from fastapi import FastAPI, HTTPException, Request
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "clubos_session"
SESSION_HOURS = 12
SESSION_SECONDS = SESSION_HOURS * 3600
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
# FastAPI's own API docs load their script from a CDN: the dashboard's policy would block it.
UNGUARDED_PATHS = ("/docs", "/redoc", "/openapi.json")


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every response but the API docs' pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNGUARDED_PATHS):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_sessions(app: FastAPI, secret: str, https_only: bool) -> None:
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_SECONDS,
        same_site="lax",
        https_only=https_only,
    )
    app.add_middleware(SecurityHeaders)


def start_session(request: Request, user_id: str) -> None:
    """A fresh session for `user_id` (nothing of an earlier one is kept)."""
    request.session.clear()
    request.session.update(
        user=user_id, signed_in_at=int(time.time()), csrf=secrets.token_urlsafe(32)
    )


def end_session(request: Request) -> None:
    request.session.clear()


def signed_in_user(request: Request) -> str | None:
    """Who is signed in; None without a session or when it is over 12 hours old."""
    user = request.session.get("user")
    signed_in_at = request.session.get("signed_in_at")
    if not isinstance(user, str) or not isinstance(signed_in_at, int):
        return None
    if time.time() - signed_in_at > SESSION_SECONDS:
        return None
    return user


def csrf_token(request: Request) -> str:
    """The token forms that change something carry (a hidden field named `csrf`)."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, token: str | None) -> None:
    """403 unless `token` is this session's CSRF token."""
    expected = request.session.get("csrf")
    if not isinstance(expected, str) or not token or not hmac.compare_digest(expected, token):
        raise HTTPException(status_code=403, detail="The form is out of date: reload the page.")
