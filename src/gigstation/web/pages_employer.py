"""Employer pages (phone or desktop): register with the commitment shown in full, post an
order (the minimum wage named on the form and enforced by the server), watch it fill,
cancel, confirm work done and pay sent, rate the workers."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg
from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template

from gigstation.api.runtime import Runtime
from gigstation.api.security import client_address
from gigstation.oversight import wages
from gigstation.people import employers
from gigstation.platform import clock, reference, throttle
from gigstation.platform.auth import Principal
from gigstation.platform.db import connection as pooled
from gigstation.platform.db import transaction
from gigstation.platform.errors import Conflict, DomainError, Invalid, NotFound
from gigstation.platform.geo import distance_m
from gigstation.platform.pagination import PageParams
from gigstation.stations import registry
from gigstation.web.forms import convert_form, form_text
from gigstation.web.i18n import lang_of
from gigstation.web.render import field_errors, render
from gigstation.web.session import current_user, page_role, signed_in_redirect
from gigstation.web.staff_common import local_clock, parse_fen, parse_int
from gigstation.work import assignments, blocks, cancellation, crew, orders, pay, ratings

__all__ = ["EmployerPages", "EmployerRegisterPages", "order_page"]

REGISTER_FIELDS = {"name", "kind", "contact_name", "phone", "password", "commitment", "credit_code",
                   "id_number"}
ORDER_FIELDS = {"title", "skill", "headcount", "day", "starts", "ends", "station", "address", "pay",
                "pay_unit", "description", "site_lat", "site_lon"}
# A phone's location farther than this from the chosen station is not the workplace of an
# order that station staffs (a wrong station, or a location taken elsewhere).
SITE_RADIUS_M = 30_000
# The domain names a field by its API name; the form by its own.
_FORM_NAME = {"pay_cents": "pay", "starts_at": "starts", "ends_at": "ends", "lat": "station",
              "lon": "station"}


def _employer(request: Request[Any, Any, Any]) -> Principal:
    who = current_user(request)
    assert who is not None
    return who


def _errors(exc: DomainError, lang: str, known: set[str]) -> list[dict[str, str]]:
    out = field_errors(exc, lang, None)
    for e in out:
        e["field"] = _FORM_NAME.get(e["field"], e["field"])
        if e["field"] not in known:
            e["field"] = ""
    return out


async def order_page(
    request: Request[Any, Any, Any], rt: Runtime, order_id: UUID, template: str, *,
    done: str = "", errors: list[dict[str, str]] | None = None, status_code: int = 200,
) -> Template:
    """An order with who is coming, each worker's record and hours (work.crew)."""
    who = _employer(request)
    async with transaction(rt.pool) as conn:
        order = await orders.get_order(conn, who, order_id)
        page = await assignments.list_assignments(conn, who, PageParams(limit=500))
        members = await crew.order_crew(conn, who, order_id, rt.settings.timezone, rt.settings.daily_hours_cap)
        blocked = {b.blocked_id for b in await blocks.list_blocks(conn, who)}
    coming = [a for a in page.items if a.order_id == order_id]
    return await render(request, rt, template, status_code=status_code, order=order,
                        coming=coming, crew={c.assignment_id: c for c in members}, blocked=blocked,
                        done=done, errors=errors or [])



def workplace(values: dict[str, str], station_lat: float, station_lon: float) -> tuple[float, float]:
    """Where the work is: the phone's location when the employer gave one at the site, else
    the chosen station's position (travel is then estimated from the station)."""
    if not values.get("site_lat") and not values.get("site_lon"):
        return station_lat, station_lon
    try:
        lat, lon = float(values["site_lat"]), float(values["site_lon"])
    except (KeyError, ValueError):
        lat = lon = math.nan
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):  # NaN fails both
        raise Invalid.of_field("site", "手机定位无效，请重新定位或不定位",
                               "the phone's location is not valid: locate again or leave it out")
    away = distance_m(lat, lon, station_lat, station_lon)
    if away > SITE_RADIUS_M:
        raise Invalid.of_field(
            "site", f"定位离所选驿站 {away / 1000:.0f} 公里，请选离工作地点最近的驿站",
            f"your location is {away / 1000:.0f} km from the chosen station: choose the station nearest the work")
    return lat, lon

