"""The operator's desk: find a person by phone or ID number, check them in, answer their
offer for them (no smartphone), verify certificates and priority groups."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from uuid import UUID
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template

from gigstation.api.runtime import Runtime
from gigstation.people import lookup, workers
from gigstation.platform import clock
from gigstation.platform.db import transaction
from gigstation.platform.errors import DomainError, Invalid
from gigstation.stations import checkins
from gigstation.web.forms import form_text
from gigstation.web.i18n import lang_of
from gigstation.web.pages_operator import operator
from gigstation.web.render import field_errors, render
from gigstation.web.session import page_role
from gigstation.web.staff_common import UNTIL_CHOICES, local_clock, my_stations, station_in_scope
from gigstation.work import desk
from gigstation.work.hours import HoursRules

__all__ = ["DeskPages"]

DISTANCE_CHOICES = (3000, 5000, 10000, 20000)
DONE = {
    "checked_in": ("已代为签到，等待派工", "Checked in: now waiting for a job"),
    "checked_out": ("已签退", "Checked out"),
    "accepted": ("已代为接受：请把工作地点和时间告诉本人", "Accepted for them: tell them where and when"),
    "declined": ("已代为拒绝", "Declined for them"),
    "skill": ("证书已核验", "Certificate verified"),
    "priority": ("帮扶身份已核定", "Priority groups recorded"),
}


def _default_until(rt: Runtime) -> str:
    """The first choice still ahead today (the last one late at night)."""
    local = clock.now().astimezone(ZoneInfo(rt.settings.timezone)).strftime("%H:%M")
    return next((c for c in UNTIL_CHOICES if c > local), UNTIL_CHOICES[-1])


def _back(station_id: UUID, worker_id: UUID, done: str) -> Redirect:
    query = urlencode({"worker": str(worker_id), "done": done})
    return Redirect(f"/operator/stations/{station_id}/desk?{query}#person", status_code=303)


class DeskPages(Controller):
    path = "/operator/stations/{station_id:uuid}/desk"
    guards = [page_role("operator")]  # noqa: RUF012  (Litestar reads it from the class)

    @get("/", name="operator.desk")
    async def desk_page(
        self, request: Request[Any, Any, Any], station_id: UUID, rt: Runtime,
        q: str = "", worker: UUID | None = None, done: str = "",
    ) -> Template:
        return await self._page(request, rt, station_id, q=q, worker_id=worker, done=done)

    async def _page(
        self, request: Request[Any, Any, Any], rt: Runtime, station_id: UUID, *, q: str = "",
        worker_id: UUID | None = None, done: str = "", errors: list[dict[str, str]] | None = None,
        status_code: int = 200,
    ) -> Template:
        who = operator(request)
        lang = lang_of(dict(request.cookies))
        errors = list(errors or [])
        person = None
        async with transaction(rt.pool) as conn:
            station = await station_in_scope(conn, who, station_id)
            stations = await my_stations(conn, who)
            try:
                if worker_id is None and q.strip():
                    worker_id = (await lookup.find_worker(conn, rt.cipher, q)).id
                if worker_id is not None:
                    person = await desk.desk_person(conn, station_id, worker_id,
                                                    clock.today(rt.settings.timezone))
            except DomainError as exc:
                errors += field_errors(exc, lang, {"q"})
                status_code = 404 if status_code == 200 else status_code
        zh, en = DONE.get(done, ("", ""))
        return await render(
            request, rt, "operator/desk.html", status_code=status_code, station=station,
            stations=stations, person=person, q=q, errors=errors, done=en if lang == "en" else zh,
            until_choices=UNTIL_CHOICES, default_until=_default_until(rt), distance_choices=DISTANCE_CHOICES,
            priority_groups=workers.PRIORITY_GROUPS, now=clock.now())

    async def _fail(
        self, request: Request[Any, Any, Any], rt: Runtime, station_id: UUID, worker_id: UUID,
        exc: DomainError, known: set[str] | None = None,
    ) -> Template:
        errors = field_errors(exc, lang_of(dict(request.cookies)), known or set())
        return await self._page(request, rt, station_id, worker_id=worker_id, errors=errors,
                                status_code=409 if exc.__class__.__name__ == "Conflict" else 422)

    @post("/checkin", name="operator.desk.checkin")
    async def check_in(
        self, request: Request[Any, Any, Any], station_id: UUID, rt: Runtime
    ) -> Response[Any] | Template:
        who = operator(request)
        form = await request.form()
        try:
            worker_id = UUID(form_text(form, "worker_id"))
        except ValueError:
            return await self._page(request, rt, station_id, status_code=422, errors=[
                {"field": "q", "text": "请先查找劳动者" if lang_of(dict(request.cookies)) == "zh"
                 else "find the worker first"}])
        try:
            until_text = form_text(form, "until_other") or form_text(form, "until")
            if not until_text:
                raise Invalid.of_field("until", "请选择空闲到几点", "choose until when they are free")
            until = local_clock(until_text, rt.settings.timezone, clock.now(), "until", roll=True)
            distance = int(form_text(form, "max_distance_m") or 10000)
            data = checkins.CheckinCreate(station_id=station_id, available_until=until,
                                          max_distance_m=distance, worker_id=worker_id)
            async with transaction(rt.pool) as conn:
                await checkins.check_in(conn, who, data, clock.now())
        except DomainError as exc:
            return await self._fail(request, rt, station_id, worker_id, exc,
                                    {"until", "max_distance_m"})
        return _back(station_id, worker_id, "checked_in")

    @post("/checkout/{checkin_id:uuid}", name="operator.desk.checkout")
    async def check_out(
        self, request: Request[Any, Any, Any], station_id: UUID, checkin_id: UUID, rt: Runtime
    ) -> Response[Any] | Template:
        who = operator(request)
        async with transaction(rt.pool) as conn:
            await station_in_scope(conn, who, station_id)
            checkin = await checkins.check_out(conn, who, checkin_id)
        return _back(station_id, checkin.worker_id, "checked_out")

    @post("/offers/{offer_id:uuid}/{answer:str}", name="operator.desk.answer")
    async def answer(
        self, request: Request[Any, Any, Any], station_id: UUID, offer_id: UUID, answer: str,
        rt: Runtime,
    ) -> Response[Any] | Template:
        """Accept or decline for the person at the desk; audited as the operator's act."""
        who = operator(request)
        async with transaction(rt.pool) as conn:
            worker_id = await desk.desk_offer_worker(conn, who.user_id, offer_id)
        try:
            async with transaction(rt.pool) as conn:
                if answer == "accept":
                    await desk.accept_for_worker(conn, who.user_id, offer_id, rt.settings.timezone,
                                                 HoursRules.of(rt.settings))
                elif answer == "decline":
                    await desk.decline_for_worker(conn, who.user_id, offer_id)
                else:
                    raise Invalid("未知操作", "unknown answer")
        except DomainError as exc:
            return await self._fail(request, rt, station_id, worker_id, exc)
        return _back(station_id, worker_id, "accepted" if answer == "accept" else "declined")

    @post("/workers/{worker_id:uuid}/skills/{skill:str}/verify", name="operator.desk.skill")
    async def verify_skill(
        self, request: Request[Any, Any, Any], station_id: UUID, worker_id: UUID, skill: str,
        rt: Runtime,
    ) -> Response[Any] | Template:
        who = operator(request)
        try:
            async with transaction(rt.pool) as conn:
                await station_in_scope(conn, who, station_id)
                await workers.verify_skill(conn, who.user_id, worker_id, skill)
        except DomainError as exc:
            return await self._fail(request, rt, station_id, worker_id, exc)
        return _back(station_id, worker_id, "skill")

    @post("/workers/{worker_id:uuid}/priority", name="operator.desk.priority")
    async def verify_priority(
        self, request: Request[Any, Any, Any], station_id: UUID, worker_id: UUID, rt: Runtime
    ) -> Response[Any] | Template:
        who = operator(request)
        form = await request.form()
        groups = [g for g in form.getall("groups", []) if g in workers.PRIORITY_GROUPS]
        try:
            async with transaction(rt.pool) as conn:
                await station_in_scope(conn, who, station_id)
                await workers.verify_priority_groups(conn, who.user_id, worker_id, groups)
        except DomainError as exc:
            return await self._fail(request, rt, station_id, worker_id, exc)
        return _back(station_id, worker_id, "priority")
