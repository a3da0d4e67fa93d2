"""Login and operator accounts."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, post

from gigstation.api.creating import create
from gigstation.api.runtime import Runtime
from gigstation.api.security import PUBLIC, roles
from gigstation.people import accounts
from gigstation.platform import auth
from gigstation.platform.db import transaction
from gigstation.platform.types import Phone

__all__ = ["AuthController", "OperatorController"]


class LoginRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    phone: Phone
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]


class AuthController(Controller):
    path = "/auth"
    tags = ["accounts"]

    @post("/login", opt=PUBLIC, status_code=200, summary="登录 / Sign in")
    async def login(self, data: LoginRequest, rt: Runtime) -> auth.LoginResult:
        async with transaction(rt.pool) as conn:
            return await auth.login(conn, rt.settings, rt.hasher, data.phone, data.password)


class OperatorController(Controller):
    path = "/operators"
    tags = ["accounts"]

    @post("/", guards=[roles("admin")], summary="创建驿站工作人员 / Create an operator")
    async def create_operator(
        self, request: Request[auth.Principal, Any, Any], data: accounts.OperatorCreate, rt: Runtime
    ) -> Response[accounts.OperatorView]:
        password_hash = await rt.hasher.hash(data.password)
        return await create(
            request, rt, accounts.OperatorView,
            lambda conn: accounts.create_operator(conn, request.user.user_id, data, password_hash),
        )
