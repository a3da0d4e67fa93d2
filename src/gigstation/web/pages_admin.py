"""Administrator pages: stations (create, edit, poster, wall-screen link), operators, and
every station's figures for today side by side."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template

from gigstation.api.runtime import Runtime
from gigstation.oversight.charts import bar_chart
from gigstation.oversight.reports import station_report
from gigstation.people import accounts
from gigstation.platform import clock
from gigstation.platform.auth import Principal
from gigstation.platform.db import transaction
from gigstation.platform.errors import DomainError, FieldError, Invalid
from gigstation.platform.pagination import PageParams
from gigstation.stations import editing, registry, wage_rules
from gigstation.web.forms import convert_every_field, convert_form, form_text
from gigstation.web.i18n import lang_of
from gigstation.web.pages_operator_review import figures_context
from gigstation.web.render import field_errors, render
from gigstation.web.session import current_user, page_role
from gigstation.web.staff_common import parse_fen

__all__ = ["AdminPages"]

STATION_FIELDS = {"name", "address", "lat", "lon", "service_radius_m", "region", "phone"}
NEW_REGION_FIELDS = {"new_region", "min_hourly", "min_monthly", "min_from", "min_source"}
# The domain's names for the minimum entered with a station -> the form's boxes.
_MIN_FORM_NAME = {"minimum_wage.hourly_fen": "min_hourly", "minimum_wage.monthly_fen": "min_monthly",
                  "minimum_wage.effective_from": "min_from", "minimum_wage.source": "min_source"}
OPERATOR_FIELDS = {"name", "phone", "password", "station_ids"}


CHART_PLOT_PX = 520
"""The bar charts' plot width (oversight.charts.bar_chart: 560 wide, 36 left, 4 right)."""
LABEL_PX = 15
"""One Chinese character of a bar label at the largest label size (staff.css, 14 px) plus room."""


