"""Orders: post, list, read, cancel."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from litestar import Controller, Request, Response, get, post

from gigstation.api.creating import create
from gigstation.api.routes.stations import Limit, Offset, page_params
from gigstation.api.runtime import Runtime
from gigstation.api.security import roles
from gigstation.platform import clock
from gigstation.platform.auth import Principal
from gigstation.platform.db import transaction
from gigstation.platform.pagination import Page
from gigstation.work import cancellation, orders

__all__ = ["OrderController"]


class OrderController(Controller):
    path = "/orders"
    tags = ["orders"]

    @post("/", guards=[roles("employer")], summary="发布用工订单 / Post an order")
    async def create_order(
        self, request: Request[Principal, Any, Any], data: orders.OrderCreate, rt: Runtime
    ) -> Response[orders.OrderView]:
        s = rt.settings
        return await create(
            request, rt, orders.OrderView,
            lambda conn: orders.create_order(conn, request.user.user_id, data, clock.now(),
                                             s.timezone, s.region, reach_m=s.dispatch_reach_m,
                                             day_cap_h=s.daily_hours_cap),
        )

    @get("/", guards=[roles("employer", "operator", "admin")], summary="订单列表 / List orders")
    async def list_orders(
        self,
        request: Request[Principal, Any, Any],
        rt: Runtime,
        status: Literal["open", "full", "cancelled", "closed"] | None = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[orders.OrderView]:
        page = page_params(limit, offset, rt)
        async with transaction(rt.pool) as conn:
            return await orders.list_orders(conn, request.user, page, status)

    @get("/{order_id:uuid}", guards=[roles("employer", "operator", "admin")],
         summary="订单详情 / One order")
    async def get_order(
        self, request: Request[Principal, Any, Any], order_id: UUID, rt: Runtime
    ) -> orders.OrderView:
        async with transaction(rt.pool) as conn:
            return await orders.get_order(conn, request.user, order_id)

    @post("/{order_id:uuid}/cancel", guards=[roles("employer", "operator", "admin")],
          status_code=200, summary="取消订单 / Cancel an order",
          description="Withdraws live offers, closes open places and cancels accepted work that has "
                      "not started. Work that started stays (the order becomes `closed`); a cancel "
                      "that would close nothing is a 409 `work_started`.")
    async def cancel(
        self, request: Request[Principal, Any, Any], order_id: UUID, rt: Runtime
    ) -> orders.OrderView:
        async with transaction(rt.pool) as conn:
            return await cancellation.cancel_order(conn, request.user, order_id, clock.now())
