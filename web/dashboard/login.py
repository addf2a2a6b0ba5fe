"""Signing in with the one-time link from `/ticket web`, and signing out.

The link's GET only shows a "Sign in" button: Slack's link previews (and other crawlers)
fetch it, and must not use it up. The button POSTs to the same URL, which redeems the
link (which refuses anyone no longer an operator) and opens the session.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.access.links import LinkRefused, SignInLinks
from bot.tickets.permissions import NotAllowed
from web.dashboard.pages import message, page
from web.dashboard.session import check_csrf, end_session, start_session

NOT_SET_UP = (
    "Dashboard sign-in is not set up on this server: it needs DASHBOARD_SECRET or "
    "SLACK_SIGNING_SECRET."
)
NOT_AN_OPERATOR = "Only operators can use the dashboard. Ask an admin to add you."


def login_routes(sign_in: SignInLinks | None) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/login/{token}")
    async def show_sign_in(request: Request, token: str) -> HTMLResponse:
        if sign_in is None:
            return message(request, "Sign-in unavailable", NOT_SET_UP, 503)
        return page(request, "login.html", token=token)

    @router.post("/login/{token}")
    async def sign_in_with_link(request: Request, token: str) -> Response:
        if sign_in is None:
            return message(request, "Sign-in unavailable", NOT_SET_UP, 503)
        try:
            user_id = await sign_in.redeem(token)
        except LinkRefused as refused:
            return message(request, "This link does not work", refused.reason.value, 403)
        except NotAllowed:
            return message(request, "Not allowed", NOT_AN_OPERATOR, 403)
        start_session(request, user_id)
        return RedirectResponse("/", status_code=303)

    @router.post("/logout")
    async def sign_out(request: Request) -> RedirectResponse:
        form = await request.form()
        token = form.get("csrf")
        check_csrf(request, token if isinstance(token, str) else None)
        end_session(request)
        return RedirectResponse("/signed-out", status_code=303)

    @router.get("/signed-out")
    async def signed_out(request: Request) -> HTMLResponse:
        return message(request, "Signed out", "You are not signed in to the dashboard.")

    return router
