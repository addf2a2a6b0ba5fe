"""Reading a submitted modal's `view.state.values` by our input ids."""

from __future__ import annotations

from typing import Any

from slackui.ids import ModalInput


class ViewState:
    def __init__(self, view: dict[str, Any]) -> None:
        self.values: dict[str, dict[str, Any]] = (view.get("state") or {}).get("values") or {}

    def _element(self, field: ModalInput) -> dict[str, Any]:
        return self.values.get(field.value, {}).get(field.value) or {}

    def text(self, field: ModalInput) -> str:
        return str(self._element(field).get("value") or "").strip()

    def selected(self, field: ModalInput) -> str | None:
        option = self._element(field).get("selected_option") or {}
        return str(option["value"]) if option.get("value") else None

    def user(self, field: ModalInput) -> str | None:
        user = self._element(field).get("selected_user")
        return str(user) if user else None

    def number(self, field: ModalInput) -> int | None:
        """A whole number, None when empty; ValueError when it is not a whole number."""
        raw = self.text(field)
        return int(raw) if raw else None

    def checked(self, field: ModalInput, value: str) -> bool:
        options = self._element(field).get("selected_options") or []
        return any(option.get("value") == value for option in options)
