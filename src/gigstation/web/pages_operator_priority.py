"""The operator's page for one person in a priority group: their cases (deadline, days left,
offers, jobs accepted and worked) and the follow-up form. Same service as the API
(oversight.outcomes)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template

from gigstation.api.runtime import Runtime
from gigstation.oversight import outcomes
from gigstation.platform import clock
from gigstation.platform.db import transaction
from gigstation.platform.errors import DomainError, Invalid
from gigstation.web.forms import convert_form, form_text
from gigstation.web.i18n import lang_of
from gigstation.web.pages_operator import operator
from gigstation.web.render import field_errors, render
from gigstation.web.session import page_role
from gigstation.web.staff_common import my_stations, station_in_scope

__all__ = ["PriorityOutcomePages"]

_FIELDS = {"kind", "result", "group"}


class PriorityOutcomePages(Controller):
    path = "/operator/stations/{station_id:uuid}/priority"
    guards = [page_role("operator")]  # noqa: RUF012  (Litestar reads it from the class)

    @get("/{worker_id:uuid}", name="operator.priority.person")
    async def person(
        self, request: Request[Any, Any, Any], station_id: UUID, worker_id: UUID, rt: Runtime, done: str = "",
    ) -> Template:
        return await self._page(request, rt, station_id, worker_id, done=done)

    async def _page(
        self, request: Request[Any, Any, Any], rt: Runtime, station_id: UUID, worker_id: UUID, *,
        done: str = "", errors: list[dict[str, str]] | None = None, values: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        who = operator(request)
        zone = rt.settings.timezone
        async with transaction(rt.pool) as conn:
            station = await station_in_scope(conn, who, station_id)
            stations = await my_stations(conn, who)
            person = await outcomes.person_outcome(conn, outcomes.outcome_rules(rt.settings.outcome_months()),
                                                   worker_id, zone, clock.today(zone))
        return await render(request, rt, "operator/priority_person.html", status_code=status_code,
                            station=station, stations=stations, person=person, kinds=outcomes.FOLLOW_UP_KINDS,
                            done=done, errors=errors or [], values=values or {"kind": "call"})

    @post("/{worker_id:uuid}/follow-ups", name="operator.priority.follow_up")
    async def follow_up(
        self, request: Request[Any, Any, Any], station_id: UUID, worker_id: UUID, rt: Runtime,
    ) -> Response[Any] | Template:
        who = operator(request)
        form = await request.form()
        values = {k: form_text(form, k) for k in _FIELDS}
        raw: dict[str, Any] = {"kind": values["kind"], "result": values["result"], "station_id": str(station_id)}
        if values["group"]:
            raw["group"] = values["group"]
        try:
            if not values["result"]:
                raise Invalid.of_field("result", "请填写回访结果", "say what came of it")
            data = convert_form(raw, outcomes.FollowUpCreate)
            async with transaction(rt.pool) as conn:
                await station_in_scope(conn, who, station_id)
                await outcomes.record_follow_up(conn, who, worker_id, data)
        except DomainError as exc:
            return await self._page(request, rt, station_id, worker_id, values=values, status_code=422,
                                    errors=field_errors(exc, lang_of(dict(request.cookies)), _FIELDS))
        return Redirect(f"/operator/stations/{station_id}/priority/{worker_id}?done=follow_up#follow-ups",
                        status_code=303)
