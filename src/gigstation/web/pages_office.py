"""Pages for the office's follow-through: the checkout survey (the worker's phone and the
desk), courses and policy notices (workers see and sign up; operators and the office publish
and see the demand), training wishes, and the employer's rating of the station. Same
services as the API (oversight.satisfaction, oversight.outreach)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template

from gigstation.api.runtime import Runtime
from gigstation.oversight import outreach, satisfaction
from gigstation.oversight.reports import day_bounds
from gigstation.platform import clock, reference
from gigstation.platform.auth import Principal
from gigstation.platform.db import transaction
from gigstation.platform.errors import Conflict, DomainError, Invalid
from gigstation.web.forms import convert_form, form_text
from gigstation.web.i18n import lang_of
from gigstation.web.render import field_errors, render
from gigstation.web.session import current_user, page_role, safe_next
from gigstation.web.staff_common import my_stations, station_in_scope

__all__ = [
    "OFFICE_PAGES",
    "AdminNoticePages",
    "EmployerStationRatingPages",
    "OperatorOfficePages",
    "WorkerOfficePages",
    "office_figures",
    "screen_notices",
    "worker_notices",
]

FIGURES_DAYS = 30
"""The operator's figures page shows satisfaction over the last 30 days (a day has few answers)."""
HOME_NOTICES = 3
NOTICE_FIELDS = {"kind", "title", "body", "starts_on", "ends_on", "place", "seats", "skill", "station_id"}


def _who(request: Request[Any, Any, Any]) -> Principal:
    who = current_user(request)
    assert who is not None  # the role guard let only a signed-in user through
    return who


def _skills(lang: str) -> list[tuple[str, str]]:
    return [(code, s.en if lang == "en" else s.zh) for code, s in reference.skills().items()]


# --- helpers other page controllers call (one line each there) ---------------------------------


async def worker_notices(rt: Runtime, conn: Any, worker_id: UUID) -> list[outreach.NoticeView]:
    """The short list on the worker's page: their station's and the district's notices."""
    station_id = await outreach.worker_station(conn, worker_id)
    return await outreach.current_notices(conn, station_id, clock.today(rt.settings.timezone),
                                          worker_id=worker_id, limit=HOME_NOTICES + 1)


async def screen_notices(rt: Runtime, conn: Any, station_id: UUID) -> list[outreach.NoticeView]:
    """What the wall screen shows: the station's and the district's notices in force."""
    return await outreach.current_notices(conn, station_id, clock.today(rt.settings.timezone), limit=3)


async def office_figures(rt: Runtime, conn: Any, station_id: UUID | None) -> dict[str, Any]:
    """Satisfaction over the last :data:`FIGURES_DAYS` days and the training wanted."""
    zone = rt.settings.timezone
    today = clock.today(zone)
    start = day_bounds(today - timedelta(days=FIGURES_DAYS - 1), zone)[0]
    since = day_bounds(today - timedelta(days=outreach.LOCAL_DAYS - 1), zone)[0]
    return {
        "voices": await satisfaction.period_figures(conn, station_id, start, day_bounds(today, zone)[1]),
        "voices_days": FIGURES_DAYS,
        "reasons": satisfaction.REASONS,
        "demand": await outreach.training_demand(conn, station_id, today, since),
    }


# --- the worker's phone ----------------------------------------------------------------------


