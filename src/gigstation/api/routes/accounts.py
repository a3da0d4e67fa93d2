"""Login, logout everywhere, password change, operator accounts, disabling accounts."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, post

from gigstation.api.creating import create
from gigstation.api.runtime import Runtime
from gigstation.api.security import PUBLIC, client_address, roles
from gigstation.people import accounts
from gigstation.platform import auth, clock, throttle
from gigstation.platform.db import connection, transaction
from gigstation.platform.types import Phone

__all__ = ["AccountController", "AuthController", "OperatorController"]

_ANYONE_SIGNED_IN = roles("admin", "operator", "worker", "employer")


class LoginRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    phone: Phone
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]


class AuthController(Controller):
    path = "/auth"
    tags = ["accounts"]

    @post("/login", opt=PUBLIC, status_code=200, summary="登录 / Sign in")
    async def login(self, request: Request[Any, Any, Any], data: LoginRequest, rt: Runtime) -> auth.LoginResult:
        return await throttle.login_checked(rt.pool, rt.settings, rt.hasher, data.phone, data.password,
                                            client_address(request))

    @post("/logout-all", guards=[_ANYONE_SIGNED_IN], status_code=204,
          summary="退出所有设备 / Sign out everywhere (revoke every token of this account)")
    async def logout_all(self, request: Request[auth.Principal, Any, Any], rt: Runtime) -> None:
        async with transaction(rt.pool) as conn:
            await accounts.logout_everywhere(conn, request.user.user_id)

    @post("/password", guards=[_ANYONE_SIGNED_IN], status_code=200,
          summary="修改密码 / Change password (other sessions are signed out)")
    async def change_password(
        self, request: Request[auth.Principal, Any, Any], data: accounts.PasswordChange, rt: Runtime
    ) -> auth.LoginResult:
        who = request.user
        async with connection(rt.pool) as conn:  # counted even when the password is wrong
            await throttle.check_password_change(conn, rt.settings, who.user_id)
        async with transaction(rt.pool) as conn:
            version = await accounts.change_password(conn, rt.hasher, who.user_id, data)
        principal = auth.Principal(who.user_id, who.role, version)
        token, expires = auth.issue_token(rt.settings, principal)
        return auth.LoginResult(token, who.role, who.user_id, expires)


    @post("/password-reset", opt=PUBLIC, status_code=200,
          summary="用驿站给的重置码设新密码 / Choose a new password with the code from the station's desk")
    async def reset_password(
        self, request: Request[Any, Any, Any], data: accounts.PasswordReset, rt: Runtime
    ) -> auth.LoginResult:
        """The code is one-time, 30 minutes, 5 tries; every older session of the account ends."""
        who = await accounts.reset_password_checked(rt.pool, rt.settings, rt.hasher, data,
                                                    client_address(request), clock.now())
        token, expires = auth.issue_token(rt.settings, who)
        return auth.LoginResult(token, who.role, who.user_id, expires)

    @post("/takeover", opt=PUBLIC, status_code=200,
          summary="没有手机登记的人接管账号 / A person registered at the desk without a phone adds "
                  "their phone and a password (card number and the desk's reset code)")
    async def take_over(
        self, request: Request[Any, Any, Any], data: accounts.AccountTakeover, rt: Runtime
    ) -> auth.LoginResult:
        """The code is the desk's password reset code (one-time, 30 minutes, 5 tries)."""
        who = await accounts.take_over_checked(rt.pool, rt.settings, rt.hasher, data,
                                               client_address(request), clock.now())
        token, expires = auth.issue_token(rt.settings, who)
        return auth.LoginResult(token, who.role, who.user_id, expires)


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


class AccountController(Controller):
    path = "/accounts"
    tags = ["accounts"]

    @post("/{user_id:uuid}/disable", guards=[roles("admin")], status_code=200,
          summary="停用账号 / Disable an account (its tokens stop working at once)")
    async def disable(
        self, request: Request[auth.Principal, Any, Any], user_id: UUID, rt: Runtime
    ) -> accounts.AccountStatus:
        async with transaction(rt.pool) as conn:
            return await accounts.set_disabled(conn, request.user.user_id, user_id, True)

    @post("/{user_id:uuid}/reset-code", guards=[roles("operator", "admin")], status_code=200,
          summary="发密码重置码（已当面核对证件）/ Issue a one-time password reset code (ID checked in person)")
    async def reset_code(
        self, request: Request[auth.Principal, Any, Any], user_id: UUID, rt: Runtime
    ) -> accounts.ResetCode:
        """Operators: workers and employers; administrators: operators too. Each call voids the
        previous code; the code is in this answer only (never stored, so no replay)."""
        return await accounts.issue_reset_code_checked(rt.pool, rt.settings, request.user, user_id, clock.now())

    @post("/{user_id:uuid}/enable", guards=[roles("admin")], status_code=200,
          summary="恢复账号 / Enable an account again (old tokens stay revoked)")
    async def enable(
        self, request: Request[auth.Principal, Any, Any], user_id: UUID, rt: Runtime
    ) -> accounts.AccountStatus:
        async with transaction(rt.pool) as conn:
            return await accounts.set_disabled(conn, request.user.user_id, user_id, False)
