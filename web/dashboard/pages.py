"""Rendering dashboard pages: Jinja2 templates with autoescape on, so user text (titles,
descriptions, names) always reaches the browser as text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

HERE = Path(__file__).parent
STATIC = HERE / "static"
TEMPLATES = Jinja2Templates(
    env=Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
)
HOW_TO_GET_A_LINK = "Ask for a new link with /ticket web in Slack."


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)


def message(request: Request, title: str, text: str, status_code: int = 200) -> HTMLResponse:
    """A page that only says something (a refusal, signed out): with how to get back in."""
    return page(
        request, "message.html", status_code, title=title, text=text, hint=HOW_TO_GET_A_LINK
    )