class WorkerOfficePages(Controller):
    path = "/worker"
    guards = [page_role("worker")]  # noqa: RUF012  (Litestar reads it from the class)

    @get("/survey/{checkin_id:uuid}", name="worker.survey")
    async def survey(self, request: Request[Any, Any, Any], checkin_id: UUID, rt: Runtime) -> Response[Any] | Template:
        async with transaction(rt.pool) as conn:
            state = await satisfaction.survey_state(conn, _who(request), checkin_id, clock.now())
        if not state.eligible:
            return Redirect("/worker", status_code=303)
        return await render(request, rt, "office/worker_survey.html", state=state,
                            reasons=satisfaction.REASONS, action=f"/worker/survey/{checkin_id}")

    @post("/survey/{checkin_id:uuid}", name="worker.survey.answer")
    async def answer(self, request: Request[Any, Any, Any], checkin_id: UUID, rt: Runtime) -> Response[Any]:
        data = await _survey_form(request)
        try:
            async with transaction(rt.pool) as conn:
                await satisfaction.answer_survey(conn, _who(request), checkin_id, data, clock.now())
        except Conflict:
            pass  # answered already, or closed: the page shows where things stand
        return Redirect(f"/worker/survey/{checkin_id}", status_code=303)

    @get("/notices", name="worker.notices")
    async def notices(self, request: Request[Any, Any, Any], rt: Runtime, done: str = "") -> Template:
        who = _who(request)
        async with transaction(rt.pool) as conn:
            station_id = await outreach.worker_station(conn, who.user_id)
            items = await outreach.current_notices(conn, station_id, clock.today(rt.settings.timezone),
                                                   worker_id=who.user_id)
            wishes = await outreach.wishes_of(conn, who.user_id)
        return await render(request, rt, "office/worker_notices.html", notices=items, done=done,
                            wished=[reference.skills()[s] for s in wishes.skills])

    @post("/notices/{notice_id:uuid}/{answer:str}", name="worker.notices.interest")
    async def interest(self, request: Request[Any, Any, Any], notice_id: UUID, answer: str,
                       rt: Runtime) -> Response[Any]:
        who = _who(request)
        form = await request.form()
        back = safe_next(form_text(form, "next")) or "/worker/notices"
        async with transaction(rt.pool) as conn:
            if answer == "interest":
                await outreach.register_interest(conn, who.user_id, notice_id, clock.today(rt.settings.timezone))
            elif answer == "no-interest":
                await outreach.withdraw_interest(conn, who.user_id, notice_id)
            else:
                raise Invalid("未知操作", "unknown answer")
        return Redirect(f"{back}#notice-{notice_id}", status_code=303)

    @get("/training", name="worker.training")
    async def training(self, request: Request[Any, Any, Any], rt: Runtime) -> Template:
        async with transaction(rt.pool) as conn:
            wishes = await outreach.wishes_of(conn, _who(request).user_id)
        return await render(request, rt, "office/worker_training.html", wished=set(wishes.skills),
                            skills=_skills(lang_of(dict(request.cookies))))

    @post("/training/{skill:str}/{answer:str}", name="worker.training.wish")
    async def wish(self, request: Request[Any, Any, Any], skill: str, answer: str, rt: Runtime) -> Response[Any]:
        who = _who(request)
        async with transaction(rt.pool) as conn:
            if answer == "add":
                await outreach.add_wish(conn, who.user_id, skill)
            elif answer == "remove":
                await outreach.remove_wish(conn, who.user_id, skill)
            else:
                raise Invalid("未知操作", "unknown answer")
        return Redirect(f"/worker/training#skill-{skill}", status_code=303)


async def _survey_form(request: Request[Any, Any, Any]) -> satisfaction.SurveyAnswer:
    form = await request.form()
    raw = {k: form_text(form, k) for k in ("satisfaction", "reason") if form_text(form, k)}
    return convert_form(raw, satisfaction.SurveyAnswer)


# --- the employer's rating of the station ------------------------------------------------------


class EmployerStationRatingPages(Controller):
    path = "/employer/orders/{order_id:uuid}"
    guards = [page_role("employer")]  # noqa: RUF012

    @post("/rate-station", name="employer.order.rate_station")
    async def rate(self, request: Request[Any, Any, Any], order_id: UUID, rt: Runtime) -> Response[Any]:
        form = await request.form()
        data = convert_form({"stars": form_text(form, "stars")}, satisfaction.EmployerStationRatingCreate)
        try:
            async with transaction(rt.pool) as conn:
                await satisfaction.rate_station_for_order(conn, _who(request).user_id, order_id, data, clock.now())
        except Conflict as exc:
            if exc.code != "already_rated":
                raise
        return Redirect(f"/employer/orders/{order_id}?done=station_rated#station-rating", status_code=303)


