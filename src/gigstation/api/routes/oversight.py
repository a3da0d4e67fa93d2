"""Oversight: station performance and the district report, exports, station ratings,
station planning, home areas and priority-group evidence (thin: parse, authorize, call)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from litestar import Controller, Request, Response, get, post, put
from litestar.params import QueryParameter

from gigstation.api.creating import create
from gigstation.api.routes.stations import require_station_access
from gigstation.api.runtime import Runtime
from gigstation.api.security import roles
from gigstation.oversight import employment, performance, planning, priority, station_ratings
from gigstation.oversight.complaints import CaseRules
from gigstation.oversight.exports import CONTENT_TYPES, render
from gigstation.platform import clock
from gigstation.platform.auth import Principal
from gigstation.platform.db import transaction
from gigstation.platform.errors import Invalid

__all__ = [
    "PerformanceController",
    "PlanningController",
    "PriorityEvidenceController",
    "StationRatingController",
]

Format = Literal["json", "csv", "xlsx"]
FileFormat = Literal["csv", "xlsx"]
_DATE = {"schema_extra": {"format": "date"}, "description": "YYYY-MM-DD, local; default today"}


def _date(name: str, text: str | None, default: date) -> date:
    if text is None:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid.of_field(name, "日期格式应为 YYYY-MM-DD", "must be a date, YYYY-MM-DD") from None


def _period(rt: Runtime, date_from: str | None, date_to: str | None) -> tuple[date, date]:
    today = clock.today(rt.settings.timezone)
    start = _date("from", date_from, today)
    end = _date("to", date_to, start if date_from is not None else today)
    performance.check_period(start, end)
    return start, end


def _file(fmt: FileFormat, name: str, sheet: str, headers: list[str], rows: list[list[Any]]) -> Response[bytes]:
    return Response(render(fmt, sheet, headers, rows), media_type=CONTENT_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


class PerformanceController(Controller):
    path = "/"
    tags = ("reports",)

    @get("/reports/district", guards=[roles("admin")],
         summary="全区驿站绩效对比 / Every station side by side for a period",
         description="format=csv or xlsx downloads the same figures as a file.")
    async def district(
        self, rt: Runtime,
        date_from: Annotated[str | None, QueryParameter(name="from", **_DATE)] = None,
        date_to: Annotated[str | None, QueryParameter(name="to", **_DATE)] = None,
        format: Format = "json",
    ) -> Response[Any]:
        start, end = _period(rt, date_from, date_to)
        async with transaction(rt.read_pool) as conn:  # the replica when there is one
            report = await performance.district_report(
                conn, start, end, rt.settings.timezone, rt.settings.settlement_days, clock.now(),
                CaseRules.of(rt.settings))
        if format == "json":
            return Response(report)
        headers, rows = performance.performance_table([*report.stations, report.district])
        return _file(format, f"district-{start}-{end}", "district", headers, rows)

    @get("/stations/{station_id:uuid}/performance", guards=[roles("operator", "admin")],
         summary="驿站绩效 / One station's performance for a period")
    async def station(
        self, request: Request[Principal, Any, Any], station_id: UUID, rt: Runtime,
        date_from: Annotated[str | None, QueryParameter(name="from", **_DATE)] = None,
        date_to: Annotated[str | None, QueryParameter(name="to", **_DATE)] = None,
        format: Format = "json",
    ) -> Response[Any]:
        start, end = _period(rt, date_from, date_to)
        async with transaction(rt.read_pool) as conn:  # the replica when there is one
            await require_station_access(conn, request.user, station_id)
            figures = await performance.station_performance(
                conn, station_id, start, end, rt.settings.timezone, rt.settings.settlement_days, clock.now(),
                CaseRules.of(rt.settings))
        if format == "json":
            return Response(figures)
        headers, rows = performance.performance_table([figures])
        return _file(format, f"station-{start}-{end}", "station", headers, rows)

    @get("/reports/employment", guards=[roles("admin")],
         summary="就业登记导出 / People who found work through a station (audited)")
    async def employment(
        self, request: Request[Principal, Any, Any], rt: Runtime,
        date_from: Annotated[str | None, QueryParameter(name="from", **_DATE)] = None,
        date_to: Annotated[str | None, QueryParameter(name="to", **_DATE)] = None,
        station_id: UUID | None = None,
        format: FileFormat = "csv",
    ) -> Response[bytes]:
        start, end = _period(rt, date_from, date_to)
        async with transaction(rt.pool) as conn:
            headers, rows = await employment.export_employment(
                conn, request.user.user_id, start, end, rt.settings.timezone, format, station_id)
        return _file(format, f"employment-{start}-{end}", "employment", headers, rows)


class StationRatingController(Controller):
    path = "/assignments/{assignment_id:uuid}/station-rating"
    tags = ("assignments",)

    @post("/", guards=[roles("worker")], summary="评价驿站服务 / Rate the station's service (1-5)")
    async def rate(
        self, request: Request[Principal, Any, Any], assignment_id: UUID,
        data: station_ratings.StationRatingCreate, rt: Runtime,
    ) -> Response[station_ratings.StationRatingView]:
        async def make(conn: Any) -> station_ratings.StationRatingView:
            return await station_ratings.rate_station(conn, request.user.user_id, assignment_id, data)

        return await create(request, rt, station_ratings.StationRatingView, make)


class PlanningController(Controller):
    path = "/"
    tags = ("planning",)

    @post("/planning/stations", guards=[roles("admin")], status_code=200,
          summary="新驿站选址（最大覆盖）/ Where to put the next stations (proven optimal)")
    async def plan(
        self, request: Request[Principal, Any, Any], data: planning.PlanRequest, rt: Runtime
    ) -> planning.StationPlan:
        async with transaction(rt.pool) as conn:
            return await planning.plan_from_workers(conn, request.user.user_id, data,
                                                    float(rt.settings.station_reach_m))

    @put("/workers/me/home-area", guards=[roles("worker")],
         summary="居住片区（约500米网格）/ My home area, kept only as a ~500 m cell")
    async def home_area(
        self, request: Request[Principal, Any, Any], data: planning.HomeArea, rt: Runtime
    ) -> planning.HomeAreaView:
        async with transaction(rt.pool) as conn:
            return await planning.set_home_area(conn, request.user.user_id, data)


class PriorityEvidenceController(Controller):
    path = "/workers/{worker_id:uuid}/priority-groups"
    tags = ("workers",)

    @get("/", guards=[roles("operator", "admin")],
         summary="重点群体及证明 / Priority groups with evidence and expiry")
    async def records(
        self, worker_id: UUID, rt: Runtime, include_history: bool = False
    ) -> list[priority.PriorityRecord]:
        async with transaction(rt.pool) as conn:
            return await priority.priority_records(conn, worker_id, clock.now(), include_history)
