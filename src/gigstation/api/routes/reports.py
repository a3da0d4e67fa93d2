"""A station's day report and complaints list; workers' and employers' reliability."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get
from litestar.params import QueryParameter

from gigstation.api.routes.stations import Limit, Offset, page_params, require_station_access
from gigstation.api.runtime import Runtime
from gigstation.api.security import roles
from gigstation.oversight import complaints as cases
from gigstation.oversight import reports, snapshots
from gigstation.platform import clock
from gigstation.platform.auth import Principal
from gigstation.platform.db import transaction
from gigstation.platform.errors import Invalid
from gigstation.platform.pagination import Page
from gigstation.work import assignments, complaints, ratings

__all__ = ["ReliabilityController", "StationReportController"]


def _parse_date(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise Invalid.of_field("date", "日期格式应为 YYYY-MM-DD", "must be a date, YYYY-MM-DD") from None
    reports.check_report_day(day)  # the calendar's ends would overflow the day's bounds
    return day


class StationReportController(Controller):
    path = "/stations/{station_id:uuid}"
    tags = ("reports",)
    guards = (roles("operator", "admin"),)

    @get("/report", summary="驿站日报 / The station's day in figures",
         description="A day that is over is answered from its frozen figures (frozen_at).")
    async def report(
        self, request: Request[Principal, Any, Any], station_id: UUID, rt: Runtime,
        day: Annotated[str | None, QueryParameter(name="date", description="YYYY-MM-DD, local",
                                             schema_extra={"format": "date"})] = None,
    ) -> reports.StationReport:
        zone = rt.settings.timezone
        on = clock.today(zone) if day is None else _parse_date(day)
        async with transaction(rt.read_pool) as conn:  # the replica when there is one
            await require_station_access(conn, request.user, station_id)
            return await snapshots.day_report(conn, station_id, on, zone, clock.now())

    @get("/complaints", summary="待处理投诉 / Open wage disputes and contested no-shows")
    async def complaints(
        self, request: Request[Principal, Any, Any], station_id: UUID, rt: Runtime,
        limit: Limit = 50, offset: Offset = 0,
    ) -> Page[assignments.Complaint]:
        page = page_params(limit, offset, rt)
        async with transaction(rt.pool) as conn:
            await require_station_access(conn, request.user, station_id)
            return await cases.with_case_status(
                conn, await complaints.list_complaints(conn, station_id, page), clock.now(),
                cases.CaseRules.of(rt.settings))


class ReliabilityController(Controller):
    """Operators see any worker's or employer's record: neither belongs to one station."""

    path = "/"
    tags = ("reports",)
    guards = (roles("operator", "admin"),)

    @get("/workers/{worker_id:uuid}/reliability", summary="劳动者信用 / A worker's reliability")
    async def worker(self, worker_id: UUID, rt: Runtime) -> ratings.Reliability:
        async with transaction(rt.pool) as conn:
            return await ratings.reliability(conn, worker_id, "worker")

    @get("/employers/{employer_id:uuid}/reliability",
         summary="用工主体信用 / An employer's reliability")
    async def employer(self, employer_id: UUID, rt: Runtime) -> ratings.Reliability:
        async with transaction(rt.pool) as conn:
            return await ratings.reliability(conn, employer_id, "employer")
