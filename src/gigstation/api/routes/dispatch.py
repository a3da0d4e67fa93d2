"""Dispatch runs, pins and forbids, candidates for one order, offers."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, post
from litestar.params import Parameter

from gigstation import solver
from gigstation.api.creating import create
from gigstation.api.routes.stations import require_station_access
from gigstation.api.runtime import Runtime
from gigstation.api.security import roles
from gigstation.platform import clock
from gigstation.platform.auth import Principal
from gigstation.platform.db import transaction
from gigstation.work import credit, dispatch, offers
from gigstation.work.hours import HoursRules

__all__ = ["DispatchController", "OfferController"]


class DispatchController(Controller):
    path = "/stations/{station_id:uuid}"
    tags = ["dispatch"]
    guards = [roles("operator", "admin")]

    @post("/dispatch", summary="一键调度 / Dispatch the station now")
    async def dispatch_now(
        self, request: Request[Principal, Any, Any], station_id: UUID, rt: Runtime
    ) -> Response[dispatch.DispatchRun]:
        async with transaction(rt.pool) as conn:
            await require_station_access(conn, request.user, station_id)
        zone = rt.settings.timezone
        run = await dispatch.dispatch_station(
            rt.pool, rt.settings, station_id, request.user.user_id, now=clock.now(),
            day_start=clock.day_start(zone), today=clock.today(zone))
        return Response(run, status_code=201)

    @post("/pairings", summary="指定或禁止匹配 / Pin or forbid a pairing")
    async def set_pairing(
        self, request: Request[Principal, Any, Any], station_id: UUID,
        data: dispatch.PairingCreate, rt: Runtime,
    ) -> Response[dispatch.PairingCreate]:
        async def make(conn: Any) -> dispatch.PairingCreate:
            await require_station_access(conn, request.user, station_id)
            return await dispatch.set_pairing(conn, station_id, request.user.user_id, data)

        return await create(request, rt, dispatch.PairingCreate, make)

    @delete("/pairings/{worker_id:uuid}/{order_id:uuid}", summary="取消指定/禁止 / Remove a pairing")
    async def remove_pairing(
        self, request: Request[Principal, Any, Any], station_id: UUID, worker_id: UUID,
        order_id: UUID, rt: Runtime,
    ) -> None:
        async with transaction(rt.pool) as conn:
            await require_station_access(conn, request.user, station_id)
            await conn.execute(
                "DELETE FROM pairings WHERE station_id = $1 AND worker_id = $2 AND order_id = $3",
                station_id, worker_id, order_id)

    @get("/orders/{order_id:uuid}/candidates", summary="候选人排序 / Ranked candidates for an order")
    async def candidates(
        self, request: Request[Principal, Any, Any], station_id: UUID, order_id: UUID,
        rt: Runtime,
        limit: Annotated[int, Parameter(ge=1, le=50, description="1-50")] = 10,
    ) -> list[solver.Recommendation]:
        zone = rt.settings.timezone
        async with transaction(rt.pool) as conn:
            await require_station_access(conn, request.user, station_id)
            return await dispatch.candidates_for_order(
                conn, rt.settings, station_id, order_id, clock.now(), clock.day_start(zone),
                clock.today(zone), limit)


class OfferController(Controller):
    path = "/offers"
    tags = ["offers"]
    guards = [roles("worker")]

    @get("/", summary="我的待回复邀约 / My live offers")
    async def live(self, request: Request[Principal, Any, Any], rt: Runtime) -> list[offers.OfferView]:
        async with transaction(rt.pool) as conn:
            live = await offers.list_live_offers(conn, request.user.user_id)
            return await credit.with_employer_records(conn, live)

    @post("/{offer_id:uuid}/accept", status_code=200, summary="接受邀约 / Accept an offer")
    async def accept(
        self, request: Request[Principal, Any, Any], offer_id: UUID, rt: Runtime
    ) -> offers.AssignmentView:
        async with transaction(rt.pool) as conn:
            return await offers.accept_offer(conn, request.user.user_id, offer_id,
                                             rt.settings.timezone, rules=HoursRules.of(rt.settings))

    @post("/{offer_id:uuid}/decline", status_code=200, summary="拒绝邀约 / Decline an offer")
    async def decline(
        self, request: Request[Principal, Any, Any], offer_id: UUID, rt: Runtime
    ) -> offers.OfferView:
        async with transaction(rt.pool) as conn:
            return await offers.decline_offer(conn, request.user.user_id, offer_id)
