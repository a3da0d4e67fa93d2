"""Pages anyone may open: choose your role, sign in and out, switch language."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template

from gigstation.api.runtime import Runtime
from gigstation.api.security import client_address
from gigstation.people import accounts
from gigstation.platform import auth, clock, throttle
from gigstation.platform.errors import Conflict, DomainError, FieldError, Invalid, TooMany
from gigstation.web.forms import convert_every_field, form_text
from gigstation.web.i18n import LANG_COOKIE, lang_of
from gigstation.web.render import field_errors, render
from gigstation.web.session import current_user, end_session, home_of, safe_next, signed_in_redirect

__all__ = ["PublicPages"]

ROLES = ("worker", "employer", "operator", "admin")
RESET_WORDS = {
    "phone": ("手机号应为11位数字，以1开头", "a mobile number has 11 digits and starts with 1"),
    "code": ("请填写工作人员给您的6位重置码", "enter the 6-digit code the staff gave you"),
    "new_password": ("新密码至少要8位", "the new password needs at least 8 characters"),
}

TAKEOVER_WORDS = {
    "card_number": ("服务卡号为10位数字，印在服务卡上", "the card number has 10 digits, printed on the card"),
    **RESET_WORDS,
}


class PublicPages(Controller):
    path = "/"

    @get("/", name="home")
    async def home(self, request: Request[Any, Any, Any], rt: Runtime) -> Template:
        who = current_user(request)
        return await render(request, rt, "home.html", home=home_of(who.role) if who else None)

    @get("/login", name="login")
    async def login_form(
        self, request: Request[Any, Any, Any], rt: Runtime, next: str | None = None,
    ) -> Template:
        role = request.query_params.get("as") or ""
        return await render(request, rt, "login.html", next=safe_next(next) or "",
                            role=role if role in ROLES else "", phone="")

    @post("/login", name="login.submit")
    async def login(self, request: Request[Any, Any, Any], rt: Runtime) -> Response[Any] | Template:
        form = await request.form()
        phone, password = form_text(form, "phone"), str(form.get("password") or "")
        next_path = safe_next(form_text(form, "next"))
        role = form_text(form, "role")
        try:
            missing = [FieldError(n, "请填写此项", "this field is required")
                       for n, v in (("phone", phone), ("password", password)) if not v]
            if missing:
                raise Invalid("请填写手机号和密码", "enter your phone number and password", missing)
            result = await throttle.login_checked(rt.pool, rt.settings, rt.hasher, phone, password,
                                                  client_address(request))
        except DomainError as exc:
            page = await render(request, rt, "login.html", status_code=429 if isinstance(exc, TooMany) else 422,
                                next=next_path or "", role=role if role in ROLES else "", phone=phone,
                                errors=field_errors(exc, lang_of(dict(request.cookies)),
                                                    {"phone", "password"}))
            if isinstance(exc, TooMany):  # the same limit and answer as the API's login
                page.headers["Retry-After"] = str(exc.retry_after_s)
            return page
        return signed_in_redirect(request, auth.Principal(result.user_id, result.role), next_path,
                                  token=result.token)

    @get("/password-reset", name="password_reset")
    async def password_reset_form(self, request: Request[Any, Any, Any], rt: Runtime, phone: str = "") -> Template:
        """Forgot the password: how to get a code at a station's desk, and the form to use it."""
        return await render(request, rt, "password_reset.html", values={"phone": phone})

    @post("/password-reset", name="password_reset.submit")
    async def password_reset(self, request: Request[Any, Any, Any], rt: Runtime) -> Response[Any] | Template:
        form = await request.form()
        values = {"phone": form_text(form, "phone"), "code": form_text(form, "code").replace(" ", ""),
                  "new_password": str(form.get("new_password") or "")}
        try:
            data = convert_every_field(values, accounts.PasswordReset, RESET_WORDS)
            who = await accounts.reset_password_checked(rt.pool, rt.settings, rt.hasher, data,
                                                        client_address(request), clock.now())
        except DomainError as exc:
            if isinstance(exc, Invalid) and exc.code == accounts.RESET_CODE:
                values["code"] = ""
            return await render(request, rt, "password_reset.html",
                                status_code=429 if isinstance(exc, TooMany) else 422, values=values,
                                errors=field_errors(exc, lang_of(dict(request.cookies)), set(RESET_WORDS)))
        return signed_in_redirect(request, who, home_of(who.role) + "?done=password")

    @get("/takeover", name="takeover")
    async def takeover_form(self, request: Request[Any, Any, Any], rt: Runtime) -> Template:
        """Registered at the desk without a phone: add one and a password with the desk's code."""
        return await render(request, rt, "takeover.html", values={})

    @post("/takeover", name="takeover.submit")
    async def takeover(self, request: Request[Any, Any, Any], rt: Runtime) -> Response[Any] | Template:
        form = await request.form()
        values = {"card_number": "".join(form_text(form, "card_number").split()).upper(),
                  "code": form_text(form, "code").replace(" ", ""), "phone": form_text(form, "phone"),
                  "new_password": str(form.get("new_password") or "")}
        try:
            data = convert_every_field(values, accounts.AccountTakeover, TAKEOVER_WORDS)
            who = await accounts.take_over_checked(rt.pool, rt.settings, rt.hasher, data,
                                                   client_address(request), clock.now())
        except DomainError as exc:
            if isinstance(exc, Invalid) and exc.code == accounts.RESET_CODE:
                values["code"] = ""
            return await render(request, rt, "takeover.html",
                                status_code=429 if isinstance(exc, TooMany) else 409 if isinstance(exc, Conflict)
                                else 422, values=values,
                                errors=field_errors(exc, lang_of(dict(request.cookies)), set(TAKEOVER_WORDS)))
        return signed_in_redirect(request, who, home_of(who.role) + "?done=password")

    @post("/logout", name="logout")
    async def logout(self, request: Request[Any, Any, Any]) -> Response[Any]:
        return await end_session(request, "/")

    @get("/lang/{choice:str}", name="lang")
    async def switch_language(self, choice: str, next: str | None = None) -> Response[Any]:
        value = "en" if choice == "en" else "zh"
        return Redirect(safe_next(next) or "/", status_code=303, cookies=[
            Cookie(key=LANG_COOKIE, value=value, path="/", max_age=365 * 24 * 3600, samesite="lax")])
