"""The worker's answers and records: accept or decline an offer, my jobs, the code the employer
scans, the hours to confirm or contest, pay and ratings."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.response import Redirect, Template

from gigstation.api.runtime import Runtime
from gigstation.oversight import complaints, station_ratings
from gigstation.platform import clock
from gigstation.platform.auth import Principal
from gigstation.platform.db import transaction
from gigstation.platform.errors import Conflict, DomainError, NotFound
from gigstation.web.forms import convert_form, form_text
from gigstation.web.i18n import lang_of, translator
from gigstation.web.qr import qr_svg, scan_url
from gigstation.web.render import field_errors, render
from gigstation.web.session import current_user, page_role
from gigstation.work import assignments, blocks, offers, pay, ratings, timesheet
from gigstation.work.hours import HoursRules
from gigstation.work.worker_day import job_history

__all__ = ["WorkerJobPages"]

_OFFER = "/offers/{offer_id:uuid}"
_JOB = "/jobs/{assignment_id:uuid}"


def _me(request: Request[Any, Any, Any]) -> Principal:
    who = current_user(request)
    assert who is not None  # page_role("worker") let only a signed-in worker through
    return who


class WorkerJobPages(Controller):
    path = "/worker"
    guards = [page_role("worker")]  # noqa: RUF012  (Litestar reads guards from the class)

    async def _jobs_page(self, request: Request[Any, Any, Any], rt: Runtime,
                         errors: list[dict[str, str]] | None = None, status: int = 200,
                         done: str = "", template: str = "worker/jobs.html") -> Template:
        async with transaction(rt.pool) as conn:
            jobs = await job_history(conn, _me(request).user_id)
            station_stars = await station_ratings.station_ratings_given(conn, _me(request).user_id)
            blocked = {b.blocked_id for b in await blocks.list_blocks(conn, _me(request))}
            cases = await complaints.worker_cases(conn, _me(request), clock.now(),
                                                  complaints.CaseRules.of(rt.settings))
        return await render(request, rt, template, status_code=status, jobs=jobs,
                            station_stars=station_stars, blocked=blocked, cases=cases,
                            errors=errors or [], done=done, now=clock.now())

    async def _problem(self, request: Request[Any, Any, Any], rt: Runtime, exc: DomainError) -> Template:
        return await self._jobs_page(request, rt, field_errors(exc, lang_of(dict(request.cookies)), set()),
                                     status=422)

    @post(_OFFER + "/accept", name="worker.offer.accept")
    async def accept(self, request: Request[Any, Any, Any], offer_id: UUID, rt: Runtime) -> Response[Any] | Template:
        try:
            async with transaction(rt.pool) as conn:
                await offers.accept_offer(conn, _me(request).user_id, offer_id, rt.settings.timezone,
                                          rules=HoursRules.of(rt.settings))
        except DomainError as exc:
            return await self._offer_problem(request, rt, exc)
        return Redirect("/worker?accepted=1", status_code=303)

    @post(_OFFER + "/decline", name="worker.offer.decline")
    async def decline(self, request: Request[Any, Any, Any], offer_id: UUID, rt: Runtime) -> Response[Any] | Template:
        try:
            async with transaction(rt.pool) as conn:
                await offers.decline_offer(conn, _me(request).user_id, offer_id)
        except DomainError as exc:
            return await self._offer_problem(request, rt, exc)
        return Redirect("/worker", status_code=303)

    async def _offer_problem(self, request: Request[Any, Any, Any], rt: Runtime, exc: DomainError) -> Template:
        lang = lang_of(dict(request.cookies))
        return await render(request, rt, "worker/offer_gone.html", status_code=422,
                            message=exc.detail_en if lang == "en" else exc.detail)

    @get("/jobs", name="worker.jobs")
    async def jobs(self, request: Request[Any, Any, Any], rt: Runtime, done: str | None = None) -> Template:
        return await self._jobs_page(request, rt, done=done or "")

    @get("/jobs/live", name="worker.jobs.live")
    async def jobs_live(self, request: Request[Any, Any, Any], rt: Runtime) -> Template:
        """The list alone, re-fetched when an event changes a job (completed, paid, ...)."""
        return await self._jobs_page(request, rt, template="worker/_jobs_list.html")

    @get(_JOB + "/confirm-pay", name="worker.job.confirm_pay.ask")
    async def ask_confirm_pay(self, request: Request[Any, Any, Any], assignment_id: UUID, rt: Runtime) -> Template:
        """Ask once more before confirming the pay: it cannot be taken back."""
        return await self._confirm_step(request, rt, assignment_id, "confirm-pay")

    @get(_JOB + "/dispute", name="worker.job.dispute.ask")
    async def ask_dispute(self, request: Request[Any, Any, Any], assignment_id: UUID, rt: Runtime) -> Template:
        """Ask once more before reporting unpaid wages."""
        return await self._confirm_step(request, rt, assignment_id, "dispute")

    async def _confirm_step(self, request: Request[Any, Any, Any], rt: Runtime, assignment_id: UUID,
                            kind: str) -> Template:
        async with transaction(rt.pool) as conn:
            job = next((j for j in await job_history(conn, _me(request).user_id, 200) if j.id == assignment_id),
                       None)
        if job is None:
            raise NotFound("工作记录不存在", "no such job")
        t = translator(lang_of(dict(request.cookies)))
        heading = t("确认收到工资？", "Confirm you were paid?") if kind == "confirm-pay" \
            else t("报告没收到工资？", "Report unpaid wages?")
        return await render(request, rt, "worker/confirm_job.html", job=job, kind=kind, heading=heading)

    @get(_JOB + "/code", name="worker.code")
    async def code(self, request: Request[Any, Any, Any], assignment_id: UUID, rt: Runtime) -> Template:
        """The code the employer scans, as a fragment the today page fetches again every 20 s
        (it changes every minute; work.timesheet)."""
        async with transaction(rt.pool) as conn:
            code = await timesheet.worker_code(conn, _me(request), assignment_id, rt.settings.token_secret(),
                                               clock.now(), HoursRules.of(rt.settings))
        return await render(request, rt, "worker/_code.html", code=code)

    @get(_JOB + "/code.svg", name="worker.code_qr", media_type="image/svg+xml",
         cache_control=CacheControlHeader(no_store=True))
    async def code_qr(self, request: Request[Any, Any, Any], assignment_id: UUID, rt: Runtime) -> bytes:
        """The current code as a QR code: the employer's phone camera opens the employer's
        confirm page with the code filled in (or the employer types the short form)."""
        async with transaction(rt.pool) as conn:
            code = await timesheet.worker_code(conn, _me(request), assignment_id, rt.settings.token_secret(),
                                               clock.now(), HoursRules.of(rt.settings))
        return qr_svg(scan_url(rt, assignment_id, code.short or "-"), scale=6)

    @post(_JOB + "/hours/confirm", name="worker.job.hours_confirm")
    async def confirm_hours(self, request: Request[Any, Any, Any], assignment_id: UUID,
                            rt: Runtime) -> Response[Any] | Template:
        """对，工时没错: the recorded arrival and departure become the hours of record."""
        try:
            async with transaction(rt.pool) as conn:
                await timesheet.confirm_hours(conn, _me(request), assignment_id, clock.now())
        except DomainError as exc:
            return await self._problem(request, rt, exc)
        return Redirect("/worker/jobs?done=hours_confirmed", status_code=303)

    @post(_JOB + "/hours/contest", name="worker.job.hours_contest")
    async def contest_hours(self, request: Request[Any, Any, Any], assignment_id: UUID,
                            rt: Runtime) -> Response[Any] | Template:
        """工时不对: a complaint the station settles; the planned hours stand meanwhile."""
        form = await request.form()
        reason = form_text(form, "reason") or "登记的到岗或离岗时间不对 / the recorded times are wrong"
        try:
            data = convert_form({"reason": reason[:500]}, assignments.ReasonBody)
            async with transaction(rt.pool) as conn:
                await timesheet.contest_hours(conn, _me(request), assignment_id, data, clock.now())
        except DomainError as exc:
            return await self._problem(request, rt, exc)
        return Redirect("/worker/jobs?done=hours_contested", status_code=303)

    @post(_JOB + "/confirm-pay", name="worker.job.confirm_pay")
    async def confirm_pay(self, request: Request[Any, Any, Any], assignment_id: UUID,
                          rt: Runtime) -> Response[Any] | Template:
        try:
            async with transaction(rt.pool) as conn:
                await pay.confirm_pay(conn, _me(request), assignment_id)
        except DomainError as exc:
            return await self._problem(request, rt, exc)
        return Redirect("/worker/jobs?done=confirmed", status_code=303)

    @post(_JOB + "/dispute", name="worker.job.dispute")
    async def dispute(self, request: Request[Any, Any, Any], assignment_id: UUID,
                      rt: Runtime) -> Response[Any] | Template:
        form = await request.form()
        reason = form_text(form, "reason").strip() or "没收到工资 / wages not received"
        try:
            data = convert_form({"reason": reason[:500]}, assignments.ReasonBody)
            async with transaction(rt.pool) as conn:
                await pay.dispute(conn, _me(request), assignment_id, data)
        except DomainError as exc:
            return await self._problem(request, rt, exc)
        return Redirect(f"/worker/jobs?done=disputed#case-{assignment_id}", status_code=303)

    @post(_JOB + "/complaint", name="worker.job.complaint")
    async def complaint_note(self, request: Request[Any, Any, Any], assignment_id: UUID,
                             rt: Runtime) -> Response[Any] | Template:
        """More details on the worker's own wage complaint (oversight.complaints, kept as written)."""
        form = await request.form()
        try:
            data = convert_form({"note": form_text(form, "note")}, complaints.MessageBody)
            async with transaction(rt.pool) as conn:
                await complaints.add_message(conn, _me(request), assignment_id, data, clock.now(),
                                             complaints.CaseRules.of(rt.settings))
        except DomainError as exc:
            return await self._jobs_page(request, rt, field_errors(exc, lang_of(dict(request.cookies)), {"note"}),
                                         status=409 if isinstance(exc, Conflict) else 422)
        return Redirect(f"/worker/jobs?done=case_note#case-{assignment_id}", status_code=303)

    @post(_JOB + "/rate", name="worker.job.rate")
    async def rate(self, request: Request[Any, Any, Any], assignment_id: UUID,
                   rt: Runtime) -> Response[Any] | Template:
        form = await request.form()
        try:
            data = convert_form({"stars": form_text(form, "stars")}, ratings.RatingCreate)
            async with transaction(rt.pool) as conn:
                await ratings.rate(conn, _me(request), assignment_id, data)
        except DomainError as exc:
            return await self._problem(request, rt, exc)
        return Redirect("/worker/jobs?done=rated", status_code=303)

    @post(_JOB + "/rate-station", name="worker.job.rate_station")
    async def rate_station(self, request: Request[Any, Any, Any], assignment_id: UUID,
                           rt: Runtime) -> Response[Any] | Template:
        """The one-tap rating of the station's service, after the job (oversight.station_ratings)."""
        form = await request.form()
        try:
            data = convert_form({"stars": form_text(form, "stars")}, station_ratings.StationRatingCreate)
            async with transaction(rt.pool) as conn:
                await station_ratings.rate_station(conn, _me(request).user_id, assignment_id, data)
        except DomainError as exc:
            return await self._problem(request, rt, exc)
        return Redirect("/worker/jobs?done=station_rated", status_code=303)

    @post(_JOB + "/block", name="worker.job.block")
    async def block_employer(self, request: Request[Any, Any, Any], assignment_id: UUID,
                             rt: Runtime) -> Response[Any] | Template:
        """不再接这家的活: block the job's employer (work.blocks; dispatch honours it)."""
        who = _me(request)
        try:
            async with transaction(rt.pool) as conn:
                job = await assignments.own_assignment(conn, who, assignment_id, "worker")
                await blocks.block(conn, who, blocks.BlockCreate(job.employer_id))
        except DomainError as exc:
            return await self._problem(request, rt, exc)
        return Redirect("/worker/jobs?done=blocked", status_code=303)

    @post("/blocks/{user_id:uuid}/remove", name="worker.block.remove")
    async def unblock_employer(self, request: Request[Any, Any, Any], user_id: UUID,
                               rt: Runtime) -> Response[Any]:
        async with transaction(rt.pool) as conn:
            await blocks.unblock(conn, _me(request), user_id)
        return Redirect("/worker/jobs?done=unblocked", status_code=303)
