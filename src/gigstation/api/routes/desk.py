"""The operator answering an offer for a worker at the desk (no smartphone)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, post

from gigstation.api.runtime import Runtime
from gigstation.api.security import roles
from gigstation.platform.auth import Principal
from gigstation.platform.db import transaction
from gigstation.work import desk, offers
from gigstation.work.hours import HoursRules

__all__ = ["DeskOfferController"]


class DeskOfferController(Controller):
    path = "/offers"
    tags = ["offers"]
    guards = [roles("operator")]

    @post("/{offer_id:uuid}/accept-for-worker", status_code=200,
          summary="代劳动者接受邀约（窗口办理）/ Accept an offer for a worker at the desk")
    async def accept_for_worker(
        self, request: Request[Principal, Any, Any], offer_id: UUID, rt: Runtime
    ) -> offers.AssignmentView:
        async with transaction(rt.pool) as conn:
            return await desk.accept_for_worker(conn, request.user.user_id, offer_id, rt.settings.timezone,
                                                HoursRules.of(rt.settings))

    @post("/{offer_id:uuid}/decline-for-worker", status_code=200,
          summary="代劳动者拒绝邀约（窗口办理）/ Decline an offer for a worker at the desk")
    async def decline_for_worker(
        self, request: Request[Principal, Any, Any], offer_id: UUID, rt: Runtime
    ) -> offers.OfferView:
        async with transaction(rt.pool) as conn:
            return await desk.decline_for_worker(conn, request.user.user_id, offer_id)
