"""Operator pages (desktop): the live board, one-click dispatch and its result, pins and
forbids, ranked candidates for an order. The desk (people at the counter) and the review
pages are in pages_operator_desk.py and pages_operator_review.py."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template

from gigstation.api.runtime import Runtime
from gigstation.oversight import outcomes, overdue
from gigstation.oversight.operator_board import desk_board, names_of, order_pairings, run_result
from gigstation.platform import clock
from gigstation.platform.auth import Principal
from gigstation.platform.db import transaction
from gigstation.platform.errors import DomainError, Invalid
from gigstation.web.i18n import lang_of
from gigstation.web.render import field_errors, render
from gigstation.web.session import current_user, page_role
from gigstation.web.staff_common import my_stations, station_in_scope
from gigstation.work import desk, dispatch
from gigstation.work.orders import get_order

__all__ = ["OperatorPages", "board_context", "operator"]


def operator(request: Request[Any, Any, Any]) -> Principal:
    """The signed-in operator (the guard has already checked the role)."""
    who = current_user(request)
    assert who is not None
    return who


async def board_context(rt: Runtime, who: Principal, station_id: UUID) -> dict[str, Any]:
    """Everything the board page and its live fragment show."""
    zone = rt.settings.timezone
    async with transaction(rt.pool) as conn:
        station = await station_in_scope(conn, who, station_id)
        board = await desk_board(conn, station_id, clock.now(), clock.today(zone))
        stations = await my_stations(conn, who)
        late = await overdue.station_overdue(conn, station_id, clock.now(), rt.settings.settlement_days)
        due = await outcomes.due_list(conn, outcomes.outcome_rules(rt.settings.outcome_months()),
                                      station_id, zone, clock.today(zone))
    return {"station": station, "board": board, "stations": stations, "overdue": late, "priority_due": due,
            "open_places": sum(o.places_left for o in board.orders)}


class OperatorPages(Controller):
    path = "/operator"
    guards = [page_role("operator")]  # noqa: RUF012  (Litestar reads it from the class)

    @get("/", name="operator.home")
    async def home(self, request: Request[Any, Any, Any], rt: Runtime) -> Response[Any] | Template:
        who = operator(request)
        async with transaction(rt.pool) as conn:
            stations = await my_stations(conn, who)
        if len(stations) == 1:
            return Redirect(f"/operator/stations/{stations[0].id}", status_code=303)
        return await render(request, rt, "operator/stations.html", stations=stations)

    @get("/stations/{station_id:uuid}", name="operator.board")
    async def board(
        self, request: Request[Any, Any, Any], station_id: UUID, rt: Runtime, run: UUID | None = None,
    ) -> Template:
        who = operator(request)
        context = await board_context(rt, who, station_id)
        result = None
        if run is not None:
            async with transaction(rt.pool) as conn:
                result = await run_result(conn, station_id, run)
        return await render(request, rt, "operator/board.html", result=result, **context)

    @get("/stations/{station_id:uuid}/live", name="operator.board.live")
    async def live(self, request: Request[Any, Any, Any], station_id: UUID, rt: Runtime) -> Template:
        """The three columns alone, re-fetched by htmx on events and every few seconds."""
        context = await board_context(rt, operator(request), station_id)
        return await render(request, rt, "operator/_live.html", oob=True, **context)

    @post("/stations/{station_id:uuid}/dispatch", name="operator.dispatch")
    async def dispatch_now(
        self, request: Request[Any, Any, Any], station_id: UUID, rt: Runtime
    ) -> Response[Any] | Template:
        who = operator(request)
        zone = rt.settings.timezone
        try:
            async with transaction(rt.pool) as conn:
                await station_in_scope(conn, who, station_id)
            run = await dispatch.dispatch_station(
                rt.pool, rt.settings, station_id, who.user_id, now=clock.now(),
                day_start=clock.day_start(zone), today=clock.today(zone))
        except DomainError as exc:
            context = await board_context(rt, who, station_id)
            return await render(request, rt, "operator/board.html", status_code=409, result=None,
                                errors=field_errors(exc, lang_of(dict(request.cookies)), set()),
                                **context)
        return Redirect(f"/operator/stations/{station_id}?run={run.id}#result", status_code=303)

    @get("/stations/{station_id:uuid}/orders/{order_id:uuid}", name="operator.order")
    async def order(
        self, request: Request[Any, Any, Any], station_id: UUID, order_id: UUID, rt: Runtime,
        done: str = "",
    ) -> Template:
        return await self._order_page(request, rt, station_id, order_id, done=done)

    async def _order_page(
        self, request: Request[Any, Any, Any], rt: Runtime, station_id: UUID, order_id: UUID,
        status_code: int = 200, errors: list[dict[str, str]] | None = None, done: str = "",
    ) -> Template:
        who = operator(request)
        zone = rt.settings.timezone
        async with transaction(rt.pool) as conn:
            station = await station_in_scope(conn, who, station_id)
            order = await get_order(conn, who, order_id)
            pairings = await order_pairings(conn, station_id, order_id)
            try:
                candidates = await dispatch.candidates_for_order(
                    conn, rt.settings, station_id, order_id, clock.now(), clock.day_start(zone),
                    clock.today(zone), 20)
            except DomainError:
                candidates = []  # the order has no open slot left: nothing to rank
            names = {str(k): v for k, v in
                     (await names_of(conn, [UUID(c.worker_id) for c in candidates])).items()}
            board = await desk_board(conn, station_id, clock.now(), clock.today(zone))
        # Slots covered by live offers are not ranked: show who has them, not an empty list.
        out = [o for o in board.offers if o.offer.order_id == order_id]
        pinned = {str(p.worker_id): p.kind for p in pairings}
        return await render(request, rt, "operator/order.html", status_code=status_code,
                            station=station, order=order, candidates=candidates, names=names,
                            pairings=pairings, pinned=pinned, offers_out=out, errors=errors or [], done=done)

    @post("/stations/{station_id:uuid}/orders/{order_id:uuid}/pairings", name="operator.pairing")
    async def pairing(
        self, request: Request[Any, Any, Any], station_id: UUID, order_id: UUID, rt: Runtime
    ) -> Response[Any] | Template:
        who = operator(request)
        form = await request.form()
        kind = str(form.get("kind") or "")
        try:
            if kind not in ("pin", "forbid", "clear"):
                raise Invalid.of_field("kind", "请选择指定或禁止", "choose pin or forbid")
            worker_id = UUID(str(form.get("worker_id") or ""))
            async with transaction(rt.pool) as conn:
                await station_in_scope(conn, who, station_id)
                if kind == "clear":
                    await desk.clear_pairing(conn, station_id, who.user_id, worker_id, order_id)
                else:
                    pairing = dispatch.PairingCreate(worker_id=worker_id, order_id=order_id,
                                                     kind="pin" if kind == "pin" else "forbid")
                    await dispatch.set_pairing(conn, station_id, who.user_id, pairing)
        except ValueError:
            return await self._order_page(request, rt, station_id, order_id, 422, [
                {"field": "", "text": "请选择一位劳动者" if lang_of(dict(request.cookies)) == "zh"
                 else "choose a worker"}])
        except DomainError as exc:
            return await self._order_page(request, rt, station_id, order_id, 422,
                                          field_errors(exc, lang_of(dict(request.cookies)), set()))
        return Redirect(f"/operator/stations/{station_id}/orders/{order_id}?done={kind}", status_code=303)
