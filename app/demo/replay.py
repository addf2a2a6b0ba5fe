"""Playing the script: every step goes in as Slack or monitoring would send it, through
the product's real HTTP endpoints, and the demo waits for the product to finish with it.

Customer messages are posted into the stand-in as the relay bot's (so the thread shows
them) and delivered to `POST /slack/events` as signed events; an operator's clicks are
built from the card the product posted, as Slack builds them; monitoring posts to
`POST /api/system-events`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.demo.script import (
    OPERATOR,
    THREADS,
    BaysGoDark,
    CustomerSays,
    DigestNow,
    OperatorResolves,
    OperatorStarts,
    Step,
    Thread,
)
from app.demo.stage import Stage
from bot.followup.digest import post_digest
from slackui.ids import CARD_BLOCK_PREFIX, Action, ModalInput
from standin import slack_requests as rq
from standin.slack_requests.clicks import click_on

RELAY_BOT_ID = "B0RELAY"
CHART_FILE = "digest-chart.png"

JsonDict = dict[str, Any]


def card_ticket(message: Mapping[str, Any]) -> str | None:
    """The ticket id when `message` is a ticket card (the message an operator acts on)."""
    for block in message.get("blocks") or []:
        block_id = str(block.get("block_id", ""))
        elements = block.get("elements") or []
        if block_id.startswith(CARD_BLOCK_PREFIX) and any(
            e.get("action_id") == Action.ASSIGN.value for e in elements
        ):
            return block_id.removeprefix(CARD_BLOCK_PREFIX)
    return None


@dataclass(frozen=True)
class MonitoringAnswer:
    """What `POST /api/system-events` answered one event of the script."""

    location: str
    event: str
    bay: int | None
    decision: str
    ticket_id: str | None


@dataclass
class Replay:
    stage: Stage
    #: thread key -> the ts of the thread's first message (the thread's id in Slack)
    roots: dict[str, str] = field(default_factory=dict)
    monitoring: list[MonitoringAnswer] = field(default_factory=list)
    chart: str | None = None  # where the digest's chart was saved

    async def perform(self, step: Step) -> None:
        match step:
            case CustomerSays():
                await self._customer_says(step)
            case OperatorStarts():
                await self._click(step.thread, Action.STATUS, status="in_progress")
            case OperatorResolves():
                await self._resolve(step)
            case BaysGoDark():
                await self._bays_go_dark(step)
            case DigestNow():
                await self._digest()
        await self.stage.settle()

    def thread(self, key: str) -> Thread:
        return next(t for t in THREADS if t.key == key)

    async def _customer_says(self, step: CustomerSays) -> None:
        thread = self.thread(step.thread)
        root = self.roots.get(thread.key)
        metadata = {
            "event_type": "customer_message",
            "event_payload": {"customer_id": f"demo-{thread.key}", "location": thread.location},
        }
        ts = self.stage.stand_in.add_message(
            thread.channel,
            {"bot_id": RELAY_BOT_ID, "username": thread.customer, "text": step.text},
            thread_ts=root,
        )
        self.roots.setdefault(thread.key, ts)
        event = rq.message_event(
            thread.channel,
            step.text,
            ts=ts,
            thread_ts=root,
            bot_id=RELAY_BOT_ID,
            username=thread.customer,
            subtype="bot_message",
            metadata=metadata,
        )
        await self._post_signed(event)

    def _card(self, key: str) -> tuple[str, JsonDict]:
        """The channel and the current message of the ticket card in a thread."""
        thread = self.thread(key)
        for message in self.stage.stand_in.messages(thread.channel, self.roots[key]):
            if card_ticket(message) is not None:
                return thread.channel, message
        raise LookupError(f"no ticket card in the {key!r} thread")

    async def _click(self, key: str, action: Action, *, status: str | None = None) -> None:
        channel, card = self._card(key)
        clicked = click_on(card, action.value, option_suffix=f"|{status}" if status else None)
        await self._post_signed(
            rq.block_actions(
                OPERATOR,
                [clicked],
                channel=channel,
                message=card,
                response_url=self.stage.stand_in.response_url(),
            )
        )

    async def _resolve(self, step: OperatorResolves) -> None:
        opened_before = len(self.stage.stand_in.calls("views.open"))
        await self._click(step.thread, Action.RESOLVE)
        await self.stage.settle()
        opened = self.stage.stand_in.calls("views.open")
        if len(opened) == opened_before:
            raise RuntimeError("the Resolve button opened no modal")
        view = opened[-1]["view"]
        notes = ModalInput.RESOLUTION_NOTES.value
        await self._post_signed(
            rq.view_submission(
                OPERATOR,
                view["callback_id"],
                {notes: {notes: rq.plain_text(step.notes)}},
                private_metadata=view["private_metadata"],
            )
        )

    async def _bays_go_dark(self, step: BaysGoDark) -> None:
        for bay in step.bays:
            event = f"{step.device}_offline"
            answer = await self.stage.http.post(
                "/api/system-events",
                json={
                    "id": f"demo-{uuid.uuid4().hex[:12]}",
                    "location": step.location,
                    "event": event,
                    "device": step.device,
                    "bay": bay,
                    "source": "demo monitoring",
                },
                headers={"Authorization": f"Bearer {self.stage.events_token}"},
            )
            answer.raise_for_status()
            body = answer.json()
            self.monitoring.append(
                MonitoringAnswer(step.location, event, bay, body["decision"], body["ticket_id"])
            )

    async def _digest(self) -> None:
        runtime = self.stage.runtime
        await post_digest(
            runtime.database,
            runtime.settings.club,
            datetime.now(UTC),
            runtime.sender.wake,
            period=None,
        )
        await self.stage.settle()
        uploads = self.stage.stand_in.calls("upload")
        if uploads:
            path = self.stage.folder / CHART_FILE
            path.write_bytes(uploads[-1].raw)
            self.chart = str(path)

    async def _post_signed(self, request: rq.SlackRequest) -> None:
        answer = await rq.post_signed(self.stage.http, self.stage.signing_secret, request)
        if answer.status_code != 200:
            raise RuntimeError(f"/slack/events answered {answer.status_code}: {answer.text}")
