"""Pages anyone may open: choose your role, sign in and out, switch language."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template

from gigstation.api.runtime import Runtime
from gigstation.api.security import client_address
from gigstation.platform import auth, throttle
from gigstation.platform.errors import DomainError, FieldError, Invalid, TooMany
from gigstation.web.forms import form_text
from gigstation.web.i18n import LANG_COOKIE, lang_of
from gigstation.web.render import field_errors, render
from gigstation.web.session import current_user, end_session, home_of, safe_next, signed_in_redirect

__all__ = ["PublicPages"]

ROLES = ("worker", "employer", "operator", "admin")


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

    @post("/logout", name="logout")
    async def logout(self, request: Request[Any, Any, Any]) -> Response[Any]:
        return await end_session(request, "/")

    @get("/lang/{choice:str}", name="lang")
    async def switch_language(self, choice: str, next: str | None = None) -> Response[Any]:
        value = "en" if choice == "en" else "zh"
        return Redirect(safe_next(next) or "/", status_code=303, cookies=[
            Cookie(key=LANG_COOKIE, value=value, path="/", max_age=365 * 24 * 3600, samesite="lax")])
