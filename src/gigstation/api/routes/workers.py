"""Worker registration and profile; operators verify certificates and priority groups."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, patch, post, put

from gigstation.api.creating import create
from gigstation.api.runtime import Runtime
from gigstation.api.security import PUBLIC, client_address, roles
from gigstation.oversight import priority
from gigstation.people import workers
from gigstation.platform import auth, clock, throttle
from gigstation.platform.auth import Principal
from gigstation.platform.db import connection, transaction
from gigstation.platform.errors import NotFound
from gigstation.platform.types import Phone

__all__ = ["WorkerController"]


class WorkerRegistered(msgspec.Struct, frozen=True):
    worker: workers.WorkerView
    token: str


class PriorityGroups(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    groups: Annotated[list[workers.PriorityGroup | priority.PriorityEntry], msgspec.Meta(max_length=5)]


_BY_PHONE = "SELECT user_id FROM workers JOIN users ON users.id = workers.user_id WHERE phone = $1"


class WorkerController(Controller):
    path = "/workers"
    tags = ["workers"]

    @post("/", opt=PUBLIC, summary="劳动者实名注册 / Register as a worker")
    async def register(
        self, request: Request[Any, Any, Any], data: workers.WorkerCreate, rt: Runtime
    ) -> Response[WorkerRegistered]:
        async with connection(rt.pool) as conn:  # before argon2: refusals cost no hashing
            await throttle.before_registration(conn, rt.settings, client_address(request))
        password_hash = await rt.hasher.hash(data.password)
        today = clock.today(rt.settings.timezone)

        async def make(conn: Any) -> WorkerRegistered:
            worker = await workers.register_worker(conn, rt.cipher, data, password_hash, today)
            token, _ = auth.issue_token(rt.settings, Principal(worker.id, "worker"))
            return WorkerRegistered(worker, token)

        return await create(request, rt, WorkerRegistered, make, token_holder=lambda r: r.worker.id)

    @get("/me", guards=[roles("worker")], summary="我的资料 / My profile")
    async def me(self, request: Request[Principal, Any, Any], rt: Runtime) -> workers.WorkerView:
        async with transaction(rt.pool) as conn:
            return await workers.get_worker(conn, request.user.user_id)

    @patch("/me", guards=[roles("worker")], summary="修改我的资料 / Edit my profile")
    async def edit_me(
        self, request: Request[Principal, Any, Any], data: workers.WorkerUpdate, rt: Runtime
    ) -> workers.WorkerView:
        async with transaction(rt.pool) as conn:
            return await workers.update_worker(conn, request.user.user_id, data)

    @get("/lookup", guards=[roles("operator", "admin")],
         summary="按手机号查找劳动者（代签到）/ Find a worker by phone")
    async def lookup(self, phone: Phone, rt: Runtime) -> workers.WorkerView:
        async with transaction(rt.pool) as conn:
            worker_id = await conn.fetchval(_BY_PHONE, phone)
            if worker_id is None:
                raise NotFound("没有使用该手机号的劳动者", "no worker has this phone number")
            return await workers.get_worker(conn, worker_id)

    @post("/{worker_id:uuid}/skills/{skill:str}/verify", guards=[roles("operator", "admin")],
          status_code=200, summary="核验证书 / Verify a certificate")
    async def verify_skill(
        self, request: Request[Principal, Any, Any], worker_id: UUID, skill: str, rt: Runtime
    ) -> workers.WorkerView:
        async with transaction(rt.pool) as conn:
            return await workers.verify_skill(conn, request.user.user_id, worker_id, skill)

    @put("/{worker_id:uuid}/priority-groups", guards=[roles("operator", "admin")],
         summary="核定重点帮扶群体 / Set verified priority groups")
    async def set_priority_groups(
        self, request: Request[Principal, Any, Any], worker_id: UUID, data: PriorityGroups,
        rt: Runtime,
    ) -> workers.WorkerView:
        async with transaction(rt.pool) as conn:
            return await priority.record_priority_groups(
                conn, request.user.user_id, worker_id, list(data.groups), rt.settings.timezone,
                clock.today(rt.settings.timezone), rt.settings.priority_max_days)
