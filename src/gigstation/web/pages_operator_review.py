"""Operator review pages: today's figures (charts and the station map), the complaints
list, and the employers to verify."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template

from gigstation.api.runtime import Runtime
from gigstation.oversight import complaints as case_files
from gigstation.oversight import outcomes
from gigstation.oversight.charts import bar_chart
from gigstation.oversight.figures import station_figures
from gigstation.oversight.station_map import station_map
from gigstation.people import accounts, employer_review, employers
from gigstation.platform import clock
from gigstation.platform.db import transaction
from gigstation.platform.errors import DomainError, NotFound
from gigstation.platform.pagination import PageParams
from gigstation.web.forms import convert_form, form_text
from gigstation.web.i18n import lang_of
from gigstation.web.pages_office import office_figures
from gigstation.web.pages_operator import operator
from gigstation.web.render import field_errors, render
from gigstation.web.session import page_role
from gigstation.web.staff_common import my_stations, station_in_scope
from gigstation.work import assignments, complaints

__all__ = ["OperatorReviewPages", "figures_context"]

OUTCOME_DAYS = 90
"""The operator's figures show priority-group outcomes whose deadline fell in the last 90 days."""
CASE_DAYS = 30


async def figures_context(rt: Runtime, conn: Any, station_id: UUID, lang: str) -> dict[str, Any]:
    """Today's figures as numbers, three bar charts and the map."""
    zone = rt.settings.timezone
    figures = await station_figures(conn, station_id, clock.today(zone), zone, clock.now())
    hours = [f"{h}" for h in range(24)]
    return {
        "figures": figures,
        "checkins_chart": bar_chart(figures.checkins_by_hour, hours, label_every=3),
        "fills_chart": bar_chart(figures.fills_by_hour, hours, label_every=3),
        "distance_chart": bar_chart([b.count for b in figures.distances],
                                    [b.label_en if lang == "en" else b.label_zh for b in figures.distances]),
        "map": await station_map(conn, station_id),
        # Wage complaints of the last 30 days: closed, and closed by their stages' due dates.
        "cases": await case_files.case_figures(conn, station_id, clock.now() - timedelta(days=CASE_DAYS),
                                               clock.now(), clock.now(), case_files.CaseRules.of(rt.settings)),
        "cases_days": CASE_DAYS,
    }


