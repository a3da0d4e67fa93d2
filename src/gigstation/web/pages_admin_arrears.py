"""Administrator pages for pay protection: the district's overdue early-warning list and the
arrears blacklist (list, add with reason, evidence and end date, lift). The same services as
``/api/v1/oversight/overdue`` and ``/api/v1/blacklist`` (oversight.overdue, oversight.blacklist)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template

from gigstation.api.runtime import Runtime
from gigstation.oversight import blacklist, overdue
from gigstation.platform import clock
from gigstation.platform.auth import Principal
from gigstation.platform.db import transaction
from gigstation.platform.errors import DomainError, FieldError
from gigstation.web.forms import convert_form, form_text
from gigstation.web.i18n import lang_of
from gigstation.web.render import field_errors, render
from gigstation.web.session import current_user, page_role

__all__ = ["AdminArrearsPages"]

LIST_FIELDS = ("employer_id", "reason", "evidence", "ends_on", "legal_rep_name", "legal_rep_id_number")


def _admin(request: Request[Any, Any, Any]) -> Principal:
    who = current_user(request)
    assert who is not None
    return who


class AdminArrearsPages(Controller):
    path = "/admin"
    guards = [page_role("admin")]  # noqa: RUF012  (Litestar reads it from the class)

    @get("/overdue", name="admin.overdue")
    async def overdue_list(self, request: Request[Any, Any, Any], rt: Runtime) -> Template:
        async with transaction(rt.pool) as conn:
            found = await overdue.district_overdue(conn, clock.now(), rt.settings.settlement_days)
        return await render(request, rt, "admin/overdue.html", report=found)

    @get("/blacklist", name="admin.blacklist")
    async def blacklist_page(self, request: Request[Any, Any, Any], rt: Runtime, done: str = "",
                             employer: str = "") -> Template:
        return await self._page(request, rt, done=done, values={"employer_id": employer})

    async def _page(
        self, request: Request[Any, Any, Any], rt: Runtime, *, done: str = "",
        values: dict[str, str] | None = None, errors: list[dict[str, str]] | None = None,
        status_code: int = 200,
    ) -> Template:
        today = clock.today(rt.settings.timezone)
        async with transaction(rt.pool) as conn:
            entries = await blacklist.list_entries(conn, today, include_past=True)
            choices = await blacklist.employer_choices(conn)
            attempts = await blacklist.list_attempts(conn, 100)
        default_end = blacklist.years_later(today, rt.settings.blacklist_years)
        return await render(request, rt, "admin/blacklist.html", status_code=status_code, entries=entries,
                            choices=choices, attempts=attempts, form=values or {}, default_end=default_end,
                            today=today,
                            done=done, errors=errors or [])

    @post("/blacklist", name="admin.blacklist.add")
    async def add(self, request: Request[Any, Any, Any], rt: Runtime) -> Response[Any] | Template:
        form = await request.form()
        values = {k: form_text(form, k) for k in LIST_FIELDS}
        body: dict[str, Any] = {k: v for k, v in values.items()
                                if k in ("employer_id", "reason", "evidence") or (k == "ends_on" and v)}
        if values["legal_rep_id_number"]:  # a company registered before the representative was asked for
            body["legal_rep"] = {"name": values["legal_rep_name"], "id_number": values["legal_rep_id_number"]}
        try:
            data = convert_form(body, blacklist.BlacklistCreate)
            async with transaction(rt.pool) as conn:
                await blacklist.put_on_blacklist(conn, _admin(request), data, clock.today(rt.settings.timezone),
                                                 rt.settings.blacklist_years, rt.cipher)
        except DomainError as exc:
            for e in exc.errors:
                if e.field in ("legal_rep", "id_number"):
                    exc.errors = [FieldError("legal_rep_id_number", e.reason, e.reason_en)]
            values["legal_rep_id_number"] = ""  # an ID number is never echoed back into the page
            return await self._page(request, rt, values=values, status_code=422,
                                    errors=field_errors(exc, lang_of(dict(request.cookies)), set(LIST_FIELDS)))
        return Redirect("/admin/blacklist?done=listed", status_code=303)

    @post("/blacklist/{entry_id:int}/lift", name="admin.blacklist.lift")
    async def lift(self, request: Request[Any, Any, Any], entry_id: int, rt: Runtime) -> Response[Any] | Template:
        form = await request.form()
        try:
            data = convert_form({"reason": form_text(form, "reason")}, blacklist.LiftBody)
            async with transaction(rt.pool) as conn:
                await blacklist.lift(conn, _admin(request), entry_id, data)
        except DomainError as exc:
            return await self._page(request, rt, status_code=422,
                                    errors=field_errors(exc, lang_of(dict(request.cookies)), set()))
        return Redirect("/admin/blacklist?done=lifted", status_code=303)
