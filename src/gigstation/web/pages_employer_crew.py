"""The employer at the work site: arrival and departure by scanning the worker's QR code (the
phone's camera opens ``/employer/scan/...`` with the code filled in), typing its short form or
the code on a desk slip (work.timesheet, the same service as the API's), answering a wage
complaint (oversight.complaints), and blocking a worker (work.blocks)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template

from gigstation.api.runtime import Runtime
from gigstation.oversight import complaints
from gigstation.platform import clock
from gigstation.platform.auth import Principal
from gigstation.platform.db import transaction
from gigstation.platform.errors import DomainError
from gigstation.web.forms import convert_form, form_text
from gigstation.web.i18n import lang_of
from gigstation.web.pages_employer import order_page
from gigstation.web.render import field_errors, render
from gigstation.web.session import current_user, page_role
from gigstation.work import assignments, blocks, timesheet
from gigstation.work.hours import HoursRules

__all__ = ["EmployerCrewPages"]

_CREW = "/orders/{order_id:uuid}/crew/{assignment_id:uuid}"


def _employer(request: Request[Any, Any, Any]) -> Principal:
    who = current_user(request)
    assert who is not None  # page_role("employer") let only a signed-in employer through
    return who


class EmployerCrewPages(Controller):
    path = "/employer"
    guards = [page_role("employer")]  # noqa: RUF012  (Litestar reads it from the class)

    async def _problem(self, request: Request[Any, Any, Any], rt: Runtime, order_id: UUID,
                       exc: DomainError) -> Template:
        return await order_page(request, rt, order_id, "employer/order.html", status_code=422,
                                errors=field_errors(exc, lang_of(dict(request.cookies)), set()))

    @get("/scan/{assignment_id:uuid}", name="employer.scan")
    async def scan(self, request: Request[Any, Any, Any], assignment_id: UUID, rt: Runtime,
                   code: str = "") -> Template:
        """What the worker's arrival QR code opens: who, which job, and one button that records
        arrival (or departure, once arrived). Nothing is recorded by opening the page."""
        async with transaction(rt.pool) as conn:
            a = await assignments.own_assignment(conn, _employer(request), assignment_id, "employer")
        return await render(request, rt, "employer/scan.html", a=a, code=code[:12],
                            step="departure" if a.arrived_at else "arrival",
                            rules=HoursRules.of(rt.settings))

    @post(_CREW + "/arrival", name="employer.crew.arrival")
    async def arrival(self, request: Request[Any, Any, Any], order_id: UUID, assignment_id: UUID,
                      rt: Runtime) -> Response[Any] | Template:
        return await self._scan(request, rt, order_id, assignment_id, "arrival")

    @post(_CREW + "/departure", name="employer.crew.departure")
    async def departure(self, request: Request[Any, Any, Any], order_id: UUID, assignment_id: UUID,
                        rt: Runtime) -> Response[Any] | Template:
        return await self._scan(request, rt, order_id, assignment_id, "departure")

    async def _scan(self, request: Request[Any, Any, Any], rt: Runtime, order_id: UUID,
                    assignment_id: UUID, step: str) -> Response[Any] | Template:
        form = await request.form()
        s = rt.settings
        try:
            data = convert_form({"code": form_text(form, "code")}, timesheet.CodeBody)
            async with transaction(rt.pool) as conn:
                await timesheet.record_scan(conn, _employer(request), assignment_id,
                                            "arrival" if step == "arrival" else "departure", data,
                                            s.token_secret(), clock.now(), HoursRules.of(s), s.timezone)
        except DomainError as exc:
            return await self._problem(request, rt, order_id, exc)
        return Redirect(f"/employer/orders/{order_id}?done={step}", status_code=303)

    @post(_CREW + "/complaint", name="employer.crew.complaint")
    async def complaint_answer(self, request: Request[Any, Any, Any], order_id: UUID, assignment_id: UUID,
                               rt: Runtime) -> Response[Any] | Template:
        """The employer's answer to the worker's wage complaint: "已付" with a note, or a reply."""
        form = await request.form()
        try:
            data = convert_form({"note": form_text(form, "note"), "paid": form_text(form, "paid") == "1"},
                                complaints.MessageBody)
            async with transaction(rt.pool) as conn:
                await complaints.add_message(conn, _employer(request), assignment_id, data, clock.now(),
                                             complaints.CaseRules.of(rt.settings))
        except DomainError as exc:
            return await order_page(request, rt, order_id, "employer/order.html",
                                    status_code=409 if exc.__class__.__name__ == "Conflict" else 422,
                                    errors=field_errors(exc, lang_of(dict(request.cookies)), {"note"}))
        return Redirect(f"/employer/orders/{order_id}?done=case_answered#case-{assignment_id}", status_code=303)

    @post(_CREW + "/block", name="employer.crew.block")
    async def block_worker(self, request: Request[Any, Any, Any], order_id: UUID, assignment_id: UUID,
                           rt: Runtime) -> Response[Any] | Template:
        """Block the worker of this assignment: dispatch never pairs them again."""
        who = _employer(request)
        try:
            async with transaction(rt.pool) as conn:
                a = await assignments.own_assignment(conn, who, assignment_id, "employer")
                await blocks.block(conn, who, blocks.BlockCreate(a.worker_id))
        except DomainError as exc:
            return await self._problem(request, rt, order_id, exc)
        return Redirect(f"/employer/orders/{order_id}?done=blocked", status_code=303)

    @post(_CREW + "/unblock", name="employer.crew.unblock")
    async def unblock_worker(self, request: Request[Any, Any, Any], order_id: UUID, assignment_id: UUID,
                             rt: Runtime) -> Response[Any] | Template:
        who = _employer(request)
        try:
            async with transaction(rt.pool) as conn:
                a = await assignments.own_assignment(conn, who, assignment_id, "employer")
                await blocks.unblock(conn, who, a.worker_id)
        except DomainError as exc:
            return await self._problem(request, rt, order_id, exc)
        return Redirect(f"/employer/orders/{order_id}?done=unblocked", status_code=303)