def short_names(names: list[str]) -> list[str]:
    """Chart labels that fit under their bars without touching: without the shared district
    prefix, "零工驿站" and "街道"/"镇", cut to what one bar's width holds (the full name is in
    the bar's tooltip and the numbers table)."""
    prefix = ""
    if len(names) > 1:
        for chars in zip(*names, strict=False):
            if len(set(chars)) > 1:
                break
            prefix += chars[0]
    fits = max(2, min(6, int(CHART_PLOT_PX / max(1, len(names)) // LABEL_PX)))
    out = []
    for n in names:
        short = n.removeprefix(prefix).removesuffix("零工驿站").removesuffix("驿站") or n
        for suffix in ("街道", "镇", "乡"):
            if len(short) > len(suffix) + 1:
                short = short.removesuffix(suffix)
        out.append(short[:fits])
    return out


def _admin(request: Request[Any, Any, Any]) -> Principal:
    who = current_user(request)
    assert who is not None
    return who


STATION_WORDS = {
    "name": ("请填写驿站名称，例如：赵巷镇零工驿站", "give the station a name, such as Zhaoxiang gig station"),
    "address": ("请填写驿站地址（海报上会印出来）", "give the station's address (it is printed on the poster)"),
    "lat": ("请填写纬度（-90 到 90 之间的数字），或在下面的地图上点选位置",
            "give the latitude (a number from -90 to 90), or click the place on the map below"),
    "lon": ("请填写经度（-180 到 180 之间的数字），或在下面的地图上点选位置",
            "give the longitude (a number from -180 to 180), or click the place on the map below"),
    "service_radius_m": ("签到范围请填 10 到 50000 之间的整数（米）", "the check-in range is a whole number of metres"),
    "region": ("请选择最低工资地区", "choose the minimum-wage region"),
    "phone": ("电话请填数字，可带区号和短横线，例如 021-59701234",
              "a phone number: digits, with the area code and a dash if you like, e.g. 021-59701234"),
}


def _station_data(values: dict[str, str]) -> registry.StationCreate:
    """The form's station; "another region" carries its minimum wage and source."""
    region = values["region"] or "Shanghai"
    minimum = None
    if region == "__new__":
        region = values.get("new_region", "").strip()
        if not region:
            raise Invalid.of_field("new_region", "请填写地区名称", "give the region's name")
        minimum = {"hourly_fen": parse_fen(values.get("min_hourly", ""), "min_hourly"),
                   "monthly_fen": parse_fen(values.get("min_monthly", ""), "min_monthly"),
                   "effective_from": values.get("min_from") or None, "source": values.get("min_source", "")}
    try:
        # Every field checked at once, each error in plain words next to its field.
        return convert_every_field({
            "name": values["name"], "address": values["address"], "lat": values["lat"] or None,
            "lon": values["lon"] or None, "service_radius_m": values["service_radius_m"] or "1000",
            "region": region, "minimum_wage": minimum, "phone": values.get("phone", "").strip() or None,
        }, registry.StationCreate, STATION_WORDS)
    except Invalid as exc:
        exc.errors = [FieldError(_MIN_FORM_NAME.get(e.field, e.field), e.reason, e.reason_en) for e in exc.errors]
        raise


def _station_errors(exc: DomainError, lang: str) -> list[dict[str, str]]:
    exc.errors = [FieldError(_MIN_FORM_NAME.get(e.field, e.field), e.reason, e.reason_en) for e in exc.errors]
    return field_errors(exc, lang, STATION_FIELDS | NEW_REGION_FIELDS)


async def _regions(rt: Runtime) -> list[wage_rules.KnownRegion]:
    """The regions a station may use: those whose minimum wage is known today."""
    async with transaction(rt.pool) as conn:
        return await wage_rules.known_regions(conn, clock.today(rt.settings.timezone))


class AdminPages(Controller):
    path = "/admin"
    guards = [page_role("admin")]  # noqa: RUF012  (Litestar reads it from the class)

    @get("/", name="admin.home")
    async def home(self, request: Request[Any, Any, Any], rt: Runtime, done: str = "") -> Template:
        zone = rt.settings.timezone
        today = clock.today(zone)
        async with transaction(rt.pool) as conn:
            stations = (await registry.list_stations(conn, PageParams(limit=200))).items
            reports = [await station_report(conn, s.id, today, zone) for s in stations]
        names = short_names([s.name for s in stations])
        return await render(
            request, rt, "admin/home.html", stations=stations, rows=list(zip(stations, reports, strict=True)),
            checkins_chart=bar_chart([r.checkins for r in reports], names, height=180),
            filled_chart=bar_chart([r.slots_filled for r in reports], names, height=180),
            today=today, done=done)

    @get("/stations/new", name="admin.station.new")
    async def new_station(self, request: Request[Any, Any, Any], rt: Runtime) -> Template:
        return await render(request, rt, "admin/station_form.html", station=None, regions=await _regions(rt),
                            form={"service_radius_m": "1000", "region": "Shanghai"}, errors=[])

    @post("/stations", name="admin.station.create")
    async def create_station(self, request: Request[Any, Any, Any], rt: Runtime) -> Response[Any] | Template:
        who = _admin(request)
        form = await request.form()
        values = {k: form_text(form, k) for k in STATION_FIELDS | NEW_REGION_FIELDS}
        try:
            data = _station_data(values)
            async with transaction(rt.pool) as conn:
                await registry.create_station(conn, who.user_id, data, clock.today(rt.settings.timezone))
        except DomainError as exc:
            return await render(request, rt, "admin/station_form.html", status_code=422, station=None,
                                form=values, regions=await _regions(rt),
                                errors=_station_errors(exc, lang_of(dict(request.cookies))))
        return Redirect("/admin?done=station", status_code=303)

    @get("/stations/{station_id:uuid}", name="admin.station")
    async def station(self, request: Request[Any, Any, Any], station_id: UUID, rt: Runtime) -> Template:
        async with transaction(rt.pool) as conn:
            station = await registry.get_station(conn, station_id)
            context = await figures_context(rt, conn, station_id, lang_of(dict(request.cookies)))
        form = {k: "" if getattr(station, k) is None else str(getattr(station, k)) for k in STATION_FIELDS}
        return await render(request, rt, "admin/station.html", station=station, form=form, errors=[],
                            regions=await _regions(rt), **context)

    @post("/stations/{station_id:uuid}", name="admin.station.update")
    async def update_station(
        self, request: Request[Any, Any, Any], station_id: UUID, rt: Runtime
    ) -> Response[Any] | Template:
        who = _admin(request)
        form = await request.form()
        values = {k: form_text(form, k) for k in STATION_FIELDS | NEW_REGION_FIELDS}
        try:
            data = _station_data(values)
            async with transaction(rt.pool) as conn:
                await editing.update_station(conn, who.user_id, station_id, data, clock.today(rt.settings.timezone))
        except DomainError as exc:
            async with transaction(rt.pool) as conn:
                station = await registry.get_station(conn, station_id)
                context = await figures_context(rt, conn, station_id, lang_of(dict(request.cookies)))
            return await render(request, rt, "admin/station.html", status_code=422, station=station,
                                form=values, regions=await _regions(rt),
                                errors=_station_errors(exc, lang_of(dict(request.cookies))), **context)
        return Redirect("/admin?done=saved", status_code=303)

    @get("/operators", name="admin.operators")
    async def operators(self, request: Request[Any, Any, Any], rt: Runtime, done: str = "") -> Template:
        return await self._operators(request, rt, {}, done=done)

    async def _operators(
        self, request: Request[Any, Any, Any], rt: Runtime, values: dict[str, Any], *,
        done: str = "", errors: list[dict[str, str]] | None = None, status_code: int = 200,
    ) -> Template:
        async with transaction(rt.pool) as conn:
            rows = await editing.list_operators(conn)
            stations = (await registry.list_stations(conn, PageParams(limit=200))).items
        return await render(request, rt, "admin/operators.html", status_code=status_code,
                            operators=rows, stations=stations, form=values, done=done,
                            errors=errors or [])

    @post("/operators", name="admin.operators.create")
    async def create_operator(self, request: Request[Any, Any, Any], rt: Runtime) -> Response[Any] | Template:
        who = _admin(request)
        form = await request.form()
        values: dict[str, Any] = {k: form_text(form, k) for k in ("name", "phone")}
        values["station_ids"] = [str(v) for v in form.getall("station_ids", [])]
        try:
            data = convert_form({**values, "password": str(form.get("password") or "")},
                                accounts.OperatorCreate)
            password_hash = await rt.hasher.hash(data.password)
            async with transaction(rt.pool) as conn:
                await accounts.create_operator(conn, who.user_id, data, password_hash)
        except DomainError as exc:
            values["password"] = str(form.get("password") or "")  # kept: one wrong box, one fix
            return await self._operators(request, rt, values, status_code=422,
                                         errors=field_errors(exc, lang_of(dict(request.cookies)),
                                                             OPERATOR_FIELDS))
        return Redirect("/admin/operators?done=1", status_code=303)
