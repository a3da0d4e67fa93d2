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
from gigstation.oversight import blacklist, complaints, satisfaction
from gigstation.people import employers
from gigstation.people.identity import InvalidIdentity, validate_credit_code, validate_identity
from gigstation.platform import clock, throttle
from gigstation.platform.auth import Principal
from gigstation.platform.db import connection as pooled
from gigstation.platform.db import transaction
from gigstation.platform.errors import Conflict, DomainError, FieldError, Invalid, NotFound
from gigstation.platform.geo import distance_m
from gigstation.platform.pagination import PageParams
from gigstation.stations import registry, wage_rules
from gigstation.web.forms import convert_every_field, convert_form, form_text, plain_identity
from gigstation.web.i18n import lang_of
from gigstation.web.render import field_errors, render
from gigstation.web.session import current_user, page_role, signed_in_redirect
from gigstation.web.staff_common import local_clock, parse_fen, parse_int
from gigstation.web.worker_forms import COMMON_SKILLS, sorted_skills
from gigstation.work import assignments, blocks, cancellation, crew, orders, pay, ratings

__all__ = ["EmployerPages", "EmployerRegisterPages", "order_page"]

REGISTER_FIELDS = {"name", "kind", "contact_name", "phone", "password", "commitment", "credit_code",
                   "id_number", "legal_rep_name", "legal_rep_id_number"}
ORDER_FIELDS = {"title", "skill", "headcount", "day", "starts", "ends", "station", "address", "pay",
                "pay_unit", "description", "site_lat", "site_lon", "pieces_per_hour"}
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
        station_rating = await satisfaction.employer_rating_state(conn, who.user_id, order_id, clock.now())
        cases = await complaints.cases_on_order(conn, who, order_id, clock.now(),
                                                complaints.CaseRules.of(rt.settings))
    coming = [a for a in page.items if a.order_id == order_id]
    return await render(request, rt, template, status_code=status_code, order=order, station_rating=station_rating,
                        cases=cases,
                        coming=coming, crew={c.assignment_id: c for c in members}, blocked=blocked,
                        done=done, errors=errors or [], now=clock.now())



async def _recent_orders(conn: asyncpg.Connection[Any], who: Principal) -> list[orders.OrderView]:
    """The employer's latest orders, newest first (for the order form's defaults)."""
    return (await orders.list_orders(conn, who, PageParams(limit=10))).items


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

EMPLOYER_WORDS = {  # in the form's order, top to bottom
    "kind": ("请选择单位或个人", "choose company or individual"),
    "name": ("请填写单位名称（个人填自己的姓名）", "give the company's name (an individual: your own name)"),
    "credit_code": ("请填写营业执照上的18位统一社会信用代码", "give the 18-character credit code on the licence"),
    "legal_rep_name": ("请填写营业执照上的法定代表人姓名", "give the legal representative's name from the licence"),
    "legal_rep_id_number": ("请填写法定代表人的18位身份证号", "give the legal representative's 18-character ID number"),
    "id_number": ("请填写18位身份证号", "give the 18-character resident ID number"),
    "contact_name": ("请填写联系人姓名", "give the contact person's name"),
    "phone": ("手机号应为11位数字，以1开头", "a mobile number has 11 digits and starts with 1"),
    "password": ("密码至少要8位", "the password needs at least 8 characters"),
    "commitment": ("请阅读承诺书，并勾选“我已阅读并同意”", "read the commitment and tick “I have read and accept”"),
}


