"""Employer registration (with the truthfulness commitment) and verification."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post, put

from gigstation.api.creating import create
from gigstation.api.runtime import Runtime
from gigstation.api.security import PUBLIC, client_address, roles
from gigstation.oversight import blacklist
from gigstation.people import employers
from gigstation.platform import auth, clock, throttle
from gigstation.platform.auth import Principal
from gigstation.platform.db import connection, transaction

__all__ = ["EmployerController"]


class EmployerRegistered(msgspec.Struct, frozen=True):
    employer: employers.EmployerView
    token: str


class Commitment(msgspec.Struct, frozen=True):
    version: str
    text: str


class EmployerController(Controller):
    path = "/employers"
    tags = ["employers"]

    @get("/commitment", opt=PUBLIC, summary="诚信承诺书 / The truthfulness commitment")
    async def commitment(self) -> Commitment:
        return Commitment(employers.COMMITMENT_VERSION, employers.COMMITMENT_TEXT)

    @post("/", opt=PUBLIC, summary="用工主体注册 / Register as an employer")
    async def register(
        self, request: Request[Any, Any, Any], data: employers.EmployerCreate, rt: Runtime
    ) -> Response[EmployerRegistered]:
        today = clock.today(rt.settings.timezone)
        async with connection(rt.pool) as conn:  # before argon2: refusals cost no hashing
            await throttle.before_registration(conn, rt.settings, client_address(request))
        # A listed company or person is refused, and the attempt is kept (its own commit).
        async with transaction(rt.pool) as conn:
            refusal = await blacklist.screen_registration(conn, rt.cipher, data, today)
        if refusal is not None:
            raise refusal
        password_hash = await rt.hasher.hash(data.password)

        async def make(conn: Any) -> EmployerRegistered:
            employer = await employers.register_employer(conn, rt.cipher, data, password_hash, today)
            token, _ = auth.issue_token(rt.settings, Principal(employer.id, "employer"))
            return EmployerRegistered(employer, token)

        return await create(request, rt, EmployerRegistered, make, token_holder=lambda r: r.employer.id)

    @get("/me", guards=[roles("employer")], summary="单位资料 / My employer profile")
    async def me(self, request: Request[Principal, Any, Any], rt: Runtime) -> employers.EmployerView:
        async with transaction(rt.pool) as conn:
            return await employers.get_employer(conn, request.user.user_id)

    @put("/me/phone-sharing", guards=[roles("employer")],
         summary="让当天的工人能打电话给我 / Let the workers of an active job call me")
    async def phone_sharing(
        self, request: Request[Principal, Any, Any], data: employers.PhoneSharing, rt: Runtime
    ) -> employers.EmployerView:
        async with transaction(rt.pool) as conn:
            return await employers.set_phone_sharing(conn, request.user.user_id, data)

    @put("/me/legal-representative", guards=[roles("employer")],
         summary="补登法定代表人 / Add the company's legal representative (once)")
    async def legal_representative(
        self, request: Request[Principal, Any, Any], data: employers.LegalRepresentative, rt: Runtime
    ) -> employers.EmployerView:
        me = request.user.user_id
        async with transaction(rt.pool) as conn:
            return await employers.set_legal_representative(
                conn, rt.cipher, me, me, data, clock.today(rt.settings.timezone))

    @post("/{employer_id:uuid}/verify", guards=[roles("operator", "admin")], status_code=200,
          summary="核验用工主体 / Verify an employer")
    async def verify(
        self, request: Request[Principal, Any, Any], employer_id: UUID, rt: Runtime
    ) -> employers.EmployerView:
        async with transaction(rt.pool) as conn:
            return await employers.verify_employer(conn, request.user.user_id, employer_id)
