"""The rules decide from the history they are given, with no database: the cases that
need no stored events or open tickets."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.club import Sop
from bot.monitoring.history import Case, History
from bot.monitoring.parsing import SystemEvent, read_event
from bot.monitoring.rules import Decision, NoTicket, OpenTicket, decide
from bot.tickets.domain import Category, Priority

AT = datetime(2025, 3, 1, 22, 0, tzinfo=UTC)
RESTART = Sop(device="trackman", procedure="restart TrackMan")


def case(event: str, bay: int | None = None) -> Case:
    reading = read_event(event)
    assert reading is not None, event
    system_event = SystemEvent("e-1", "Bedford", event, None, bay, AT, "unifi", AT)
    return Case(system_event, reading)


def test_a_first_offline_with_an_sop_only_runs_the_sop() -> None:
    plan = decide(case("trackman_offline", bay=2), History(), RESTART)
    assert isinstance(plan, NoTicket) and plan.decision is Decision.SOP
    assert "restart TrackMan" in plan.note


def test_a_failed_reset_opens_a_ticket_for_its_bay() -> None:
    plan = decide(case("trackman_reset_failed", bay=2), History(), RESTART)
    assert isinstance(plan, OpenTicket)
    assert (plan.category, plan.priority, plan.bay) == (Category.TECH, Priority.HIGH, 2)
    assert (plan.title, plan.problem_key) == ("TrackMan reset failed in Bay 2", "system:trackman:2")
    assert plan.covers == ("sys:Bedford:trackman:2",)


def test_internet_down_is_one_critical_ticket_for_the_location() -> None:
    plan = decide(case("internet_down"), History(), None)
    assert isinstance(plan, OpenTicket)
    assert (plan.priority, plan.bay) == (Priority.CRITICAL, None)
    assert plan.problem_key == "system:location:Bedford"


def test_back_online_with_no_open_ticket_plans_nothing() -> None:
    plan = decide(case("trackman_online", bay=2), History(), RESTART)
    assert plan == NoTicket(
        Decision.NOTHING, "TrackMan back online in Bay 2: no open ticket, nothing to do"
    )
