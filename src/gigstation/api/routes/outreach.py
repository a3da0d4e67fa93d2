"""Training courses and policy notices, interest in a course, training wishes and the demand
the office sees (thin: parse, authorize, call oversight.outreach)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, post, put

from gigstation.api.creating import create
from gigstation.api.routes.stations import require_station_access
from gigstation.api.runtime import Runtime
from gigstation.api.security import PUBLIC, roles
from gigstation.oversight import outreach
from gigstation.oversight.reports import day_bounds
from gigstation.platform import clock
from gigstation.platform.auth import Principal
from gigstation.platform.db import transaction
from gigstation.platform.errors import Invalid

__all__ = ["NoticeController", "TrainingController"]

_STAFF = roles("operator", "admin")


class NoticeController(Controller):
    path = "/notices"
    tags = ("notices",)

    @get("/", opt=PUBLIC, summary="培训和政策通知 / Courses and policy notices in force for a station "
                                 "(its own and the district's; without station_id, the district's)")
    async def current(self, rt: Runtime, station_id: UUID | None = None) -> list[outreach.NoticeView]:
        async with transaction(rt.pool) as conn:
            return await outreach.current_notices(conn, station_id, clock.today(rt.settings.timezone))

    @get("/mine", guards=[roles("worker")],
         summary="我的驿站的通知 / Notices for my station, with my interest in each course")
    async def mine(self, request: Request[Principal, Any, Any], rt: Runtime) -> list[outreach.NoticeView]:
        async with transaction(rt.pool) as conn:
            station_id = await outreach.worker_station(conn, request.user.user_id)
            return await outreach.current_notices(conn, station_id, clock.today(rt.settings.timezone),
                                                  worker_id=request.user.user_id)

    @post("/", guards=[_STAFF], summary="发布培训或政策通知 / Publish a course or a policy notice "
                                       "(operators: their stations; the office: any, or the district)")
    async def publish(
        self, request: Request[Principal, Any, Any], data: outreach.NoticeCreate, rt: Runtime
    ) -> Response[outreach.NoticeView]:
        today = clock.today(rt.settings.timezone)
        return await create(request, rt, outreach.NoticeView,
                            lambda conn: outreach.publish(conn, request.user, data, today))

    @get("/manage", guards=[_STAFF],
         summary="已发布的通知和报名人数 / Published notices with the demand for each course")
    async def manage(
        self, request: Request[Principal, Any, Any], rt: Runtime, station_id: UUID | None = None
    ) -> list[outreach.NoticeView]:
        async with transaction(rt.pool) as conn:
            return await outreach.managed_notices(conn, request.user, clock.today(rt.settings.timezone),
                                                  station_id)

    @post("/{notice_id:uuid}/withdraw", guards=[_STAFF], status_code=200,
          summary="撤回通知 / Withdraw a notice (kept on record)")
    async def withdraw(
        self, request: Request[Principal, Any, Any], notice_id: UUID, rt: Runtime
    ) -> outreach.NoticeView:
        async with transaction(rt.pool) as conn:
            return await outreach.withdraw(conn, request.user, notice_id)

    @post("/{notice_id:uuid}/interest", guards=[roles("worker")], status_code=200,
          summary="我想参加这个培训 / Register interest in a course (one tap; repeating changes nothing)")
    async def interest(
        self, request: Request[Principal, Any, Any], notice_id: UUID, rt: Runtime
    ) -> outreach.InterestView:
        async with transaction(rt.pool) as conn:
            return await outreach.register_interest(conn, request.user.user_id, notice_id,
                                                    clock.today(rt.settings.timezone))

    @delete("/{notice_id:uuid}/interest", guards=[roles("worker")], status_code=200,
            summary="不参加了 / Withdraw my interest in a course")
    async def no_interest(
        self, request: Request[Principal, Any, Any], notice_id: UUID, rt: Runtime
    ) -> outreach.InterestView:
        async with transaction(rt.pool) as conn:
            return await outreach.withdraw_interest(conn, request.user.user_id, notice_id)


class TrainingController(Controller):
    path = "/training"
    tags = ("notices",)

    @get("/wishes", guards=[roles("worker")], summary="我想学的技能 / The training I want")
    async def wishes(self, request: Request[Principal, Any, Any], rt: Runtime) -> outreach.WishesView:
        async with transaction(rt.pool) as conn:
            return await outreach.wishes_of(conn, request.user.user_id)

    @put("/wishes/{skill:str}", guards=[roles("worker")],
         summary="想学这个技能 / I want training in this skill (a code from GET /skills)")
    async def add(self, request: Request[Principal, Any, Any], skill: str, rt: Runtime) -> outreach.WishesView:
        async with transaction(rt.pool) as conn:
            return await outreach.add_wish(conn, request.user.user_id, skill)

    @delete("/wishes/{skill:str}", guards=[roles("worker")], status_code=200,
            summary="不想学了 / Take a training wish back")
    async def remove(
        self, request: Request[Principal, Any, Any], skill: str, rt: Runtime
    ) -> outreach.WishesView:
        async with transaction(rt.pool) as conn:
            return await outreach.remove_wish(conn, request.user.user_id, skill)

    @get("/demand", guards=[_STAFF],
         summary="培训需求 / Training wanted per skill and interest per course (a station's, or the "
                 "district's for the office)")
    async def demand(
        self, request: Request[Principal, Any, Any], rt: Runtime, station_id: UUID | None = None
    ) -> outreach.TrainingDemand:
        zone = rt.settings.timezone
        today = clock.today(zone)
        since = day_bounds(today - timedelta(days=outreach.LOCAL_DAYS - 1), zone)[0]
        async with transaction(rt.pool) as conn:
            if station_id is not None:
                await require_station_access(conn, request.user, station_id)
            elif request.user.role != "admin":
                raise Invalid.of_field("station_id", "请指定驿站", "name the station")
            return await outreach.training_demand(conn, station_id, today, since)
