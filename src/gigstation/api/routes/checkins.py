"""Check-in and check-out."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post

from gigstation.api.creating import create
from gigstation.api.runtime import Runtime
from gigstation.api.security import CHECKS_ACCOUNT_ITSELF, roles
from gigstation.platform import clock
from gigstation.platform.auth import Principal, check_account
from gigstation.platform.db import connection, transaction
from gigstation.platform.errors import Invalid
from gigstation.stations import checkins, presence
from gigstation.work import checkout

__all__ = ["CheckinController"]


class CheckinController(Controller):
    path = "/checkins"
    tags = ["checkins"]

    @post("/", guards=[roles("worker", "operator")], opt={CHECKS_ACCOUNT_ITSELF: True},
          summary="到站签到 / Check in at a station")
    async def check_in(
        self, request: Request[Principal, Any, Any], data: checkins.CheckinCreate, rt: Runtime
    ) -> Response[checkins.CheckinView]:
        """With ``presence_code`` (the wall screen's six digits) a worker needs no location."""
        try:
            if "idempotency-key" not in request.headers:
                # The service is atomic on its own (one statement for a self check-in):
                # no BEGIN/COMMIT round trips on the morning's busiest request.
                async with connection(rt.pool) as conn:
                    view = await checkins.check_in(conn, request.user, data, clock.now())
                return Response(view, status_code=201)
            if not request.user.account_checked:
                # A replayed answer must not reach a revoked token: check before the claim.
                async with connection(rt.pool) as conn:
                    await check_account(conn, request.user)
            return await create(
                request, rt, checkins.CheckinView,
                lambda conn: checkins.check_in(conn, request.user, data, clock.now()),
            )
        except Invalid as exc:
            if exc.code == presence.PRESENCE_CODE:
                # The check-in rolled back; the wrong guess is counted on its own.
                async with transaction(rt.pool) as conn:
                    await presence.record_failure(conn, request.user.user_id, clock.now())
            raise

    @get("/{checkin_id:uuid}", guards=[roles("worker", "operator", "admin")],
         summary="签到详情 / One check-in")
    async def get_checkin(
        self, request: Request[Principal, Any, Any], checkin_id: UUID, rt: Runtime
    ) -> checkins.CheckinView:
        async with transaction(rt.pool) as conn:
            return await checkins.get_checkin(conn, request.user, checkin_id)

    @post("/{checkin_id:uuid}/checkout", guards=[roles("worker", "operator", "admin")],
          status_code=200, summary="签退 / Check out")
    async def checkout(
        self, request: Request[Principal, Any, Any], checkin_id: UUID, rt: Runtime
    ) -> checkins.CheckinView:
        async with transaction(rt.pool) as conn:
            return await checkout.check_out(conn, request.user, checkin_id)
