"""Administrator pages for the wage figures the office keeps: minimum wages per region and
market guidance per job type (oversight.wages, the same services as ``/api/v1/wages``).
Adding with "replaces entry" set supersedes that entry (both are kept, audited)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template

from gigstation.api.runtime import Runtime
from gigstation.oversight import wages
from gigstation.platform import reference
from gigstation.platform.auth import Principal
from gigstation.platform.db import transaction
from gigstation.platform.errors import DomainError, Invalid
from gigstation.web.forms import convert_form, form_text
from gigstation.web.i18n import lang_of
from gigstation.web.render import field_errors, render
from gigstation.web.session import current_user, page_role
from gigstation.web.staff_common import parse_fen

__all__ = ["AdminWagePages"]

MINIMUM_FIELDS = ("region", "effective_from", "hourly", "monthly", "source", "replaces")
GUIDANCE_FIELDS = ("skill", "pay_unit", "low", "median", "high", "g_from", "g_source", "replaces")
# The domain names a field by its API name; the form by its own.
_FORM_NAME = {"hourly_fen": "hourly", "monthly_fen": "monthly", "low_fen": "low", "median_fen": "median",
              "high_fen": "high"}
_GUIDE_NAME = {"effective_from": "g_from", "source": "g_source"}


def _admin(request: Request[Any, Any, Any]) -> Principal:
    who = current_user(request)
    assert who is not None
    return who


def _replaces(text: str) -> int | None:
    if not text:
        return None
    if not text.isdigit():
        raise Invalid.of_field("replaces", "请选择要更正的条目", "choose the entry to replace")
    return int(text)


class AdminWagePages(Controller):
    path = "/admin/wages"
    guards = [page_role("admin")]  # noqa: RUF012  (Litestar reads it from the class)

    @get("/", name="admin.wages")
    async def page(self, request: Request[Any, Any, Any], rt: Runtime, done: str = "") -> Template:
        return await self._page(request, rt, done=done)

    async def _page(
        self, request: Request[Any, Any, Any], rt: Runtime, *, done: str = "", which: str = "",
        values: dict[str, str] | None = None, errors: list[dict[str, str]] | None = None,
        status_code: int = 200,
    ) -> Template:
        async with transaction(rt.pool) as conn:
            minimums = await wages.list_minimums(conn, None, True)
            guidance = await wages.list_guidance(conn, None, None, True)
        skills = sorted(reference.skills().values(), key=lambda k: k.code)
        blank = {"region": rt.settings.region, "pay_unit": "hour", "skill": skills[0].code if skills else ""}
        return await render(
            request, rt, "admin/wages.html", status_code=status_code, minimums=minimums, guidance=guidance,
            skill_options=[(k.code, k.en if lang_of(dict(request.cookies)) == "en" else k.zh) for k in skills],
            done=done, errors=errors or [], which=which,
            min_form=values if which == "minimum" and values else blank,
            guide_form=values if which == "guidance" and values else blank)

    def _errors(self, request: Request[Any, Any, Any], exc: DomainError,
                known: tuple[str, ...]) -> list[dict[str, str]]:
        out = field_errors(exc, lang_of(dict(request.cookies)), None)
        renamed = _GUIDE_NAME if known is GUIDANCE_FIELDS else {}
        for e in out:
            e["field"] = renamed.get(e["field"], _FORM_NAME.get(e["field"], e["field"]))
            if e["field"] not in known:
                e["field"] = ""
        return out

    @post("/minimums", name="admin.wages.minimum")
    async def add_minimum(self, request: Request[Any, Any, Any], rt: Runtime) -> Response[Any] | Template:
        who = _admin(request)
        form = await request.form()
        values = {k: form_text(form, k) for k in MINIMUM_FIELDS}
        try:
            replaces = _replaces(values["replaces"])
            data = convert_form({
                "region": values["region"], "effective_from": values["effective_from"],
                "hourly_fen": parse_fen(values["hourly"], "hourly"),
                "monthly_fen": parse_fen(values["monthly"], "monthly"), "source": values["source"],
            }, wages.MinimumWageCreate)
            async with transaction(rt.pool) as conn:
                if replaces is None:
                    await wages.add_minimum(conn, who.user_id, data)
                else:
                    await wages.supersede_minimum(conn, who.user_id, replaces, data)
        except DomainError as exc:
            return await self._page(request, rt, which="minimum", values=values, status_code=422,
                                    errors=self._errors(request, exc, MINIMUM_FIELDS))
        return Redirect("/admin/wages?done=minimum", status_code=303)

    @post("/guidance", name="admin.wages.guidance")
    async def add_guidance(self, request: Request[Any, Any, Any], rt: Runtime) -> Response[Any] | Template:
        who = _admin(request)
        form = await request.form()
        values = {k: form_text(form, k) for k in GUIDANCE_FIELDS}
        try:
            replaces = _replaces(values["replaces"])
            data = convert_form({
                "skill": values["skill"], "pay_unit": values["pay_unit"] or "hour",
                "low_fen": parse_fen(values["low"], "low"), "median_fen": parse_fen(values["median"], "median"),
                "high_fen": parse_fen(values["high"], "high"), "effective_from": values["g_from"],
                "region": rt.settings.region, "source": values["g_source"],
            }, wages.GuidanceCreate)
            async with transaction(rt.pool) as conn:
                if replaces is None:
                    await wages.add_guidance(conn, who.user_id, data)
                else:
                    await wages.supersede_guidance(conn, who.user_id, replaces, data)
        except DomainError as exc:
            return await self._page(request, rt, which="guidance", values=values, status_code=422,
                                    errors=self._errors(request, exc, GUIDANCE_FIELDS))
        return Redirect("/admin/wages?done=guidance", status_code=303)
