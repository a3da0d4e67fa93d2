"""Administrator pages for the figures the office answers for: every station's performance
side by side for a date range (with CSV and .xlsx downloads), and the employment
registration export (audited). Same services as ``/api/v1/reports/*`` (oversight.performance,
oversight.employment, oversight.exports), mounted here with the page session."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Literal

from litestar import Controller, Request, Response, get
from litestar.response import Template

from gigstation.api.runtime import Runtime
from gigstation.oversight import employment, outcomes, performance, satisfaction
from gigstation.oversight.complaints import CaseRules
from gigstation.oversight.exports import CONTENT_TYPES
from gigstation.oversight.exports import render as render_file
from gigstation.oversight.reports import check_report_day
from gigstation.platform import clock
from gigstation.platform.db import transaction
from gigstation.platform.errors import DomainError, Invalid
from gigstation.web.i18n import lang_of
from gigstation.web.render import field_errors, render
from gigstation.web.session import current_user, page_role

__all__ = ["AdminReportPages"]

FileFormat = Literal["csv", "xlsx"]


def _day(name: str, text: str | None, default: date) -> date:
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid.of_field(name, "日期格式应为 YYYY-MM-DD", "must be a date, YYYY-MM-DD") from None


def period(rt: Runtime, date_from: str | None, date_to: str | None) -> tuple[date, date]:
    """The range typed on the page (default: the last 7 days up to today), checked."""
    today = clock.today(rt.settings.timezone)
    end = _day("to", date_to, today)
    check_report_day(end, "to")  # before the default below: 0001-01-01 minus 6 days overflows
    start = _day("from", date_from, end - timedelta(days=6))
    performance.check_period(start, end)
    return start, end


def _file(fmt: FileFormat, name: str, sheet: str, headers: list[str], rows: list[list[Any]]) -> Response[bytes]:
    return Response(render_file(fmt, sheet, headers, rows), media_type=CONTENT_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"',
                             "Cache-Control": "no-store"})


class AdminReportPages(Controller):
    path = "/admin"
    guards = [page_role("admin")]  # noqa: RUF012  (Litestar reads it from the class)

    @get("/performance", name="admin.performance")
    async def performance_page(self, request: Request[Any, Any, Any], rt: Runtime,
                               date_from: str | None = None, date_to: str | None = None) -> Template:
        today = clock.today(rt.settings.timezone)
        try:
            start, end = period(rt, date_from, date_to)
        except DomainError as exc:
            return await render(request, rt, "admin/performance.html", status_code=422, report=None,
                                date_from=date_from or "", date_to=date_to or "", today=today,
                                errors=field_errors(exc, lang_of(dict(request.cookies)), {"from", "to"}))
        async with transaction(rt.pool) as conn:
            report = await performance.district_report(
                conn, start, end, rt.settings.timezone, rt.settings.settlement_days, clock.now(),
                CaseRules.of(rt.settings))
            figures = await outcomes.outcome_figures(
                conn, outcomes.outcome_rules(rt.settings.outcome_months()), rt.settings.timezone, today,
                start, end)
        return await render(request, rt, "admin/performance.html", report=report, today=today,
                            date_from=start.isoformat(), date_to=end.isoformat(), outcomes=figures,
                            reason_names=satisfaction.REASONS)

    @get("/performance/download/{fmt:str}", name="admin.performance.file")
    async def performance_file(self, rt: Runtime, fmt: str, date_from: str | None = None,
                               date_to: str | None = None) -> Response[bytes]:
        kind = _format(fmt)
        start, end = period(rt, date_from, date_to)
        async with transaction(rt.pool) as conn:
            report = await performance.district_report(
                conn, start, end, rt.settings.timezone, rt.settings.settlement_days, clock.now(),
                CaseRules.of(rt.settings))
        headers, rows = performance.performance_table([*report.stations, report.district])
        return _file(kind, f"district-{start}-{end}", "district", headers, rows)

    @get("/employment/download/{fmt:str}", name="admin.employment.file")
    async def employment_file(self, request: Request[Any, Any, Any], rt: Runtime, fmt: str,
                              date_from: str | None = None, date_to: str | None = None) -> Response[bytes]:
        """The employment registration export: administrators only, each download audited."""
        kind = _format(fmt)
        who = current_user(request)
        assert who is not None
        start, end = period(rt, date_from, date_to)
        async with transaction(rt.pool) as conn:
            headers, rows = await employment.export_employment(
                conn, who.user_id, start, end, rt.settings.timezone, kind)
        return _file(kind, f"employment-{start}-{end}", "employment", headers, rows)


def _format(text: str) -> FileFormat:
    if text == "csv":
        return "csv"
    if text == "xlsx":
        return "xlsx"
    raise Invalid("只能导出 csv 或 xlsx", "exports are csv or xlsx")
