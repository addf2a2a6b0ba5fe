"""Assembly: builds the database, Slack client, services, Slack app and ASGI app from the
settings. `serve` and the end-to-end tests both start the product through here."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from fastapi import FastAPI
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from app.classifier import backend, build_classifier, describe
from app.scheduler import build_scheduler
from app.settings import Settings
from app.slack_clients import build_delivery_client, build_slack_client, pooled_sessions
from bot.access.links import SignInLinks
from bot.drain_loop import DrainLoop
from bot.intake.conversation import Conversations
from bot.intake.relay_inbox import RelayInbox
from bot.intake.relay_triage import RelayTriage
from bot.intake.worker import TriageWorker
from bot.monitoring.service import SystemEvents
from bot.presence import Presence, this_process
from bot.tickets.permissions import GroupMembers, Permissions
from bot.tickets.usecases import Operations
from bot.triage.learning import TriageLearning
from bot.triage.local import load_local
from delivery.sender import OutboxSender
from handlers import register_listeners
from handlers.edge.endpoint import SlackEndpoint
from handlers.services import Services
from storage.db import Database
from web.app import create_app
from web.dashboard.mount import Dashboard

log = logging.getLogger("clubos.runtime")

STOP_TIMEOUT_S = 5.0


@dataclass
class Runtime:
    settings: Settings
    database: Database
    client: AsyncWebClient
    delivery_client: AsyncWebClient  # the sender's (retries differ from `client`'s)
    permissions: Permissions
    operations: Operations
    presence: Presence
    sender: OutboxSender
    triage_worker: TriageWorker
    slack: AsyncApp | None
    sign_in: SignInLinks | None  # None: no secret to sign dashboard links with
    dashboard_url: str
    triage: str  # what triage runs on (`describe`), for /healthz
    learning: TriageLearning | None  # the local model's retraining, when it is loaded
    asgi: FastAPI = field(init=False)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _sessions: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack)
    scheduler: AsyncIOScheduler | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        token = self.settings.api_token
        events_token = self.settings.system_events_token
        self.asgi = create_app(
            self.operations,
            self.database.unreachable_reason,
            triage=self.triage,
            triage_weights=self.triage_weights,
            api_token=token.get_secret_value() if token else None,
            slack=endpoint.handle if (endpoint := self._slack_endpoint()) else None,
            max_body_bytes=self.settings.max_request_body_bytes,
            lifespan=self.lifespan,
            system_events=SystemEvents(self.database, self.settings.club, self.sender.wake),
            system_events_token=events_token.get_secret_value() if events_token else None,
            dashboard=Dashboard(
                self.operations,
                self.sign_in,
                # Without a key nobody can sign in, so no session is ever opened with this one.
                self.settings.dashboard_signing_key() or secrets.token_urlsafe(32),
                https_only=self.dashboard_url.startswith("https://"),
                operations=self.operations,
                conversations=Conversations(self.database),
            ),
        )

    def _slack_endpoint(self) -> SlackEndpoint | None:
        # Over Socket Mode nothing arrives over HTTP: no route to accept it.
        if self.slack is None or self.settings.slack_app_token is not None:
            return None
        secret = self.settings.slack_signing_secret
        return SlackEndpoint(
            self.slack.async_dispatch, secret.get_secret_value() if secret else None
        )

    def triage_weights(self) -> str | None:
        """Which weights the local model reads (for /healthz); None without the model."""
        return self.learning.local.weights if self.learning is not None else None

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: FastAPI) -> AsyncIterator[None]:
        await self.start()
        try:
            yield
        finally:
            await self.stop()

    async def start(self) -> None:
        learning = self.learning
        if learning is not None:
            await _first_refresh(learning)  # before the first message is triaged
        if self.slack is None:
            return
        await self._sessions.enter_async_context(
            pooled_sessions([self.client, self.delivery_client], self.settings.slack_timeout_s)
        )
        # Registered, and the workers found gone reaped, before the first claim: their
        # work is taken up at once.
        await self.presence.beat()
        self._tasks.append(asyncio.create_task(self.presence.run(), name="presence"))
        if learning is not None:
            self._tasks.append(asyncio.create_task(learning.run(), name="triage-weights"))
        self._tasks.append(asyncio.create_task(self.sender.run(), name="outbox-sender"))
        self._tasks.append(asyncio.create_task(self.triage_worker.run(), name="triage-worker"))
        # Digests, SLA checks, auto-archive, retraining: created and started inside the loop.
        self.scheduler = build_scheduler(
            self.database,
            self.settings.club,
            self.sender.wake,
            retrain=learning.retrain if learning is not None else None,
        )
        self.scheduler.start()

    async def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)  # cancels jobs still running
            self.scheduler = None
            await asyncio.sleep(0)  # the shutdown itself runs on the loop's next turn
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            # Bounded: a worker stuck in a driver call must not keep the process from ending.
            _, stuck = await asyncio.wait(self._tasks, timeout=STOP_TIMEOUT_S)
            for task in stuck:
                log.warning("runtime.task_did_not_stop", extra={"task": task.get_name()})
        self._tasks.clear()
        try:
            await asyncio.wait_for(self.presence.leave(), timeout=STOP_TIMEOUT_S)
        except Exception:  # the claims stay until this worker is found gone
            log.warning("runtime.leave_failed", exc_info=True)
        await self._sessions.aclose()
        try:
            await asyncio.wait_for(self.database.dispose(), timeout=STOP_TIMEOUT_S)
        except TimeoutError:
            log.warning("runtime.database_dispose_timed_out")


async def _first_refresh(learning: TriageLearning) -> None:
    try:
        await learning.refresh()
    except Exception:  # the shipped weights still triage; the periodic refresh tries again
        log.exception("triage.weights_refresh_failed")


def _learning(settings: Settings, database: Database) -> TriageLearning | None:
    """Retraining and stored weights for the local model, when triage reads it (the local
    backend, or the LLM's fallback) and it loaded."""
    if backend(settings) == "rules":
        return None
    local = load_local()  # the process's one local classifier, the one triage reads
    return TriageLearning(database, local) if local.embedder is not None else None


def build_runtime(
    settings: Settings, *, slack: bool = True, dashboard_url: str | None = None
) -> Runtime:
    """The product on `settings`; `dashboard_url` is where people reach it (PUBLIC_URL, or
    serve's address; by default serve's default address)."""
    dashboard_url = dashboard_url or settings.dashboard_url()
    club = settings.club
    database = Database(settings.database_url)
    client = build_slack_client(settings)

    permissions = Permissions(club, _group_members(client))
    presence = Presence(database, this_process())
    sender = OutboxSender(database, delivery_client := build_delivery_client(settings), presence)
    operations = Operations(database, club, permissions, sender.wake)
    classifier = build_classifier(settings, database)
    relay = RelayTriage(database, club, permissions, classifier, sender.wake)
    triage_worker = TriageWorker(database, relay, presence)
    presence.on_reaped = _waking(sender, triage_worker)
    signing_key = settings.dashboard_signing_key()
    sign_in = SignInLinks(database, signing_key, permissions) if signing_key else None
    services = Services(
        club, operations, RelayInbox(database, club), triage_worker.wake, sign_in, dashboard_url
    )
    slack_app = _slack_app(settings, client, services) if slack else None
    return Runtime(
        settings,
        database,
        client,
        delivery_client,
        permissions,
        operations,
        presence,
        sender,
        triage_worker,
        slack_app,
        sign_in,
        dashboard_url,
        describe(classifier),
        _learning(settings, database),
    )


def _waking(*loops: DrainLoop) -> Callable[[], None]:
    def wake() -> None:
        for loop in loops:
            loop.wake()

    return wake


def _group_members(client: AsyncWebClient) -> GroupMembers:
    """Who is in a Slack user group (the operators' group), asked of Slack."""

    async def group_members(group_id: str) -> set[str]:
        try:
            answer = await client.usergroups_users_list(usergroup=group_id)
        except SlackApiError as exc:
            log.warning(
                "permissions.group_lookup_failed", extra={"error": exc.response.get("error")}
            )
            return set()
        return set(answer.get("users") or [])

    return group_members


def _slack_app(settings: Settings, client: AsyncWebClient, services: Services) -> AsyncApp:
    secret = settings.slack_signing_secret
    slack_app = AsyncApp(
        client=client,
        signing_secret=secret.get_secret_value() if secret else None,
        # HTTP requests are verified before Bolt sees them (handlers.edge); Socket Mode
        # carries no signatures.
        request_verification_enabled=False,
    )
    register_listeners(slack_app, services)
    return slack_app
