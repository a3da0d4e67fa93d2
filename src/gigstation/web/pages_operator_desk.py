"""The operator's desk: find a person by phone or ID number, check them in, answer their
offer for them (no smartphone), print their job slip with the arrival and departure codes,
answer the recorded hours for them, verify certificates and priority groups."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template

from gigstation.api.runtime import Runtime
from gigstation.oversight import priority
from gigstation.people import accounts, lookup, workers
from gigstation.platform import clock
from gigstation.platform.db import transaction
from gigstation.platform.errors import DomainError, FieldError, Invalid
from gigstation.stations import checkins
from gigstation.web.forms import convert_form, form_text
from gigstation.web.i18n import lang_of
from gigstation.web.pages_operator import operator
from gigstation.web.qr import qr_svg, scan_url
from gigstation.web.render import field_errors, render
from gigstation.web.session import page_role
from gigstation.web.staff_common import my_stations, station_in_scope
from gigstation.web.worker_forms import until_choices, until_to_datetime
from gigstation.work import checkout, desk
from gigstation.work.assignments import ReasonBody
from gigstation.work.hours import HoursRules

__all__ = ["DeskPages"]

DISTANCE_CHOICES = (3000, 5000, 10000, 20000)
DONE = {
    "checked_in": ("已代为签到，等待派工", "Checked in: now waiting for a job"),
    "checked_out": ("已签退", "Checked out"),
    "accepted": ("已代为接受：请打印工作单交给本人（上面有地点、时间和到岗码）",
                 "Accepted for them: print the job slip for them (place, time and arrival code)"),
    "hours_confirmed": ("已代本人确认工时", "Hours confirmed for them"),
    "hours_contested": ("已代本人对工时提出异议，驿站会核实", "Hours contested for them: the station will check"),
    "declined": ("已代为拒绝", "Declined for them"),
    "pay_confirmed": ("已代本人确认收到工资", "Pay confirmed as received, for them"),
    "wage_disputed": ("已代本人投诉工资，驿站会跟进处理", "Wage complaint filed for them: the station follows it up"),
    "skill": ("证书已核验", "Certificate verified"),
    "priority": ("帮扶身份已核定", "Priority groups recorded"),
}


def _back(station_id: UUID, worker_id: UUID, done: str, job: UUID | None = None) -> Redirect:
    query = urlencode({"worker": str(worker_id), "done": done} | ({"job": str(job)} if job else {}))
    return Redirect(f"/operator/stations/{station_id}/desk?{query}#person", status_code=303)


class DeskPages(Controller):
    path = "/operator/stations/{station_id:uuid}/desk"
    guards = [page_role("operator")]  # noqa: RUF012  (Litestar reads it from the class)

    @get("/", name="operator.desk")
    async def desk_page(
        self, request: Request[Any, Any, Any], station_id: UUID, rt: Runtime,
        q: str = "", worker: UUID | None = None, done: str = "", job: UUID | None = None,
    ) -> Template:
        return await self._page(request, rt, station_id, q=q, worker_id=worker, done=done, job=job)

    async def _page(
        self, request: Request[Any, Any, Any], rt: Runtime, station_id: UUID, *, q: str = "",
        worker_id: UUID | None = None, done: str = "", errors: list[dict[str, str]] | None = None,
        status_code: int = 200, reset: accounts.ResetCode | None = None,
        priority_form: dict[str, dict[str, str]] | None = None, job: UUID | None = None,
    ) -> Template:
        who = operator(request)
        lang = lang_of(dict(request.cookies))
        errors = list(errors or [])
        person = None
        records: list[priority.PriorityRecord] = []
        async with transaction(rt.pool) as conn:
            station = await station_in_scope(conn, who, station_id)
            stations = await my_stations(conn, who)
            try:
                if worker_id is None and q.strip():
                    worker_id = (await lookup.find_worker(conn, rt.cipher, q)).id
                if worker_id is not None:
                    person = await desk.desk_person(conn, station_id, worker_id,
                                                    clock.today(rt.settings.timezone),
                                                    since=clock.day_start(rt.settings.timezone))
                    records = await priority.priority_records(conn, worker_id, clock.now())
            except DomainError as exc:
                errors += field_errors(exc, lang, {"q"})
                status_code = 404 if status_code == 200 else status_code
        zh, en = DONE.get(done, ("", ""))
        # Only times still ahead, with 明天 on those past midnight (a check-in at 21:30 is
        # offered 23:00 and 明天 01:00, never a 21:00 that would mean tomorrow evening).
        untils = until_choices(clock.now(), rt.settings.timezone, lang)
        return await render(
            request, rt, "operator/desk.html", status_code=status_code, station=station,
            stations=stations, person=person, q=q, errors=errors, done=en if lang == "en" else zh,
            until_choices=untils, default_until=untils[1][0] if len(untils) > 1 else untils[0][0],
            distance_choices=DISTANCE_CHOICES, priority_groups=workers.PRIORITY_GROUPS, now=clock.now(),
            reset=reset, records=records, priority_form=priority_form or {}, just_accepted=job)

    async def _fail(
        self, request: Request[Any, Any, Any], rt: Runtime, station_id: UUID, worker_id: UUID,
        exc: DomainError, known: set[str] | None = None,
        priority_form: dict[str, dict[str, str]] | None = None,
    ) -> Template:
        errors = field_errors(exc, lang_of(dict(request.cookies)), known or set())
        return await self._page(request, rt, station_id, worker_id=worker_id, errors=errors,
                                status_code=409 if exc.__class__.__name__ == "Conflict" else 422,
                                priority_form=priority_form)

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
            until = until_to_datetime(until_text, clock.now(), rt.settings.timezone)
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
            await checkout.check_out(conn, who, checkin_id)
        # Two one-tap questions for a person who found no work; the page returns to the desk.
        return Redirect(f"/operator/stations/{station_id}/desk/survey/{checkin_id}", status_code=303)

    @post("/offers/{offer_id:uuid}/{answer:str}", name="operator.desk.answer")
    async def answer(
        self, request: Request[Any, Any, Any], station_id: UUID, offer_id: UUID, answer: str,
        rt: Runtime,
    ) -> Response[Any] | Template:
        """Accept or decline for the person at the desk; audited as the operator's act."""
        who = operator(request)
        async with transaction(rt.pool) as conn:
            worker_id = await desk.desk_offer_worker(conn, who.user_id, offer_id)
        job = None
        try:
            async with transaction(rt.pool) as conn:
                if answer == "accept":
                    job = (await desk.accept_for_worker(conn, who.user_id, offer_id, rt.settings.timezone,
                                                        HoursRules.of(rt.settings))).id
                elif answer == "decline":
                    await desk.decline_for_worker(conn, who.user_id, offer_id)
                else:
                    raise Invalid("未知操作", "unknown answer")
        except DomainError as exc:
            return await self._fail(request, rt, station_id, worker_id, exc)
        return _back(station_id, worker_id, "accepted" if answer == "accept" else "declined", job)

    async def _worker_of(self, rt: Runtime, request: Request[Any, Any, Any], station_id: UUID,
                         assignment_id: UUID) -> UUID:
        """The person of a job of this station (another station's job is a 404, by the handler)."""
        async with transaction(rt.pool) as conn:
            return (await desk.desk_assignment(conn, operator(request), station_id, assignment_id)).worker_id

    @post("/jobs/{assignment_id:uuid}/slip", name="operator.desk.slip")
    async def job_slip(
        self, request: Request[Any, Any, Any], station_id: UUID, assignment_id: UUID, rt: Runtime
    ) -> Template:
        """The printable job slip. A POST: each print issues fresh one-time codes and voids the
        last slip's, and the codes appear on this answer only (never in a URL or a log)."""
        worker_id = await self._worker_of(rt, request, station_id, assignment_id)
        try:
            async with transaction(rt.pool) as conn:
                station = await station_in_scope(conn, operator(request), station_id)
                slip = await desk.print_job_slip(conn, operator(request), station_id, assignment_id,
                                                 clock.now(), HoursRules.of(rt.settings))
        except DomainError as exc:
            return await self._fail(request, rt, station_id, worker_id, exc)
        qrs = {c.event: "data:image/svg+xml;base64," + base64.b64encode(
                   qr_svg(scan_url(rt, assignment_id, c.short), scale=4)).decode()
               for c in slip.slip.codes}
        return await render(request, rt, "operator/slip.html", station=station, s=slip, qrs=qrs,
                            now=clock.now())

    @post("/jobs/{assignment_id:uuid}/hours/{answer:str}", name="operator.desk.hours")
    async def hours(
        self, request: Request[Any, Any, Any], station_id: UUID, assignment_id: UUID, answer: str,
        rt: Runtime,
    ) -> Response[Any] | Template:
        """Confirm or contest the recorded hours for the person at the desk (worker's own service)."""
        who = operator(request)
        worker_id = await self._worker_of(rt, request, station_id, assignment_id)
        form = await request.form()
        try:
            async with transaction(rt.pool) as conn:
                if answer == "confirm":
                    await desk.confirm_for_worker(conn, who, station_id, assignment_id, clock.now())
                elif answer == "contest":
                    data = convert_form({"reason": form_text(form, "reason")}, ReasonBody)
                    await desk.contest_for_worker(conn, who, station_id, assignment_id, data, clock.now())
                else:
                    raise Invalid("未知操作", "unknown answer")
        except DomainError as exc:
            return await self._fail(request, rt, station_id, worker_id, exc, {"reason"})
        return _back(station_id, worker_id, "hours_confirmed" if answer == "confirm" else "hours_contested")

    @post("/jobs/{assignment_id:uuid}/pay-confirm", name="operator.desk.pay_confirm")
    async def pay_confirm(
        self, request: Request[Any, Any, Any], station_id: UUID, assignment_id: UUID, rt: Runtime
    ) -> Response[Any] | Template:
        """Confirm for the person at the desk that the pay arrived (the worker's own service)."""
        worker_id = await self._worker_of(rt, request, station_id, assignment_id)
        try:
            async with transaction(rt.pool) as conn:
                await desk.confirm_pay_for_worker(conn, operator(request), station_id, assignment_id)
        except DomainError as exc:
            return await self._fail(request, rt, station_id, worker_id, exc)
        return _back(station_id, worker_id, "pay_confirmed")

    @post("/jobs/{assignment_id:uuid}/dispute", name="operator.desk.dispute")
    async def dispute(
        self, request: Request[Any, Any, Any], station_id: UUID, assignment_id: UUID, rt: Runtime
    ) -> Response[Any] | Template:
        """File a wage complaint for the person at the desk (the worker's own service)."""
        worker_id = await self._worker_of(rt, request, station_id, assignment_id)
        form = await request.form()
        try:
            async with transaction(rt.pool) as conn:
                data = convert_form({"reason": form_text(form, "reason")}, ReasonBody)
                await desk.dispute_for_worker(conn, operator(request), station_id, assignment_id, data)
        except DomainError as exc:
            return await self._fail(request, rt, station_id, worker_id, exc, {"reason"})
        return _back(station_id, worker_id, "wage_disputed")

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

    @post("/workers/{worker_id:uuid}/reset-code", name="operator.desk.reset_code")
    async def reset_code(
        self, request: Request[Any, Any, Any], station_id: UUID, worker_id: UUID, rt: Runtime
    ) -> Template:
        """The person forgot their password; the operator has checked their ID card in person.
        The code is shown on this answer only (never put in a URL)."""
        who = operator(request)
        try:
            async with transaction(rt.pool) as conn:
                await station_in_scope(conn, who, station_id)
            code = await accounts.issue_reset_code_checked(rt.pool, rt.settings, who, worker_id, clock.now())
        except DomainError as exc:
            return await self._fail(request, rt, station_id, worker_id, exc)
        return await self._page(request, rt, station_id, worker_id=worker_id, reset=code)

    @post("/workers/{worker_id:uuid}/priority", name="operator.desk.priority")
    async def verify_priority(
        self, request: Request[Any, Any, Any], station_id: UUID, worker_id: UUID, rt: Runtime
    ) -> Response[Any] | Template:
        """Record the groups ticked, each with the papers seen (oversight.priority's rules)."""
        who = operator(request)
        form = await request.form()
        ticked = [g for g in form.getall("groups", []) if g in workers.PRIORITY_GROUPS]
        filled = {g: {k: form_text(form, f"{g}.{k}") for k in ("type", "number", "note", "date", "expires")}
                  | {"on": "1" if g in ticked else ""} for g in workers.PRIORITY_GROUPS}
        zone = rt.settings.timezone
        try:
            # A ticked group with its boxes left empty keeps its current papers (the service
            # refuses it when there are none in force).
            entries: list[str | priority.PriorityEntry] = [
                _entry(g, filled[g]) if any(filled[g][k] for k in ("type", "number", "note", "date", "expires"))
                else g for g in ticked]
            async with transaction(rt.pool) as conn:
                await station_in_scope(conn, who, station_id)
                await priority.record_priority_groups(conn, who.user_id, worker_id, entries, zone,
                                                      clock.today(zone), rt.settings.priority_max_days)
        except DomainError as exc:
            exc.errors = [FieldError(_group_of(e.field, ticked), e.reason, e.reason_en) for e in exc.errors]
            return await self._fail(request, rt, station_id, worker_id, exc,
                                    set(workers.PRIORITY_GROUPS), priority_form=filled)
        return _back(station_id, worker_id, "priority")