class EmployerRegisterPages(Controller):
    """Registration: open to anyone."""

    path = "/employer/register"

    @get("/", name="employer.register")
    async def form(self, request: Request[Any, Any, Any], rt: Runtime) -> Template:
        return await render(request, rt, "employer/register.html", form={"kind": "company"},
                            commitment=employers.COMMITMENT_TEXT,
                            commitment_version=employers.COMMITMENT_VERSION)

    @post("/", name="employer.register.submit")
    async def submit(self, request: Request[Any, Any, Any], rt: Runtime) -> Response[Any] | Template:
        form = await request.form()
        values = {k: form_text(form, k) for k in REGISTER_FIELDS if k != "password"}
        kind = values.get("kind") or "company"
        data: dict[str, Any] = {
            "name": values["name"], "kind": kind, "contact_name": values["contact_name"],
            "phone": values["phone"], "password": str(form.get("password") or ""),
            "commitment": form_text(form, "commitment") == "yes",
        }
        if kind == "individual":
            data["id_number"] = values["id_number"] or None
        else:
            data["credit_code"] = values["credit_code"] or None
        try:
            create = convert_form(data, employers.EmployerCreate)
            async with pooled(rt.pool) as conn:  # before argon2: refusals cost no hashing
                await throttle.before_registration(conn, rt.settings, client_address(request))
            password_hash = await rt.hasher.hash(create.password)
            async with transaction(rt.pool) as conn:
                employer = await employers.register_employer(
                    conn, rt.cipher, create, password_hash, clock.today(rt.settings.timezone))
        except DomainError as exc:
            return await render(request, rt, "employer/register.html", status_code=422, form=values,
                                commitment=employers.COMMITMENT_TEXT,
                                commitment_version=employers.COMMITMENT_VERSION,
                                errors=_errors(exc, lang_of(dict(request.cookies)), REGISTER_FIELDS))
        return signed_in_redirect(request, Principal(employer.id, "employer"), "/employer")


