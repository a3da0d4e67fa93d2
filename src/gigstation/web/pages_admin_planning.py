"""The administrator's station-planning page: k, radius and candidate sites (``id,lat,lon``
lines) in; the proven-optimal choice (oversight.planning, the same service as
``POST /api/v1/planning/stations``) out, with coverage today and after the plan on a
server-drawn district picture (oversight.plan_map)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Template

from gigstation.api.runtime import Runtime
from gigstation.oversight import planning
from gigstation.oversight.plan_map import Place, plan_map
from gigstation.platform.db import transaction
from gigstation.platform.errors import DomainError, Invalid
from gigstation.platform.pagination import PageParams
from gigstation.stations import registry
from gigstation.web.forms import convert_form, form_text
from gigstation.web.i18n import lang_of
from gigstation.web.render import field_errors, render
from gigstation.web.session import current_user, page_role

__all__ = ["AdminPlanningPages", "parse_sites"]

FIELDS = {"k", "radius_m", "candidates"}


def parse_sites(text: str) -> list[dict[str, str]]:
    """``id,lat,lon`` lines (a header line and blank lines are skipped)."""
    out = []
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.replace(" ", "").lower() == "id,lat,lon":
            continue
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 3:
            raise Invalid.of_field("candidates", f"第 {n} 行应为 id,纬度,经度",
                                   f"line {n} should be id,lat,lon")
        out.append({"id": parts[0], "lat": parts[1], "lon": parts[2]})
    if not out:
        raise Invalid.of_field("candidates", "请至少填写一个候选点", "give at least one candidate site")
    return out


class AdminPlanningPages(Controller):
    path = "/admin/planning"
    guards = [page_role("admin")]  # noqa: RUF012  (Litestar reads it from the class)

    @get("/", name="admin.planning")
    async def form(self, request: Request[Any, Any, Any], rt: Runtime) -> Template:
        return await render(request, rt, "admin/planning.html", plan=None, picture=None,
                            form={"k": "1", "radius_m": str(rt.settings.station_reach_m), "candidates": ""})

    @post("/", name="admin.planning.run")
    async def run(self, request: Request[Any, Any, Any], rt: Runtime) -> Response[Any] | Template:
        who = current_user(request)
        assert who is not None
        form = await request.form()
        values = {k: form_text(form, k) for k in FIELDS}
        try:
            sites = parse_sites(values["candidates"])
            data = convert_form({"k": values["k"] or "1", "candidates": sites,
                                 "radius_m": values["radius_m"] or None}, planning.PlanRequest)
            async with transaction(rt.pool) as conn:
                plan = await planning.plan_from_workers(conn, who.user_id, data,
                                                        float(rt.settings.station_reach_m))
                stations = (await registry.list_stations(conn, PageParams(limit=500))).items
        except DomainError as exc:
            return await render(request, rt, "admin/planning.html", status_code=422, plan=None, picture=None,
                                form=values, errors=field_errors(exc, lang_of(dict(request.cookies)), FIELDS))
        picture = plan_map(plan, [Place(str(s.id), s.name, s.lat, s.lon) for s in stations],
                           [Place(c.id, c.id, c.lat, c.lon) for c in data.candidates])
        return await render(request, rt, "admin/planning.html", plan=plan, picture=picture, form=values)
