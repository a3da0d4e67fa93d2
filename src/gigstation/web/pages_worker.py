"""The worker's phone pages: register, check in, wait for offers, today's job."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template

from gigstation.api.runtime import Runtime
from gigstation.api.security import client_address
from gigstation.people import workers
from gigstation.people.identity import InvalidIdentity, validate_identity
from gigstation.platform import clock, throttle
from gigstation.platform.auth import Principal
from gigstation.platform.db import connection as pooled
from gigstation.platform.db import transaction
from gigstation.platform.errors import DomainError, FieldError, Invalid
from gigstation.platform.pagination import PageParams
from gigstation.stations import checkins, presence
from gigstation.stations import registry as stations
from gigstation.web.forms import convert_every_field, convert_form, form_text, plain_identity
from gigstation.web.i18n import lang_of
from gigstation.web.pages_office import worker_notices
from gigstation.web.render import field_errors, render
from gigstation.web.session import current_user, page_role, safe_next, signed_in_redirect
from gigstation.web.worker_forms import (
    DISTANCES,
    ID_TYPES,
    PRESENCE_COOKIE,
    skill_options,
    until_choices,
    until_to_datetime,
)
from gigstation.work import checkout, credit, offers, timesheet
from gigstation.work.hours import HoursRules
from gigstation.work.worker_day import open_checkin, todays_jobs

__all__ = ["WorkerPages"]

_REGISTER_FIELDS = {"name", "phone", "id_type", "id_number", "birth_date", "skills", "password"}
_CHECKIN_FIELDS = {"until", "max_distance_m", "presence_code", "lat", "available_until"}


async def _has_pass(request: Request[Any, Any, Any], conn: Any, station_id: UUID) -> bool:
    """Whether this browser carries a valid presence pass for the station (read from its QR)."""
    held, _, token = request.cookies.get(PRESENCE_COOKIE, "").partition("|")
    return held == str(station_id) and await presence.verify_pass(conn, station_id, token, clock.now())


REGISTER_WORDS = {
    "name": ("请填写姓名（和证件上的一样）", "enter your full name as on your ID"),
    "phone": ("手机号应为11位数字，以1开头", "a mobile number has 11 digits and starts with 1"),
    "id_type": ("请选择证件类型", "choose the type of ID document"),
    "id_number": ("请填写证件号码", "enter the ID number"),
    "birth_date": ("请按 年-月-日 填写出生日期，例如 1980-05-17", "give the date of birth, such as 1980-05-17"),
    "skills": ("请从下面选会做的活", "choose what you can do from the list"),
    "password": ("密码至少要8位（字母、数字都可以）", "the password needs at least 8 characters"),
}


def identity_findings(values: dict[str, Any], today: date) -> list[FieldError]:
    """The document number checked beside the other fields, so every error shows at once."""
    findings: list[FieldError] = []
    if values["id_number"]:
        try:
            validate_identity(values["id_type"], values["id_number"], today)
        except InvalidIdentity as exc:
            findings.append(plain_identity(exc.field, exc.reason_zh, exc.reason_en))
    if values["id_type"] in ("hk_mo_travel_permit", "tw_travel_permit") and not values["birth_date"]:
        findings.append(FieldError("birth_date", "用通行证注册，请填写出生日期（通行证上没有）",
                                   "with a travel permit, give the date of birth (the permit does not show it)"))
    return findings


def _me(request: Request[Any, Any, Any]) -> Principal:
    who = current_user(request)
    assert who is not None  # page_role("worker") let only a signed-in worker through
    return who


class WorkerPages(Controller):
    path = "/worker"

    @get("/", name="worker.home", guards=[page_role("worker")])
    async def home(self, request: Request[Any, Any, Any], rt: Runtime) -> Template:
        who = _me(request)
        now = clock.now()
        async with transaction(rt.pool) as conn:
            checkin = await open_checkin(conn, who.user_id)
            station = await stations.get_station(conn, checkin.station_id) if checkin else None
            jobs = await todays_jobs(conn, who.user_id, now)
            rules = HoursRules.of(rt.settings)  # the code the employer scans (work.timesheet)
            codes = {job.id: await timesheet.worker_code(conn, who, job.id, rt.settings.token_secret(), now, rules)
                     for job in jobs if job.status in ("active", "completed")}
            live = await credit.with_employer_records(conn, await offers.list_live_offers(conn, who.user_id))
            notices = await worker_notices(rt, conn, who.user_id)
        return await render(request, rt, "worker/home.html", checkin=checkin, station=station,
                            jobs=jobs, codes=codes, offers=live, now=now, notices=notices)

    @get("/offers", name="worker.offers", guards=[page_role("worker")])
    async def offer_cards(self, request: Request[Any, Any, Any], rt: Runtime) -> Template:
        """The live offer cards (the waiting page re-fetches them on each event)."""
        who = _me(request)
        async with transaction(rt.pool) as conn:
            live = await credit.with_employer_records(conn, await offers.list_live_offers(conn, who.user_id))
            checkin = await open_checkin(conn, who.user_id)
            station = await stations.get_station(conn, checkin.station_id) if checkin else None
        return await render(request, rt, "worker/_offers.html", offers=live, checkin=checkin,
                            station=station, now=clock.now())

    # ------------------------------------------------------------------ register

    @get("/register", name="worker.register")
    async def register_form(self, request: Request[Any, Any, Any], rt: Runtime,
                            next: str | None = None) -> Template:
        return await self._register_page(request, rt, {}, [], safe_next(next) or "")

    async def _register_page(self, request: Request[Any, Any, Any], rt: Runtime, values: dict[str, Any],
                             errors: list[dict[str, str]], next_path: str, status: int = 200,
                             registered: bool = False) -> Template:
        lang = lang_of(dict(request.cookies))
        id_types = [(code, en if lang == "en" else zh) for code, zh, en in ID_TYPES]
        return await render(request, rt, "worker/register.html", status_code=status, values=values,
                            errors=errors, next=next_path, skills=skill_options(lang), id_types=id_types,
                            registered=registered)

    @post("/register", name="worker.register.submit")
    async def register(self, request: Request[Any, Any, Any], rt: Runtime) -> Response[Any] | Template:
        form = await request.form()
        values: dict[str, Any] = {
            "name": form_text(form, "name"), "phone": form_text(form, "phone"),
            "id_type": form_text(form, "id_type") or "resident_id",
            "id_number": form_text(form, "id_number").upper(),
            "birth_date": form_text(form, "birth_date") or None,
            "skills": [s for s in form.getall("skills", []) if isinstance(s, str)],
            "password": str(form.get("password") or ""),
        }
        next_path = safe_next(form_text(form, "next"))
        today = clock.today(rt.settings.timezone)
        try:
            data = convert_every_field(values, workers.WorkerCreate, REGISTER_WORDS,
                                       extra=identity_findings(values, today))
            async with pooled(rt.pool) as conn:  # before argon2: refusals cost no hashing
                await throttle.before_registration(conn, rt.settings, client_address(request))
            if data.phone is None or data.password is None:  # the form always sends both boxes
                raise Invalid.of_field("phone", "请填写手机号", "give a mobile number")
            password_hash = await rt.hasher.hash(data.password)
            async with transaction(rt.pool) as conn:
                worker = await workers.register_worker(conn, rt.cipher, data, password_hash, today)
        except DomainError as exc:
            # The password stays in its box (the answer is not cached: signed-out pages too are
            # sent no-store), so one wrong field does not cost typing it again.
            return await self._register_page(
                request, rt, values, field_errors(exc, lang_of(dict(request.cookies)), _REGISTER_FIELDS),
                next_path or "", status=422, registered=exc.code == "duplicate")
        return signed_in_redirect(request, Principal(worker.id, "worker"), next_path or "/worker")

    # ------------------------------------------------------------------ check in

    @get("/checkin", name="worker.checkin", guards=[page_role("worker")])
    async def checkin_form(self, request: Request[Any, Any, Any], rt: Runtime, station: UUID | None = None,
                           code: str | None = None, lat: float | None = None,
                           lon: float | None = None) -> Template | Response[Any]:
        who = _me(request)
        async with transaction(rt.pool) as conn:
            if await open_checkin(conn, who.user_id) is not None:
                return Redirect("/worker", status_code=303)
            if station is None:
                # No QR scanned: choose the station (nearest first when the phone gave a place).
                near = (lat, lon) if lat is not None and lon is not None and -90 <= lat <= 90 \
                    and -180 <= lon <= 180 else None
                page = await stations.list_stations(conn, PageParams(50, 0), near=near)
                return await render(request, rt, "worker/choose_station.html", stations=page.items,
                                    near=near is not None)
            place = await stations.get_station(conn, station)
            passed = await _has_pass(request, conn, station)
        values = {"until": "", "max_distance_m": "10000",
                  "presence_code": code if code and code.isdigit() and len(code) == 6 and not passed else ""}
        return await self._checkin_page(request, rt, place, values, [], passed=passed)

    async def _checkin_page(self, request: Request[Any, Any, Any], rt: Runtime, station: stations.StationView,
                            values: dict[str, str], errors: list[dict[str, str]],
                            status: int = 200, passed: bool = False) -> Template:
        now = clock.now()
        lang = lang_of(dict(request.cookies))
        return await render(request, rt, "worker/checkin.html", status_code=status, station=station,
                            values=values, errors=errors,
                            untils=until_choices(now, rt.settings.timezone, lang),
                            distances=DISTANCES, passed=passed)

    @post("/checkin", name="worker.checkin.submit", guards=[page_role("worker")])
    async def check_in(self, request: Request[Any, Any, Any], rt: Runtime) -> Response[Any] | Template:
        who = _me(request)
        form = await request.form()
        values = {name: form_text(form, name) for name in
                  ("station_id", "until", "until_other", "max_distance_m", "presence_code", "lat", "lon")}
        now = clock.now()
        try:
            async with transaction(rt.pool) as conn:
                place = await stations.get_station(conn, convert_form(values["station_id"], UUID))
                passed = await _has_pass(request, conn, place.id)
        except DomainError:
            return Redirect("/worker/checkin", status_code=303)
        try:
            until = values["until_other"] if values["until"] == "other" else values["until"]
            raw: dict[str, Any] = {
                "station_id": str(place.id),
                "available_until": until_to_datetime(until, now, rt.settings.timezone).isoformat(),
                "max_distance_m": values["max_distance_m"] or "10000",
            }
            typed = values["presence_code"].replace(" ", "")
            if typed:
                raw["presence_code"] = typed
            elif passed:
                # The QR's code was checked when it was scanned; the screen's code of this
                # minute stands in for it (presence.PASS_TTL).
                async with transaction(rt.pool) as conn:
                    raw["presence_code"] = await presence.current_code(conn, place.id, now)
            elif values["lat"] and values["lon"]:
                raw.update(lat=values["lat"], lon=values["lon"])
            data = convert_form(raw, checkins.CheckinCreate)
            async with transaction(rt.pool) as conn:
                await checkins.check_in(conn, who, data, now)
        except DomainError as exc:
            if isinstance(exc, Invalid) and exc.code == presence.PRESENCE_CODE:
                async with transaction(rt.pool) as conn:
                    await presence.record_failure(conn, who.user_id, now)
            errors = field_errors(exc, lang_of(dict(request.cookies)), _CHECKIN_FIELDS)
            for e in errors:
                e["field"] = {"available_until": "until", "lat": ""}.get(e["field"], e["field"])
            values["presence_code"] = ""
            return await self._checkin_page(request, rt, place, values, errors, status=422, passed=passed)
        response: Response[Any] = Redirect("/worker", status_code=303)
        if passed:
            response.delete_cookie(PRESENCE_COOKIE, path="/worker")
        return response

    @post("/checkout/{checkin_id:uuid}", name="worker.checkout", guards=[page_role("worker")])
    async def check_out(self, request: Request[Any, Any, Any], checkin_id: UUID, rt: Runtime) -> Response[Any]:
        async with transaction(rt.pool) as conn:
            await checkout.check_out(conn, _me(request), checkin_id)
        # A person who found no work is asked two one-tap questions (pages_office).
        return Redirect(f"/worker/survey/{checkin_id}", status_code=303)
