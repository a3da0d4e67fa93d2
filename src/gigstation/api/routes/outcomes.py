"""Outcomes for priority groups: the station's due list, one person's cases and follow-ups,
the district's share met on time (thin: parse, authorize, call oversight.outcomes)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.params import QueryParameter

from gigstation.api.creating import create
from gigstation.api.routes.stations import require_station_access
from gigstation.api.runtime import Runtime
from gigstation.api.security import roles
from gigstation.oversight import outcomes, performance
from gigstation.oversight.reports import check_report_day
from gigstation.platform import clock
from gigstation.platform.auth import Principal
from gigstation.platform.db import transaction
from gigstation.platform.errors import Invalid

__all__ = ["PriorityOutcomeController", "rules_of"]

_STAFF = roles("operator", "admin")
_DATE = {"schema_extra": {"format": "date"}, "description": "YYYY-MM-DD, local"}
FIGURE_DAYS = 90
"""The figures' default period: deadlines in the last 90 days."""


def rules_of(rt: Runtime) -> dict[str, outcomes.OutcomeRule]:
    """The groups with an outcome deadline, as this office has set them."""
    return outcomes.outcome_rules(rt.settings.outcome_months())


def _date(name: str, text: str | None, default: date) -> date:
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid.of_field(name, "日期格式应为 YYYY-MM-DD", "must be a date, YYYY-MM-DD") from None


def figure_period(today: date, date_from: str | None, date_to: str | None) -> tuple[date, date]:
    """The deadlines the figures take (default: the last :data:`FIGURE_DAYS` days), checked."""
    end = _date("to", date_to, today)
    check_report_day(end, "to")  # before the default below: 0001-01-01 minus 89 days overflows
    start = _date("from", date_from, end - timedelta(days=FIGURE_DAYS - 1))
    performance.check_period(start, end)
    return start, end


class PriorityOutcomeController(Controller):
    path = "/"
    tags = ("priority outcomes",)

    @get("/stations/{station_id:uuid}/priority-outcomes/due", guards=[_STAFF],
         summary="本周到期未就业 / People in a priority group who reach their deadline within 7 days "
                 "without work, and those past it")
    async def due(self, request: Request[Principal, Any, Any], station_id: UUID, rt: Runtime) -> outcomes.DueList:
        zone = rt.settings.timezone
        async with transaction(rt.pool) as conn:
            await require_station_access(conn, request.user, station_id)
            return await outcomes.due_list(conn, rules_of(rt), station_id, zone, clock.today(zone))

    @get("/workers/{worker_id:uuid}/priority-outcome", guards=[_STAFF],
         summary="帮扶对象就业情况 / A person's priority-group cases (deadline, days left, offers, "
                 "jobs accepted and worked) and follow-ups")
    async def person(self, worker_id: UUID, rt: Runtime) -> outcomes.PersonOutcome:
        zone = rt.settings.timezone
        async with transaction(rt.pool) as conn:
            return await outcomes.person_outcome(conn, rules_of(rt), worker_id, zone, clock.today(zone))

    @post("/workers/{worker_id:uuid}/follow-ups", guards=[_STAFF],
          summary="记录跟踪回访 / Record a follow-up (call, visit, referral) with its result; "
                  "records are never changed")
    async def follow_up(
        self, request: Request[Principal, Any, Any], worker_id: UUID, data: outcomes.FollowUpCreate,
        rt: Runtime,
    ) -> Response[outcomes.FollowUpView]:
        return await create(request, rt, outcomes.FollowUpView,
                            lambda conn: outcomes.record_follow_up(conn, request.user, worker_id, data))

    @get("/reports/priority-outcomes", guards=[_STAFF],
         summary="重点群体按期就业率 / Share of priority-group cases met on time, per station and "
                 "group (deadlines in the period; default the last 90 days); operators name their station")
    async def figures(
        self, request: Request[Principal, Any, Any], rt: Runtime, station_id: UUID | None = None,
        date_from: Annotated[str | None, QueryParameter(name="from", **_DATE)] = None,
        date_to: Annotated[str | None, QueryParameter(name="to", **_DATE)] = None,
    ) -> outcomes.OutcomeFigures:
        zone = rt.settings.timezone
        today = clock.today(zone)
        start, end = figure_period(today, date_from, date_to)
        async with transaction(rt.read_pool) as conn:
            if station_id is not None:
                await require_station_access(conn, request.user, station_id)
            elif request.user.role != "admin":
                raise Invalid.of_field("station_id", "请指定驿站", "name the station")
            return await outcomes.outcome_figures(conn, rules_of(rt), zone, today, start, end, station_id)