class EmployerPages(Controller):
    path = "/employer"
    guards = [page_role("employer")]  # noqa: RUF012  (Litestar reads it from the class)

    @get("/", name="employer.home")
    async def home(self, request: Request[Any, Any, Any], rt: Runtime, done: str = "") -> Template:
        who = _employer(request)
        async with transaction(rt.pool) as conn:
            me = await employers.get_employer(conn, who.user_id)
            mine = await orders.list_orders(conn, who, PageParams(limit=50))
        return await render(request, rt, "employer/home.html", me=me, orders=mine.items, done=done)

    @post("/phone-sharing", name="employer.phone_sharing")
    async def phone_sharing(self, request: Request[Any, Any, Any], rt: Runtime) -> Response[Any]:
        """Turn on (or off) the call button that the workers of an active job see."""
        share = form_text(await request.form(), "share") == "yes"
        async with transaction(rt.pool) as conn:
            await employers.set_phone_sharing(conn, _employer(request).user_id, employers.PhoneSharing(share))
        return Redirect(f"/employer?done=phone_{'on' if share else 'off'}", status_code=303)

    async def _order_form(
        self, request: Request[Any, Any, Any], rt: Runtime, values: dict[str, str],
        errors: list[dict[str, str]] | None = None, status_code: int = 200,
    ) -> Template:
        today = clock.today(rt.settings.timezone)
        skills = sorted(reference.skills().values(), key=lambda k: k.code)
        refusal: list[dict[str, str]] = []
        async with transaction(rt.pool) as conn:
            page = await registry.list_stations(conn, PageParams(limit=500))
            stations = []
            for s in page.items:  # the office's wage table (oversight.wages), as the server checks it
                wage = await wages.minimum_in_force(conn, s.region, today)
                stations.append({"id": s.id, "name": s.name, "region": s.region,
                                 "min_fen": wage.hourly_fen if wage else 0,
                                 "min_from": wage.effective_from if wage else None})
            guidance = {k.code: await wages.guidance_in_force(conn, rt.settings.region, k.code, today)
                        for k in skills}
            try:  # a blacklisted employer is told why before filling the form in
                await orders.check_may_post(conn, _employer(request).user_id, today)
            except DomainError as exc:
                refusal = field_errors(exc, lang_of(dict(request.cookies)), set())
        return await render(request, rt, "employer/order_form.html", status_code=status_code,
                            stations=stations, skills=skills, form=values, guidance=guidance,
                            refusal=refusal, errors=errors or [], day_cap_h=rt.settings.daily_hours_cap)

    @get("/orders/new", name="employer.order.new")
    async def new_order(self, request: Request[Any, Any, Any], rt: Runtime) -> Template:
        local = clock.now().astimezone(ZoneInfo(rt.settings.timezone))
        start = (local + timedelta(hours=1)).replace(minute=0)
        return await self._order_form(request, rt, {
            "headcount": "1", "day": "today" if start.date() == local.date() else "tomorrow",
            "starts": start.strftime("%H:%M"), "ends": (start + timedelta(hours=4)).strftime("%H:%M"),
            "pay_unit": "hour", "skill": "loading"})

    @post("/orders", name="employer.order.create")
    async def create_order(self, request: Request[Any, Any, Any], rt: Runtime) -> Response[Any] | Template:
        who = _employer(request)
        form = await request.form()
        values = {k: form_text(form, k) for k in ORDER_FIELDS}
        zone = rt.settings.timezone
        try:
            order = await self._post(rt, who, values, zone)
        except DomainError as exc:
            return await self._order_form(request, rt, values, status_code=422,
                                          errors=_errors(exc, lang_of(dict(request.cookies)),
                                                        ORDER_FIELDS | {"site"}))
        return Redirect(f"/employer/orders/{order.id}?done=posted", status_code=303)

    async def _post(self, rt: Runtime, who: Principal, values: dict[str, str], zone: str) -> orders.OrderView:
        now = clock.now()
        starts = local_clock(values["starts"], zone, now, "starts")
        ends = local_clock(values["ends"], zone, now, "ends")
        if values["day"] == "tomorrow":
            starts, ends = starts + timedelta(days=1), ends + timedelta(days=1)
        if ends <= starts:  # a night shift ends the next morning
            ends += timedelta(days=1)
        try:
            station_id = UUID(values["station"])
        except ValueError as exc:
            raise Invalid.of_field("station", "请选择离工作地点最近的驿站",
                                   "choose the station nearest the workplace") from exc
        async with transaction(rt.pool) as conn:
            try:
                place = await registry.get_station(conn, station_id)
            except NotFound as exc:
                raise Invalid.of_field("station", "请选择离工作地点最近的驿站",
                                       "choose the station nearest the workplace") from exc
            lat, lon = workplace(values, place.lat, place.lon)
            data = convert_form({
                "title": values["title"], "skill": values["skill"],
                "headcount": parse_int(values["headcount"] or "0", "headcount", "请填写人数", "give a headcount"),
                "starts_at": starts.isoformat(), "ends_at": ends.isoformat(),
                "lat": lat, "lon": lon, "address": values["address"],
                "pay_cents": parse_fen(values["pay"], "pay"), "pay_unit": values["pay_unit"] or "hour",
                "description": values["description"],
            }, orders.OrderCreate)
            return await orders.create_order(conn, who.user_id, data, now, zone, "Shanghai",
                                             day_cap_h=rt.settings.daily_hours_cap)

    @get("/orders/{order_id:uuid}", name="employer.order")
    async def order(
        self, request: Request[Any, Any, Any], order_id: UUID, rt: Runtime, done: str = ""
    ) -> Template:
        return await self._order_page(request, rt, order_id, "employer/order.html", done=done)

    @get("/orders/{order_id:uuid}/live", name="employer.order.live")
    async def order_live(self, request: Request[Any, Any, Any], order_id: UUID, rt: Runtime) -> Template:
        return await self._order_page(request, rt, order_id, "employer/_order_live.html")

    async def _order_page(
        self, request: Request[Any, Any, Any], rt: Runtime, order_id: UUID, template: str, *,
        done: str = "", errors: list[dict[str, str]] | None = None, status_code: int = 200,
    ) -> Template:
        return await order_page(request, rt, order_id, template, done=done, errors=errors,
                                status_code=status_code)

    @post("/orders/{order_id:uuid}/cancel", name="employer.order.cancel")
    async def cancel(self, request: Request[Any, Any, Any], order_id: UUID, rt: Runtime) -> Response[Any] | Template:
        who = _employer(request)
        try:
            async with transaction(rt.pool) as conn:
                await cancellation.cancel_order(conn, who, order_id, clock.now())
        except DomainError as exc:
            return await self._order_page(request, rt, order_id, "employer/order.html", status_code=409,
                                          errors=field_errors(exc, lang_of(dict(request.cookies)), set()))
        return Redirect(f"/employer/orders/{order_id}?done=cancelled", status_code=303)

    @post("/orders/{order_id:uuid}/assignments/{assignment_id:uuid}/{action:str}",
          name="employer.assignment")
    async def assignment_action(
        self, request: Request[Any, Any, Any], order_id: UUID, assignment_id: UUID, action: str,
        rt: Runtime,
    ) -> Response[Any] | Template:
        """complete (work done), paid (pay sent), rate (stars for the worker)."""
        who = _employer(request)
        form = await request.form()
        try:
            async with transaction(rt.pool) as conn:
                if action == "complete":
                    hours = form_text(form, "hours")
                    await assignments.complete(conn, who, assignment_id, convert_form(
                        {"hours": float(hours) if hours else None}, assignments.CompleteBody), clock.now())
                elif action == "paid":
                    await _record_pay(conn, who, assignment_id, form)
                elif action == "rate":
                    stars = parse_int(form_text(form, "stars") or "0", "stars", "请选择星级", "choose the stars")
                    await ratings.rate(conn, who, assignment_id, convert_form(
                        {"stars": stars, "comment": form_text(form, "comment")[:300]}, ratings.RatingCreate))
                else:
                    raise Invalid("未知操作", "unknown action")
        except (DomainError, ValueError) as exc:
            err = exc if isinstance(exc, DomainError) else Invalid.of_field(
                "hours", "请填写工时（小时）", "give the hours worked")
            return await self._order_page(request, rt, order_id, "employer/order.html",
                                          status_code=409 if isinstance(err, Conflict) else 422,
                                          errors=field_errors(err, lang_of(dict(request.cookies)), set()))
        return Redirect(f"/employer/orders/{order_id}?done={action}", status_code=303)


async def _record_pay(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID, form: Any
) -> None:
    """The pay form: the amount, and (once pay is recorded) a reason for changing it. The
    service keeps the first record and adds the correction beside it."""
    reason = form_text(form, "correction_reason")
    data = convert_form({"amount_cents": parse_fen(form_text(form, "amount"), "amount"),
                         "correction_reason": reason or None}, assignments.PaidBody)
    try:
        await pay.record_pay(conn, who, assignment_id, data)
    except Conflict as exc:
        if exc.code != "pay_already_recorded" or reason:
            raise
        # The API's words name the JSON field; the page names its own box.
        before = await assignments.fetch_assignment(conn, assignment_id)
        yuan = (before.paid_cents or 0) / 100
        raise Invalid.of_field(
            "correction_reason",
            f"已登记工资 {yuan:.2f} 元。要改成新金额，请填写“更正原因”，原记录会保留",
            f"CNY {yuan:.2f} is already recorded. To change the amount, give a reason for the "
            "correction; the first record is kept") from exc
