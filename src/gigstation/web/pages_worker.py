"""The worker's phone pages: register, check in, wait for offers, today's job."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template

from gigstation.api.runtime import Runtime
from gigstation.api.security import client_address
from gigstation.people import workers
from gigstation.platform import clock, throttle
from gigstation.platform.auth import Principal
from gigstation.platform.db import connection as pooled
from gigstation.platform.db import transaction
from gigstation.platform.errors import DomainError, Invalid
from gigstation.platform.pagination import PageParams
from gigstation.stations import checkins, presence
from gigstation.stations import registry as stations
from gigstation.web.forms import convert_form, form_text
from gigstation.web.i18n import lang_of
from gigstation.web.render import field_errors, render
from gigstation.web.session import current_user, page_role, safe_next, signed_in_redirect
from gigstation.web.worker_forms import DISTANCES, ID_TYPES, skill_options, until_options, until_to_datetime
from gigstation.work import credit, offers, timesheet
from gigstation.work.hours import HoursRules
from gigstation.work.worker_day import open_checkin, todays_jobs

__all__ = ["WorkerPages"]

_REGISTER_FIELDS = {"name", "phone", "id_type", "id_number", "birth_date", "skills", "password"}
_CHECKIN_FIELDS = {"until", "max_distance_m", "presence_code", "lat", "available_until"}


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
            nearby = [] if checkin or jobs else (await stations.list_stations(conn, PageParams(20, 0))).items
        return await render(request, rt, "worker/home.html", checkin=checkin, station=station,
                            jobs=jobs, codes=codes, offers=live, stations=nearby, now=now)

    @get("/offers", name="worker.offers", guards=[page_role("worker")])
    async def offer_cards(self, request: Request[Any, Any, Any], rt: Runtime) -> Template:
        """The live offer cards (the waiting page re-fetches them on each event)."""
        who = _me(request)
        async with transaction(rt.pool) as conn:
            live = await credit.with_employer_records(conn, await offers.list_live_offers(conn, who.user_id))
            checkin = await open_checkin(conn, who.user_id)
        return await render(request, rt, "worker/_offers.html", offers=live, checkin=checkin,
                            now=clock.now())

    # ------------------------------------------------------------------ register

    @get("/register", name="worker.register")
    async def register_form(self, request: Request[Any, Any, Any], rt: Runtime,
                            next: str | None = None) -> Template:
        return await self._register_page(request, rt, {}, [], safe_next(next) or "")

    async def _register_page(self, request: Request[Any, Any, Any], rt: Runtime, values: dict[str, Any],
                             errors: list[dict[str, str]], next_path: str, status: int = 200) -> Template:
        lang = lang_of(dict(request.cookies))
        id_types = [(code, en if lang == "en" else zh) for code, zh, en in ID_TYPES]
        return await render(request, rt, "worker/register.html", status_code=status, values=values,
                            errors=errors, next=next_path, skills=skill_options(lang), id_types=id_types)

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
        try:
            data = convert_form(values, workers.WorkerCreate)
            async with pooled(rt.pool) as conn:  # before argon2: refusals cost no hashing
                await throttle.before_registration(conn, rt.settings, client_address(request))
            password_hash = await rt.hasher.hash(data.password)
            async with transaction(rt.pool) as conn:
                worker = await workers.register_worker(conn, rt.cipher, data, password_hash,
                                                       clock.now().date())
        except DomainError as exc:
            values.pop("password")
            return await self._register_page(
                request, rt, values, field_errors(exc, lang_of(dict(request.cookies)), _REGISTER_FIELDS),
                next_path or "", status=422)
        return signed_in_redirect(request, Principal(worker.id, "worker"), next_path or "/worker")

    # ------------------------------------------------------------------ check in

    @get("/checkin", name="worker.checkin", guards=[page_role("worker")])
    async def checkin_form(self, request: Request[Any, Any, Any], rt: Runtime, station: UUID,
                           code: str | None = None) -> Template | Response[Any]:
        who = _me(request)
        async with transaction(rt.pool) as conn:
            if await open_checkin(conn, who.user_id) is not None:
                return Redirect("/worker", status_code=303)
            place = await stations.get_station(conn, station)
        values = {"until": "", "max_distance_m": "10000",
                  "presence_code": code if code and code.isdigit() and len(code) == 6 else ""}
        return await self._checkin_page(request, rt, place, values, [])

    async def _checkin_page(self, request: Request[Any, Any, Any], rt: Runtime, station: stations.StationView,
                            values: dict[str, str], errors: list[dict[str, str]],
                            status: int = 200) -> Template:
        now = clock.now()
        return await render(request, rt, "worker/checkin.html", status_code=status, station=station,
                            values=values, errors=errors, untils=until_options(now, rt.settings.timezone),
                            distances=DISTANCES)

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
        except DomainError:
            return Redirect("/worker", status_code=303)
        try:
            until = values["until_other"] if values["until"] == "other" else values["until"]
            raw: dict[str, Any] = {
                "station_id": str(place.id),
                "available_until": until_to_datetime(until, now, rt.settings.timezone).isoformat(),
                "max_distance_m": values["max_distance_m"] or "10000",
            }
            if values["presence_code"]:
                raw["presence_code"] = values["presence_code"].replace(" ", "")
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
            return await self._checkin_page(request, rt, place, values, errors, status=422)
        return Redirect("/worker", status_code=303)

    @post("/checkout/{checkin_id:uuid}", name="worker.checkout", guards=[page_role("worker")])
    async def check_out(self, request: Request[Any, Any, Any], checkin_id: UUID, rt: Runtime) -> Response[Any]:
        async with transaction(rt.pool) as conn:
            await checkins.check_out(conn, _me(request), checkin_id)
        return Redirect("/worker", status_code=303)