# --- operators: the desk survey, notices and courses -------------------------------------------


def _notice_values(form: Any) -> dict[str, str]:
    return {k: form_text(form, k) for k in NOTICE_FIELDS}


def _notice_data(values: dict[str, str], station_id: UUID | None) -> outreach.NoticeCreate:
    raw: dict[str, Any] = {k: v for k, v in values.items() if v and k != "station_id"}
    raw["station_id"] = str(station_id) if station_id else None
    if raw.get("kind") == "policy":
        raw.pop("seats", None)
        raw.pop("skill", None)
    return convert_form(raw, outreach.NoticeCreate)


def _blank_notice(today: date) -> dict[str, str]:
    return {"kind": "course", "title": "", "body": "", "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=30)).isoformat(), "place": "", "seats": "", "skill": "",
            "station_id": ""}


class OperatorOfficePages(Controller):
    path = "/operator/stations/{station_id:uuid}"
    guards = [page_role("operator")]  # noqa: RUF012

    @get("/desk/survey/{checkin_id:uuid}", name="operator.desk.survey")
    async def desk_survey(self, request: Request[Any, Any, Any], station_id: UUID, checkin_id: UUID,
                          rt: Runtime) -> Response[Any] | Template:
        who = _who(request)
        async with transaction(rt.pool) as conn:
            station = await station_in_scope(conn, who, station_id)
            state = await satisfaction.survey_state(conn, who, checkin_id, clock.now())
            stations = await my_stations(conn, who)
            name = await conn.fetchrow(_WORKER_NAME, checkin_id)
        back = f"/operator/stations/{station_id}/desk?worker={_worker_of(name)}&done=checked_out#person"
        if not state.open and state.satisfaction is None and state.reason is None:
            return Redirect(back, status_code=303)
        return await render(request, rt, "office/desk_survey.html", station=station, stations=stations,
                            state=state, reasons=satisfaction.REASONS, back=back,
                            person=name["name"] if name is not None else "",
                            action=f"/operator/stations/{station_id}/desk/survey/{checkin_id}")

    @post("/desk/survey/{checkin_id:uuid}", name="operator.desk.survey.answer")
    async def desk_answer(self, request: Request[Any, Any, Any], station_id: UUID, checkin_id: UUID,
                          rt: Runtime) -> Response[Any]:
        who = _who(request)
        data = await _survey_form(request)
        try:
            async with transaction(rt.pool) as conn:
                await station_in_scope(conn, who, station_id)
                await satisfaction.answer_survey(conn, who, checkin_id, data, clock.now())
        except Conflict:
            pass
        return Redirect(f"/operator/stations/{station_id}/desk/survey/{checkin_id}", status_code=303)

    @get("/notices", name="operator.notices")
    async def notices(self, request: Request[Any, Any, Any], station_id: UUID, rt: Runtime,
                      done: str = "") -> Template:
        return await self._page(request, rt, station_id, done=done)

    async def _page(self, request: Request[Any, Any, Any], rt: Runtime, station_id: UUID, *,
                    values: dict[str, str] | None = None, errors: list[dict[str, str]] | None = None,
                    done: str = "", status_code: int = 200) -> Template:
        who = _who(request)
        today = clock.today(rt.settings.timezone)
        async with transaction(rt.pool) as conn:
            station = await station_in_scope(conn, who, station_id)
            stations = await my_stations(conn, who)
            items = await outreach.managed_notices(conn, who, today, station_id)
        return await render(request, rt, "office/operator_notices.html", status_code=status_code,
                            station=station, stations=stations, notices=items, done=done,
                            values=values or _blank_notice(today), errors=errors or [],
                            skills=_skills(lang_of(dict(request.cookies))), scope="operator",
                            action=f"/operator/stations/{station_id}/notices")

    @post("/notices", name="operator.notices.publish")
    async def publish(self, request: Request[Any, Any, Any], station_id: UUID, rt: Runtime) -> Response[Any] | Template:
        values = _notice_values(await request.form())
        try:
            data = _notice_data(values, station_id)
            async with transaction(rt.pool) as conn:
                await outreach.publish(conn, _who(request), data, clock.today(rt.settings.timezone))
        except DomainError as exc:
            return await self._page(request, rt, station_id, values=values, status_code=422,
                                    errors=field_errors(exc, lang_of(dict(request.cookies)), NOTICE_FIELDS))
        return Redirect(f"/operator/stations/{station_id}/notices?done=published", status_code=303)

    @post("/notices/{notice_id:uuid}/withdraw", name="operator.notices.withdraw")
    async def withdraw(self, request: Request[Any, Any, Any], station_id: UUID, notice_id: UUID,
                       rt: Runtime) -> Response[Any]:
        async with transaction(rt.pool) as conn:
            await station_in_scope(conn, _who(request), station_id)
            await outreach.withdraw(conn, _who(request), notice_id)
        return Redirect(f"/operator/stations/{station_id}/notices?done=withdrawn", status_code=303)