def _entry(group: str, f: dict[str, str]) -> priority.PriorityEntry:
    """One group's evidence from the desk form (an empty date is caught as a field error)."""
    def day(text: str, field: str) -> date | None:
        try:
            return date.fromisoformat(text) if text else None
        except ValueError:
            raise Invalid.of_field(group, "日期格式不对", f"{field}: not a date") from None

    seen = day(f["date"], "evidence date")
    if not f["type"] or seen is None:
        raise Invalid.of_field(group, "请填写证明类型和证明日期", "give the document and its date")
    expires = day(f["expires"], "expiry")
    try:
        return convert_form({"group": group, "evidence_type": f["type"], "evidence_date": seen.isoformat(),
                             "expires_on": expires.isoformat() if expires else None,
                             "evidence_number": f["number"] or None, "evidence_note": f["note"] or None},
                            priority.PriorityEntry)
    except Invalid as exc:
        raise Invalid.of_field(group, exc.errors[0].reason, exc.errors[0].reason_en) from exc


def _group_of(field: str, ticked: list[str]) -> str:
    """``groups[i].expires_on`` (the service's name) -> the group's box on the page."""
    if field.startswith("groups[") and "]" in field:
        i = int(field[7:field.index("]")])
        return ticked[i] if i < len(ticked) else ""
    return field