def _employer_findings(data: dict[str, Any]) -> list[FieldError]:
    """The credit code or ID number and the commitment, checked beside the other fields."""
    found: list[FieldError] = []
    try:
        if data.get("credit_code"):
            validate_credit_code(data["credit_code"])
        if data.get("id_number"):
            validate_identity("resident_id", data["id_number"], clock.today("Asia/Shanghai"))
    except InvalidIdentity as exc:
        found.append(plain_identity(exc.field, exc.reason_zh, exc.reason_en))
    if data.get("kind") == "company" and data.get("legal_rep_id_number"):
        try:
            validate_identity("resident_id", data["legal_rep_id_number"], clock.today("Asia/Shanghai"))
        except InvalidIdentity as exc:
            found.append(plain_identity("legal_rep_id_number", exc.reason_zh, exc.reason_en))
    if data.get("kind") == "company":
        found.extend(FieldError(name, *EMPLOYER_WORDS[name])
                     for name in ("legal_rep_name", "legal_rep_id_number") if not data.get(name))
    if data.get("kind") == "company" and not data.get("credit_code"):
        found.append(FieldError("credit_code", *EMPLOYER_WORDS["credit_code"]))
    if data.get("kind") == "individual" and not data.get("id_number"):
        found.append(FieldError("id_number", *EMPLOYER_WORDS["id_number"]))
    if not data.get("commitment"):
        found.append(FieldError("commitment", *EMPLOYER_WORDS["commitment"]))
    return found


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
            data["legal_rep_name"] = values["legal_rep_name"] or None
            data["legal_rep_id_number"] = values["legal_rep_id_number"] or None
        today = clock.today(rt.settings.timezone)
        try:
            create = convert_every_field(data, employers.EmployerCreate, EMPLOYER_WORDS,
                                         extra=_employer_findings(data))
            async with pooled(rt.pool) as conn:  # before argon2: refusals cost no hashing
                await throttle.before_registration(conn, rt.settings, client_address(request))
            # A listed company or person is refused; the attempt is kept (its own commit).
            async with transaction(rt.pool) as conn:
                refusal = await blacklist.screen_registration(conn, rt.cipher, create, today)
            if refusal is not None:
                raise refusal
            password_hash = await rt.hasher.hash(create.password)
            async with transaction(rt.pool) as conn:
                employer = await employers.register_employer(
                    conn, rt.cipher, create, password_hash, today)
        except DomainError as exc:
            # The password stays in its box: one wrong field must not cost typing it again.
            values["password"] = data["password"]
            return await render(request, rt, "employer/register.html",
                                status_code=403 if exc.code == "blacklisted" else 422, form=values,
                                registered=exc.code == "duplicate",
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

    @post("/legal-representative", name="employer.legal_rep")
    async def legal_rep(self, request: Request[Any, Any, Any], rt: Runtime) -> Response[Any] | Template:
        """A company registered before the legal representative was asked for adds it (once)."""
        who = _employer(request)
        form = await request.form()
        try:
            data = convert_form({"name": form_text(form, "rep_name"), "id_number": form_text(form, "rep_id_number")},
                                employers.LegalRepresentative)
            async with transaction(rt.pool) as conn:
                await employers.set_legal_representative(conn, rt.cipher, who.user_id, who.user_id, data,
                                                         clock.today(rt.settings.timezone))
        except DomainError as exc:
            names = {"name": "rep_name", "id_number": "rep_id_number", "legal_rep_id_number": "rep_id_number"}
            errors = [{**e, "field": names.get(e["field"], e["field"])}
                      for e in field_errors(exc, lang_of(dict(request.cookies)), None)]
            async with transaction(rt.pool) as conn:
                me = await employers.get_employer(conn, who.user_id)
                mine = await orders.list_orders(conn, who, PageParams(limit=50))
            return await render(request, rt, "employer/home.html", status_code=422, me=me, orders=mine.items,
                                done="", rep_errors=errors)
        return Redirect("/employer?done=legal_rep", status_code=303)

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
        refusal: list[dict[str, str]] = []
        async with transaction(rt.pool) as conn:
            recent = await _recent_orders(conn, _employer(request))
            # The employer's own job types first, then the common ones, then pinyin order.
            common, others = sorted_skills([o.skill for o in recent] + list(COMMON_SKILLS))
            skills = common + others
            page = await registry.list_stations(conn, PageParams(limit=500))
            stations = []
            for s in page.items:  # the office's wage table (stations.wage_rules), as the server checks it
                wage = await wage_rules.minimum_in_force(conn, s.region, today)
                stations.append({"id": s.id, "name": s.name, "region": s.region, "lat": s.lat, "lon": s.lon,
                                 "region_name": wage_rules.region_zh(s.region) if lang_of(dict(request.cookies)) == "zh"
                                 else s.region,
                                 "min_fen": wage.hourly_fen if wage else 0,
                                 "min_from": wage.effective_from if wage else None})
            guidance = {k.code: await wage_rules.guidance_in_force(conn, rt.settings.region, k.code, today)
                        for k in skills}
            try:  # a blacklisted employer is told why before filling the form in
                await orders.check_may_post(conn, _employer(request).user_id, today)
            except DomainError as exc:
                refusal = field_errors(exc, lang_of(dict(request.cookies)), set())
        return await render(request, rt, "employer/order_form.html", status_code=status_code,
                            stations=stations, skills=skills, common_skills=common, other_skills=others,
                            form=values, guidance=guidance, refusal=refusal, errors=errors or [],
                            day_cap_h=rt.settings.daily_hours_cap)

    @get("/orders/new", name="employer.order.new")
    async def new_order(self, request: Request[Any, Any, Any], rt: Runtime) -> Template:
        local = clock.now().astimezone(ZoneInfo(rt.settings.timezone))
        start = (local + timedelta(hours=1)).replace(minute=0)
        async with transaction(rt.pool) as conn:
            recent = await _recent_orders(conn, _employer(request))
        last = recent[0] if recent else None
        # The last order's station and job type (an employer posts the same kind of work at the
        # same site); with none, the phone's location picks the nearest station (employer.js).
        return await self._order_form(request, rt, {
            "headcount": "1", "day": "today" if start.date() == local.date() else "tomorrow",
            "starts": start.strftime("%H:%M"), "ends": (start + timedelta(hours=4)).strftime("%H:%M"),
            "pay_unit": "hour", "skill": last.skill if last else "loading",
            "station": str(last.station_id) if last and last.station_id else "",
            "address": last.address if last else ""})

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
                # Without the phone's location the station's position only stands in.
                "located": bool(values["site_lat"] and values["site_lon"]),
                "pieces_per_hour": (parse_int(values["pieces_per_hour"], "pieces_per_hour", "请填写每小时件数",
                                              "give the pieces an hour")
                                    if values["pay_unit"] == "piece" and values["pieces_per_hour"] else None),
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