class OperatorReviewPages(Controller):
    path = "/operator/stations/{station_id:uuid}"
    guards = [page_role("operator")]  # noqa: RUF012  (Litestar reads it from the class)

    @get("/figures", name="operator.figures")
    async def figures(self, request: Request[Any, Any, Any], station_id: UUID, rt: Runtime) -> Template:
        who = operator(request)
        async with transaction(rt.pool) as conn:
            station = await station_in_scope(conn, who, station_id)
            stations = await my_stations(conn, who)
            context = await figures_context(rt, conn, station_id, lang_of(dict(request.cookies)))
            context.update(await office_figures(rt, conn, station_id))
            today = clock.today(rt.settings.timezone)
            context["outcomes"] = await outcomes.outcome_figures(
                conn, outcomes.outcome_rules(rt.settings.outcome_months()), rt.settings.timezone, today,
                today - timedelta(days=OUTCOME_DAYS - 1), today, station_id)
        return await render(request, rt, "operator/figures.html", station=station, stations=stations,
                            **context)

    @get("/complaints", name="operator.complaints")
    async def complaints(
        self, request: Request[Any, Any, Any], station_id: UUID, rt: Runtime, done: str = ""
    ) -> Template:
        return await self._complaints(request, rt, station_id, done=done)

    async def _complaints(
        self, request: Request[Any, Any, Any], rt: Runtime, station_id: UUID, *, done: str = "",
        errors: list[dict[str, str]] | None = None, status_code: int = 200,
    ) -> Template:
        who = operator(request)
        async with transaction(rt.pool) as conn:
            station = await station_in_scope(conn, who, station_id)
            stations = await my_stations(conn, who)
            rules, now = case_files.CaseRules.of(rt.settings), clock.now()
            page = await case_files.with_case_status(
                conn, await complaints.list_complaints(conn, station_id, PageParams(limit=200)), now, rules)
            cases = {c.assignment.id: await case_files.case_of(conn, who, c.assignment.id, now, rules)
                     for c in page.items if c.kind == "wage_dispute"}
            closed = await case_files.closed_cases(conn, who, station_id, now, rules)
        return await render(request, rt, "operator/complaints.html", status_code=status_code,
                            station=station, stations=stations, complaints=page.items, cases=cases,
                            closed=closed, done=done, errors=errors or [],
                            outcomes=["paid", "partly_paid", "not_owed", "withdrawn", "referred"])

    @post("/complaints/{assignment_id:uuid}/resolve", name="operator.complaints.resolve")
    async def resolve(
        self, request: Request[Any, Any, Any], station_id: UUID, assignment_id: UUID, rt: Runtime
    ) -> Response[Any] | Template:
        who = operator(request)
        form = await request.form()
        body = assignments.ResolveBody(note=form_text(form, "note")[:500],
                                       no_show_overturned=form_text(form, "overturn") == "1",
                                       hours="planned" if form_text(form, "hours") == "planned" else "recorded")
        try:
            async with transaction(rt.pool) as conn:
                await station_in_scope(conn, who, station_id)
                await complaints.resolve(conn, who, assignment_id, body)
        except DomainError as exc:
            return await self._complaints(request, rt, station_id, status_code=409,
                                          errors=field_errors(exc, lang_of(dict(request.cookies)), set()))
        return Redirect(f"/operator/stations/{station_id}/complaints?done=1", status_code=303)

    @post("/complaints/{assignment_id:uuid}/escalate", name="operator.complaints.escalate")
    async def escalate(
        self, request: Request[Any, Any, Any], station_id: UUID, assignment_id: UUID, rt: Runtime
    ) -> Response[Any] | Template:
        """Send a wage complaint on to the district (oversight.complaints, as the API does)."""
        who = operator(request)
        form = await request.form()
        try:
            body = convert_form({"note": form_text(form, "note")}, case_files.StepBody)
            async with transaction(rt.pool) as conn:
                await station_in_scope(conn, who, station_id)
                await case_files.escalate(conn, who, assignment_id, body)
        except DomainError as exc:
            return await self._complaints(request, rt, station_id, status_code=422,
                                          errors=field_errors(exc, lang_of(dict(request.cookies)), set()))
        return Redirect(f"/operator/stations/{station_id}/complaints?done=escalated", status_code=303)

    @post(["/complaints/{assignment_id:uuid}/close", "/complaints/{assignment_id:uuid}/note"],
          name="operator.complaints.case")
    async def case_step(
        self, request: Request[Any, Any, Any], station_id: UUID, assignment_id: UUID, rt: Runtime,
    ) -> Response[Any] | Template:
        """Close a wage complaint with its outcome, or add the station's note (oversight.complaints)."""
        who = operator(request)
        step = request.url.path.rsplit("/", 1)[-1]
        form = await request.form()
        rules = case_files.CaseRules.of(rt.settings)
        try:
            async with transaction(rt.pool) as conn:
                await station_in_scope(conn, who, station_id)
                if step == "close":
                    body = convert_form({"outcome": form_text(form, "outcome"), "note": form_text(form, "note")},
                                        case_files.CloseBody)
                    await case_files.close_case(conn, who, assignment_id, body, clock.now(), rules)
                elif step == "note":
                    note = convert_form({"note": form_text(form, "note")}, case_files.MessageBody)
                    await case_files.add_message(conn, who, assignment_id, note, clock.now(), rules)
                else:
                    raise NotFound("页面不存在", "no such page")  # only the two paths above route here
        except DomainError as exc:
            return await self._complaints(request, rt, station_id,
                                          status_code=409 if exc.__class__.__name__ == "Conflict" else 422,
                                          errors=field_errors(exc, lang_of(dict(request.cookies)), set()))
        return Redirect(f"/operator/stations/{station_id}/complaints?done={'closed' if step == 'close' else 'note'}",
                        status_code=303)

    @get("/employers", name="operator.employers")
    async def employers_page(
        self, request: Request[Any, Any, Any], station_id: UUID, rt: Runtime, done: str = ""
    ) -> Template:
        return await self._employers(request, rt, station_id, done=done)

    async def _employers(
        self, request: Request[Any, Any, Any], rt: Runtime, station_id: UUID, *, done: str = "",
        errors: list[dict[str, str]] | None = None, status_code: int = 200,
        reset: accounts.ResetCode | None = None,
    ) -> Template:
        who = operator(request)
        async with transaction(rt.pool) as conn:
            station = await station_in_scope(conn, who, station_id)
            stations = await my_stations(conn, who)
            rows = await employer_review.employers_at_station(conn, station_id)
        return await render(request, rt, "operator/employers.html", status_code=status_code, station=station,
                            stations=stations, employers=rows, done=done, errors=errors or [], reset=reset,
                            reset_name=next((e.name for e in rows if reset and e.id == reset.user_id), ""))

    @post("/employers/{employer_id:uuid}/reset-code", name="operator.employers.reset_code")
    async def employer_reset_code(
        self, request: Request[Any, Any, Any], station_id: UUID, employer_id: UUID, rt: Runtime
    ) -> Template:
        """The employer forgot the password and came to the desk with the licence or ID card."""
        who = operator(request)
        try:
            async with transaction(rt.pool) as conn:
                await station_in_scope(conn, who, station_id)
            code = await accounts.issue_reset_code_checked(rt.pool, rt.settings, who, employer_id, clock.now())
        except DomainError as exc:
            return await self._employers(request, rt, station_id, status_code=422,
                                         errors=field_errors(exc, lang_of(dict(request.cookies)), set()))
        return await self._employers(request, rt, station_id, reset=code)

    @post("/employers/{employer_id:uuid}/verify", name="operator.employers.verify")
    async def verify(
        self, request: Request[Any, Any, Any], station_id: UUID, employer_id: UUID, rt: Runtime
    ) -> Response[Any]:
        who = operator(request)
        async with transaction(rt.pool) as conn:
            await station_in_scope(conn, who, station_id)
            await employers.verify_employer(conn, who.user_id, employer_id)
        return Redirect(f"/operator/stations/{station_id}/employers?done=1", status_code=303)
