"""Worker registration and profile; operators verify certificates and priority groups."""

from __future__ import annotations

import re
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, patch, post, put

from gigstation.api.creating import create
from gigstation.api.runtime import Runtime
from gigstation.api.security import PUBLIC, client_address, roles, verify_token
from gigstation.oversight import priority
from gigstation.people import lookup, workers
from gigstation.platform import auth, clock, throttle
from gigstation.platform.auth import Principal
from gigstation.platform.db import connection, transaction
from gigstation.platform.errors import Invalid, NotFound
from gigstation.platform.types import Phone

__all__ = ["WorkerController"]


class WorkerRegistered(msgspec.Struct, frozen=True):
    worker: workers.WorkerView
    token: str | None
    """The new worker's token; None when an operator registered the person at the desk."""


async def _registering_staff(request: Request[Any, Any, Any]) -> Principal | None:
    """The operator (or administrator) registering a person at the desk, from the bearer
    token; None for a person registering themselves. The route is public, so the token is
    checked here; any other role registers as a stranger would."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    who = await verify_token(request, token)
    if who.role not in ("operator", "admin"):
        return None
    request.scope["user"] = who  # the Idempotency-Key is then scoped to the operator
    return who


class PriorityGroups(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    groups: Annotated[list[workers.PriorityGroup | priority.PriorityEntry], msgspec.Meta(max_length=5)]


_CARD = re.compile(r"^(GS)?[1-9][0-9]{9}$")
_BY_PHONE = "SELECT user_id FROM workers JOIN users ON users.id = workers.user_id WHERE phone = $1"


class WorkerController(Controller):
    path = "/workers"
    tags = ["workers"]

    @post("/", opt=PUBLIC, summary="劳动者实名注册 / Register as a worker",
          description="An operator's (or administrator's) bearer token registers a person at the desk: "
                      "`phone` and `password` may then be left out (ID only). The person gets a "
                      "`card_number` for the printed card and no token; they can add a phone and take "
                      "the account over later with a reset code from the desk (POST /auth/takeover). "
                      "Without such a token, `phone` and `password` are required.")
    async def register(
        self, request: Request[Any, Any, Any], data: workers.WorkerCreate, rt: Runtime
    ) -> Response[WorkerRegistered]:
        staff = await _registering_staff(request)
        if staff is None and data.phone is None:
            raise Invalid.of_field("phone", "请填写手机号（没有手机的人请到驿站服务台，由工作人员登记）",
                                   "give a mobile number (people without a phone register at a station's desk)")
        if staff is None:  # the desk registers many people from one address, each audited
            async with connection(rt.pool) as conn:  # before argon2: refusals cost no hashing
                await throttle.before_registration(conn, rt.settings, client_address(request))
        password_hash = await rt.hasher.hash(data.password) if data.password is not None else workers.NO_PASSWORD
        today = clock.today(rt.settings.timezone)

        async def make(conn: Any) -> WorkerRegistered:
            worker = await workers.register_worker(conn, rt.cipher, data, password_hash, today,
                                                   registered_by=staff.user_id if staff else None)
            if staff is not None:
                return WorkerRegistered(worker, None)
            token, _ = auth.issue_token(rt.settings, Principal(worker.id, "worker"))
            return WorkerRegistered(worker, token)

        return await create(request, rt, WorkerRegistered, make,
                            token_holder=(lambda r: r.worker.id) if staff is None else None)

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

    @get("/cards/{card:str}", guards=[roles("operator", "admin")],
         summary="按服务卡号查找劳动者 / Find a person by the number on their desk card "
                 "(10 digits, or the QR code's text GS + the number)")
    async def by_card(self, card: str, rt: Runtime) -> workers.WorkerView:
        if not _CARD.match(card):
            raise Invalid.of_field("card", "服务卡号为10位数字", "a card number has 10 digits")
        async with transaction(rt.pool) as conn:
            return await lookup.find_worker(conn, rt.cipher, card)

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
