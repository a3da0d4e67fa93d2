"""The desk registers a person who has no phone (ID only) and prints their card: a personal
number and its QR code, which the desk scans or types to find them. Same service as
``POST /api/v1/workers`` with an operator's token (people.workers)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template

from gigstation.api.runtime import Runtime
from gigstation.people import workers
from gigstation.platform import clock
from gigstation.platform.db import transaction
from gigstation.platform.errors import DomainError, NotFound
from gigstation.web.forms import convert_every_field, form_text
from gigstation.web.i18n import lang_of
from gigstation.web.pages_operator import operator
from gigstation.web.pages_worker import REGISTER_WORDS, identity_findings
from gigstation.web.qr import qr_svg
from gigstation.web.render import field_errors, render
from gigstation.web.session import page_role
from gigstation.web.staff_common import my_stations, station_in_scope
from gigstation.web.worker_forms import ID_TYPES, skill_options

__all__ = ["CARD_PREFIX", "DeskCardPages", "card_code"]

CARD_PREFIX = "GS"
"""What the card's QR code carries before the number: a scanner typing into the desk's search
box then cannot be mistaken for a phone or an ID number."""
_FIELDS = {"name", "id_type", "id_number", "birth_date", "skills"}
_WORDS = {k: v for k, v in REGISTER_WORDS.items() if k in _FIELDS}


def card_code(card_number: str) -> str:
    """The text of the card's QR code."""
    return CARD_PREFIX + card_number


class DeskCardPages(Controller):
    path = "/operator/stations/{station_id:uuid}/desk"
    guards = [page_role("operator")]  # noqa: RUF012  (Litestar reads it from the class)

    @get("/register", name="operator.desk.register")
    async def form(self, request: Request[Any, Any, Any], station_id: UUID, rt: Runtime) -> Template:
        return await self._form(request, rt, station_id, {"id_type": "resident_id", "skills": []}, [])

    async def _form(self, request: Request[Any, Any, Any], rt: Runtime, station_id: UUID,
                    values: dict[str, Any], errors: list[dict[str, str]], status_code: int = 200) -> Template:
        who = operator(request)
        lang = lang_of(dict(request.cookies))
        async with transaction(rt.pool) as conn:
            station = await station_in_scope(conn, who, station_id)
            stations = await my_stations(conn, who)
        id_types = [(code, en if lang == "en" else zh) for code, zh, en in ID_TYPES]
        return await render(request, rt, "operator/desk_register.html", status_code=status_code,
                            station=station, stations=stations, values=values, errors=errors,
                            id_types=id_types, skills=skill_options(lang))

    @post("/register", name="operator.desk.register.submit")
    async def register(
        self, request: Request[Any, Any, Any], station_id: UUID, rt: Runtime
    ) -> Response[Any] | Template:
        who = operator(request)
        form = await request.form()
        values: dict[str, Any] = {
            "name": form_text(form, "name"),
            "id_type": form_text(form, "id_type") or "resident_id",
            "id_number": form_text(form, "id_number").upper(),
            "birth_date": form_text(form, "birth_date") or None,
            "skills": [s for s in form.getall("skills", []) if isinstance(s, str)],
        }
        today = clock.today(rt.settings.timezone)
        try:
            data = convert_every_field(values, workers.WorkerCreate, _WORDS,
                                       extra=identity_findings(values, today))
            async with transaction(rt.pool) as conn:
                await station_in_scope(conn, who, station_id)
                worker = await workers.register_worker(conn, rt.cipher, data, workers.NO_PASSWORD, today,
                                                       registered_by=who.user_id)
        except DomainError as exc:
            return await self._form(request, rt, station_id, values,
                                    field_errors(exc, lang_of(dict(request.cookies)), _FIELDS), 422)
        return Redirect(f"/operator/stations/{station_id}/desk/workers/{worker.id}/card", status_code=303)

    @get("/workers/{worker_id:uuid}/card", name="operator.desk.card")
    async def card(self, request: Request[Any, Any, Any], station_id: UUID, worker_id: UUID, rt: Runtime) -> Template:
        who = operator(request)
        async with transaction(rt.pool) as conn:
            station = await station_in_scope(conn, who, station_id)
            worker = await workers.get_worker(conn, worker_id)
        if worker.card_number is None:
            raise NotFound("这位劳动者没有服务卡", "this person has no desk card")
        return await render(request, rt, "operator/desk_card.html", station=station, worker=worker,
                            issued=clock.today(rt.settings.timezone))

    @get("/workers/{worker_id:uuid}/card.svg", name="operator.desk.card_qr")
    async def card_qr(self, request: Request[Any, Any, Any], station_id: UUID, worker_id: UUID,
                      rt: Runtime) -> Response[bytes]:
        who = operator(request)
        async with transaction(rt.pool) as conn:
            await station_in_scope(conn, who, station_id)
            worker = await workers.get_worker(conn, worker_id)
        if worker.card_number is None:
            raise NotFound("这位劳动者没有服务卡", "this person has no desk card")
        return Response(qr_svg(card_code(worker.card_number), scale=8), media_type="image/svg+xml",
                        headers={"Cache-Control": "private, no-store"})
