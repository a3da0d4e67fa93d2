"""Public-service safeguards: wage figures, the arrears blacklist, blocks, overdue pay."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, post
from litestar.params import Parameter

from gigstation.api.creating import create
from gigstation.api.runtime import Runtime
from gigstation.api.security import roles
from gigstation.oversight import blacklist, complaints, overdue, wages
from gigstation.platform import clock
from gigstation.platform.auth import Principal
from gigstation.platform.db import transaction
from gigstation.work import blocks

__all__ = ["BlacklistController", "BlockController", "OversightController", "WageController"]

_ANYONE = roles("worker", "employer", "operator", "admin")


class WageController(Controller):
    path = "/wages"
    tags = ("wages",)

    @get("/guidance", guards=[_ANYONE], summary="工种指导价与最低工资 / Guidance for a job type")
    async def guidance(
        self, rt: Runtime, skill: str, region: str | None = None
    ) -> wages.WageGuidanceAnswer:
        on = clock.today(rt.settings.timezone)
        async with transaction(rt.pool) as conn:
            return await wages.guidance_for(conn, skill, region or rt.settings.region, on)

    @get("/guidance/entries", guards=[_ANYONE], summary="指导价条目 / Guidance entries")
    async def guidance_entries(
        self, rt: Runtime, skill: str | None = None, region: str | None = None,
        include_superseded: bool = False,
    ) -> list[wages.GuidanceEntry]:
        async with transaction(rt.pool) as conn:
            return await wages.list_guidance(conn, skill, region, include_superseded)

    @post("/guidance/entries", guards=[roles("admin")], summary="新增指导价 / Add guidance")
    async def add_guidance(
        self, request: Request[Principal, Any, Any], data: wages.GuidanceCreate, rt: Runtime
    ) -> Response[wages.GuidanceEntry]:
        return await create(request, rt, wages.GuidanceEntry,
                            lambda conn: wages.add_guidance(conn, request.user.user_id, data))

    @post("/guidance/entries/{entry_id:int}/supersede", guards=[roles("admin")],
          summary="更正指导价 / Supersede a guidance entry")
    async def supersede_guidance(
        self, request: Request[Principal, Any, Any], entry_id: int, data: wages.GuidanceCreate,
        rt: Runtime,
    ) -> Response[wages.GuidanceEntry]:
        return await create(request, rt, wages.GuidanceEntry, lambda conn: wages.supersede_guidance(
            conn, request.user.user_id, entry_id, data))

    @get("/regions", guards=[_ANYONE],
         summary="已知最低工资的地区 / Regions whose minimum wage is known (what a station may use)")
    async def regions(self, rt: Runtime) -> list[wages.KnownRegion]:
        async with transaction(rt.pool) as conn:
            return await wages.known_regions(conn, clock.today(rt.settings.timezone))

    @get("/minimums", guards=[_ANYONE], summary="最低工资标准 / Minimum wages")
    async def minimums(
        self, rt: Runtime, region: str | None = None, include_superseded: bool = False
    ) -> list[wages.MinimumWageEntry]:
        async with transaction(rt.pool) as conn:
            return await wages.list_minimums(conn, region, include_superseded)

    @post("/minimums", guards=[roles("admin")], summary="新增最低工资标准 / Add a minimum wage")
    async def add_minimum(
        self, request: Request[Principal, Any, Any], data: wages.MinimumWageCreate, rt: Runtime
    ) -> Response[wages.MinimumWageEntry]:
        return await create(request, rt, wages.MinimumWageEntry,
                            lambda conn: wages.add_minimum(conn, request.user.user_id, data))

    @post("/minimums/{entry_id:int}/supersede", guards=[roles("admin")],
          summary="更正最低工资标准 / Supersede a minimum wage entry")
    async def supersede_minimum(
        self, request: Request[Principal, Any, Any], entry_id: int,
        data: wages.MinimumWageCreate, rt: Runtime,
    ) -> Response[wages.MinimumWageEntry]:
        return await create(request, rt, wages.MinimumWageEntry, lambda conn: wages.supersede_minimum(
            conn, request.user.user_id, entry_id, data))


class BlacklistController(Controller):
    path = "/blacklist"
    tags = ("oversight",)
    guards = (roles("admin"),)

    @get("/", summary="欠薪失信名单 / The arrears blacklist")
    async def entries(
        self, rt: Runtime, include_past: bool = False, employer_id: UUID | None = None
    ) -> list[blacklist.BlacklistEntry]:
        async with transaction(rt.pool) as conn:
            return await blacklist.list_entries(conn, clock.today(rt.settings.timezone),
                                                include_past, employer_id)

    @post("/", summary="列入失信名单 / Blacklist an employer in arrears")
    async def put(
        self, request: Request[Principal, Any, Any], data: blacklist.BlacklistCreate, rt: Runtime
    ) -> Response[blacklist.BlacklistEntry]:
        s = rt.settings
        return await create(request, rt, blacklist.BlacklistEntry, lambda conn: blacklist.put_on_blacklist(
            conn, request.user, data, clock.today(s.timezone), s.blacklist_years, rt.cipher))

    @get("/attempts", summary="失信主体重新注册的尝试 / Registrations refused by the blacklist")
    async def attempts(
        self, rt: Runtime, limit: Annotated[int, Parameter(ge=1, le=500, description="1-500")] = 200,
    ) -> list[blacklist.BlacklistAttempt]:
        async with transaction(rt.pool) as conn:
            return await blacklist.list_attempts(conn, limit)

    @post("/{entry_id:int}/lift", status_code=200, summary="移出失信名单 / Lift a listing")
    async def lift(
        self, request: Request[Principal, Any, Any], entry_id: int, data: blacklist.LiftBody,
        rt: Runtime,
    ) -> blacklist.BlacklistEntry:
        async with transaction(rt.pool) as conn:
            return await blacklist.lift(conn, request.user, entry_id, data)


class BlockController(Controller):
    path = "/blocks"
    tags = ("blocks",)
    guards = (roles("worker", "employer"),)

    @get("/", summary="我的屏蔽 / My blocks")
    async def mine(self, request: Request[Principal, Any, Any], rt: Runtime) -> list[blocks.BlockView]:
        async with transaction(rt.pool) as conn:
            return await blocks.list_blocks(conn, request.user)

    @post("/", summary="屏蔽对方 / Block an employer or a worker")
    async def add(
        self, request: Request[Principal, Any, Any], data: blocks.BlockCreate, rt: Runtime
    ) -> Response[blocks.BlockView]:
        return await create(request, rt, blocks.BlockView,
                            lambda conn: blocks.block(conn, request.user, data))

    @delete("/{user_id:uuid}", summary="取消屏蔽 / Remove a block")
    async def remove(self, request: Request[Principal, Any, Any], user_id: UUID, rt: Runtime) -> None:
        async with transaction(rt.pool) as conn:
            await blocks.unblock(conn, request.user, user_id)


class OversightController(Controller):
    path = "/oversight"
    tags = ("oversight",)
    guards = (roles("admin"),)

    @get("/overdue", summary="欠薪预警 / Pay overdue across the district")
    async def district_overdue(self, rt: Runtime) -> overdue.DistrictOverdue:
        async with transaction(rt.pool) as conn:
            return await overdue.district_overdue(conn, clock.now(), rt.settings.settlement_days)

    @get("/complaints/escalated", summary="上报的工资投诉 / Escalated wage complaints")
    async def escalated(
        self, request: Request[Principal, Any, Any], rt: Runtime, include_resolved: bool = False
    ) -> list[complaints.ComplaintCase]:
        async with transaction(rt.pool) as conn:
            return await complaints.escalated_cases(conn, request.user, include_resolved)
