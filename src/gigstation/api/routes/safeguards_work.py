"""Safeguards on a job: the stored agreement and its corrections, the worker's code, arrival and
departure, the worker's confirmation of the hours, the desk slip, the wage complaint case,
and an order's crew with each worker's record and hours."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter

from gigstation.api.creating import create
from gigstation.api.runtime import Runtime
from gigstation.api.security import roles
from gigstation.oversight import complaints
from gigstation.platform import clock
from gigstation.platform.auth import Principal
from gigstation.platform.db import transaction
from gigstation.work import agreements, crew, timesheet
from gigstation.work.assignments import Assignment, ReasonBody
from gigstation.work.hours import HoursRules

__all__ = ["JobRecordController", "OrderCrewController"]

_ID = "/{assignment_id:uuid}"
_PARTIES = roles("worker", "employer", "operator", "admin")


class JobRecordController(Controller):
    path = "/assignments"
    tags = ("assignments",)

    @get(_ID + "/agreement", guards=[_PARTIES], summary="用工协议 / The job agreement",
         description="The agreement's stored text and SHA-256 (the latest version, or `version`), "
                     "with every version's hash, and the hours and pay recorded since.")
    async def agreement(
        self, request: Request[Principal, Any, Any], assignment_id: UUID, rt: Runtime,
        version: Annotated[int | None, Parameter(ge=1, le=1000)] = None,
    ) -> agreements.JobAgreement:
        async with transaction(rt.pool) as conn:
            return await agreements.agreement(conn, request.user, assignment_id, rt.settings.timezone,
                                              rt.settings.settlement_days, version,
                                              HoursRules.of(rt.settings))

    @post(_ID + "/agreement/corrections", guards=[roles("operator", "admin")],
          summary="更正协议（新版本）/ Correct the agreement (a new version)")
    async def correct_agreement(
        self, request: Request[Principal, Any, Any], assignment_id: UUID,
        data: agreements.AgreementCorrection, rt: Runtime,
    ) -> Response[agreements.JobAgreement]:
        s = rt.settings
        return await create(request, rt, agreements.JobAgreement, lambda conn: agreements.correct_agreement(
            conn, request.user, assignment_id, data, s.timezone, s.settlement_days, HoursRules.of(s)))

    @get(_ID + "/code", guards=[roles("worker")], summary="我的到岗/离岗码 / My code for the next scan",
         description="Changes every minute; the code of the next event only (arrival, then departure).")
    async def code(
        self, request: Request[Principal, Any, Any], assignment_id: UUID, rt: Runtime
    ) -> timesheet.PersonalCode:
        async with transaction(rt.pool) as conn:
            return await timesheet.worker_code(conn, request.user, assignment_id,
                                               rt.settings.token_secret(), clock.now(),
                                               HoursRules.of(rt.settings))

    @post(_ID + "/arrival", guards=[roles("employer")], status_code=200,
          summary="扫码登记到岗 / Record arrival by the worker's code")
    async def arrival(
        self, request: Request[Principal, Any, Any], assignment_id: UUID,
        data: timesheet.CodeBody, rt: Runtime,
    ) -> Assignment:
        return await self._scan(request, assignment_id, "arrival", data, rt)

    @post(_ID + "/departure", guards=[roles("employer")], status_code=200,
          summary="扫码登记离岗 / Record departure by the worker's code")
    async def departure(
        self, request: Request[Principal, Any, Any], assignment_id: UUID,
        data: timesheet.CodeBody, rt: Runtime,
    ) -> Assignment:
        return await self._scan(request, assignment_id, "departure", data, rt)

    async def _scan(self, request: Request[Principal, Any, Any], assignment_id: UUID,
                    event: timesheet.Event, data: timesheet.CodeBody, rt: Runtime) -> Assignment:
        s = rt.settings
        async with transaction(rt.pool) as conn:
            return await timesheet.record_scan(conn, request.user, assignment_id, event, data,
                                               s.token_secret(), clock.now(), HoursRules.of(s), s.timezone)

    @post(_ID + "/hours/confirm", guards=[roles("worker", "operator")], status_code=200,
          summary="确认工时 / Confirm the recorded hours",
          description="The worker, or an operator of the job's station for a worker at the desk "
                      "(audited as the operator, naming the worker).")
    async def confirm_hours(
        self, request: Request[Principal, Any, Any], assignment_id: UUID, rt: Runtime
    ) -> Assignment:
        async with transaction(rt.pool) as conn:
            return await timesheet.confirm_hours(conn, request.user, assignment_id, clock.now())

    @post(_ID + "/hours/contest", guards=[roles("worker", "operator")], status_code=200,
          summary="对工时提出异议 / Contest the recorded hours",
          description="Within the confirmation window; the contest is a complaint on the station's list.")
    async def contest_hours(
        self, request: Request[Principal, Any, Any], assignment_id: UUID, data: ReasonBody, rt: Runtime
    ) -> Assignment:
        async with transaction(rt.pool) as conn:
            return await timesheet.contest_hours(conn, request.user, assignment_id, data, clock.now())

    @post(_ID + "/desk-slip", guards=[roles("operator")], status_code=200,
          summary="到岗单（无智能手机）/ Desk slip codes for a worker without a smartphone",
          description="Fresh single-use arrival and departure codes, valid only in each event's "
                      "window; a new slip voids the last. Not replayed by Idempotency-Key: the "
                      "codes are never stored in clear.")
    async def desk_slip(
        self, request: Request[Principal, Any, Any], assignment_id: UUID, rt: Runtime
    ) -> timesheet.DeskSlip:
        async with transaction(rt.pool) as conn:
            return await timesheet.issue_desk_slip(conn, request.user, assignment_id, clock.now(),
                                                   HoursRules.of(rt.settings))

    @get(_ID + "/complaint", guards=[_PARTIES], summary="工资投诉进程 / The wage complaint case")
    async def complaint(
        self, request: Request[Principal, Any, Any], assignment_id: UUID, rt: Runtime
    ) -> complaints.ComplaintCase:
        async with transaction(rt.pool) as conn:
            return await complaints.case_of(conn, request.user, assignment_id, clock.now(),
                                            complaints.CaseRules.of(rt.settings))

    @post(_ID + "/complaint/messages", guards=[_PARTIES], status_code=200,
          summary="工资投诉补充说明 / Add to the wage complaint case",
          description="The worker adds details, the employer replies or says it has paid (`paid`), an "
                      "operator adds a note. Each message is kept as written; a closed case takes none "
                      "(409 `case_closed`).")
    async def complaint_message(
        self, request: Request[Principal, Any, Any], assignment_id: UUID,
        data: complaints.MessageBody, rt: Runtime,
    ) -> complaints.ComplaintCase:
        async with transaction(rt.pool) as conn:
            return await complaints.add_message(conn, request.user, assignment_id, data, clock.now(),
                                                complaints.CaseRules.of(rt.settings))

    @post(_ID + "/complaint/close", guards=[roles("operator", "admin")], status_code=200,
          summary="工资投诉结案 / Close the wage complaint with its outcome")
    async def complaint_close(
        self, request: Request[Principal, Any, Any], assignment_id: UUID,
        data: complaints.CloseBody, rt: Runtime,
    ) -> complaints.ComplaintCase:
        async with transaction(rt.pool) as conn:
            return await complaints.close_case(conn, request.user, assignment_id, data, clock.now(),
                                               complaints.CaseRules.of(rt.settings))

    @post(_ID + "/complaint/answer", guards=[roles("employer")], status_code=200,
          summary="答复工资投诉 / Answer the wage complaint")
    async def answer(
        self, request: Request[Principal, Any, Any], assignment_id: UUID,
        data: complaints.StepBody, rt: Runtime,
    ) -> complaints.ComplaintCase:
        async with transaction(rt.pool) as conn:
            return await complaints.answer(conn, request.user, assignment_id, data)

    @post(_ID + "/complaint/escalate", guards=[roles("operator", "admin")], status_code=200,
          summary="上报工资投诉 / Escalate the wage complaint")
    async def escalate(
        self, request: Request[Principal, Any, Any], assignment_id: UUID,
        data: complaints.StepBody, rt: Runtime,
    ) -> complaints.ComplaintCase:
        async with transaction(rt.pool) as conn:
            return await complaints.escalate(conn, request.user, assignment_id, data)


class OrderCrewController(Controller):
    path = "/orders"
    tags = ("orders",)

    @get("/{order_id:uuid}/crew", guards=[roles("employer", "operator", "admin")],
         summary="到岗人员与信用 / Who is coming, their record and hours")
    async def order_crew(
        self, request: Request[Principal, Any, Any], order_id: UUID, rt: Runtime
    ) -> list[crew.CrewMember]:
        async with transaction(rt.pool) as conn:
            return await crew.order_crew(conn, request.user, order_id, rt.settings.timezone,
                                         rt.settings.daily_hours_cap)