_WORKER_NAME = """
SELECT u.id, u.name FROM checkins c JOIN users u ON u.id = c.worker_id WHERE c.id = $1
"""


def _worker_of(row: Any) -> str:
    return str(row["id"]) if row is not None else ""


# --- the office ------------------------------------------------------------------------------


class AdminNoticePages(Controller):
    path = "/admin/notices"
    guards = [page_role("admin")]  # noqa: RUF012

    @get("/", name="admin.notices")
    async def page(self, request: Request[Any, Any, Any], rt: Runtime, done: str = "") -> Template:
        return await self._page(request, rt, done=done)

    async def _page(self, request: Request[Any, Any, Any], rt: Runtime, *, values: dict[str, str] | None = None,
                    errors: list[dict[str, str]] | None = None, done: str = "",
                    status_code: int = 200) -> Template:
        who = _who(request)
        today = clock.today(rt.settings.timezone)
        async with transaction(rt.pool) as conn:
            stations = await my_stations(conn, who)
            items = await outreach.managed_notices(conn, who, today)
            figures = await office_figures(rt, conn, None)
        return await render(request, rt, "office/admin_notices.html", status_code=status_code,
                            stations=stations, notices=items, done=done, values=values or _blank_notice(today),
                            errors=errors or [], skills=_skills(lang_of(dict(request.cookies))),
                            scope="admin", action="/admin/notices", **figures)

    @post("/", name="admin.notices.publish")
    async def publish(self, request: Request[Any, Any, Any], rt: Runtime) -> Response[Any] | Template:
        values = _notice_values(await request.form())
        try:
            try:
                station_id = UUID(values["station_id"]) if values["station_id"] else None
            except ValueError:
                raise Invalid.of_field("station_id", "请选择驿站或全区", "choose a station or the district") from None
            data = _notice_data(values, station_id)
            async with transaction(rt.pool) as conn:
                await outreach.publish(conn, _who(request), data, clock.today(rt.settings.timezone))
        except DomainError as exc:
            return await self._page(request, rt, values=values, status_code=422,
                                    errors=field_errors(exc, lang_of(dict(request.cookies)), NOTICE_FIELDS))
        return Redirect("/admin/notices?done=published", status_code=303)

    @post("/{notice_id:uuid}/withdraw", name="admin.notices.withdraw")
    async def withdraw(self, request: Request[Any, Any, Any], notice_id: UUID, rt: Runtime) -> Response[Any]:
        async with transaction(rt.pool) as conn:
            await outreach.withdraw(conn, _who(request), notice_id)
        return Redirect("/admin/notices?done=withdrawn", status_code=303)


OFFICE_PAGES: list[type] = [WorkerOfficePages, EmployerStationRatingPages, OperatorOfficePages,
                            AdminNoticePages]
