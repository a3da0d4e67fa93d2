"""Safeguards on a job: the agreement, the personal code, arrival and departure, the wage
complaint case, and an order's crew with each worker's record and hours."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post

from gigstation.api.runtime import Runtime
from gigstation.api.security import roles
from gigstation.oversight import complaints
from gigstation.platform import clock
from gigstation.platform.auth import Principal
from gigstation.platform.db import transaction
from gigstation.work import agreements, crew
from gigstation.work.assignments import Assignment

__all__ = ["JobRecordController", "OrderCrewController"]

_ID = "/{assignment_id:uuid}"
_PARTIES = roles("worker", "employer", "operator", "admin")


class JobRecordController(Controller):
    path = "/assignments"
    tags = ("assignments",)

    @get(_ID + "/agreement", guards=[_PARTIES], summary="用工协议 / The job agreement")
    async def agreement(
        self, request: Request[Principal, Any, Any], assignment_id: UUID, rt: Runtime
    ) -> agreements.JobAgreement:
        async with transaction(rt.pool) as conn:
            return await agreements.agreement(conn, request.user, assignment_id,
                                              rt.settings.timezone, rt.settings.settlement_days)

    @get(_ID + "/code", guards=[roles("worker")], summary="我的到岗码 / My personal code")
    async def code(
        self, request: Request[Principal, Any, Any], assignment_id: UUID, rt: Runtime
    ) -> agreements.PersonalCode:
        async with transaction(rt.pool) as conn:
            return await agreements.worker_code(conn, request.user, assignment_id,
                                                rt.settings.token_secret())

    @post(_ID + "/arrival", guards=[roles("employer")], status_code=200,
          summary="扫码登记到岗 / Record arrival by the worker's code")
    async def arrival(
        self, request: Request[Principal, Any, Any], assignment_id: UUID,
        data: agreements.CodeBody, rt: Runtime,
    ) -> Assignment:
        async with transaction(rt.pool) as conn:
            return await agreements.record_arrival(conn, request.user, assignment_id, data,
                                                   rt.settings.token_secret(), clock.now())

    @post(_ID + "/departure", guards=[roles("employer")], status_code=200,
          summary="扫码登记离岗 / Record departure by the worker's code")
    async def departure(
        self, request: Request[Principal, Any, Any], assignment_id: UUID,
        data: agreements.CodeBody, rt: Runtime,
    ) -> Assignment:
        async with transaction(rt.pool) as conn:
            return await agreements.record_departure(conn, request.user, assignment_id, data,
                                                     rt.settings.token_secret(), clock.now())

    @get(_ID + "/complaint", guards=[_PARTIES], summary="工资投诉进程 / The wage complaint case")
    async def complaint(
        self, request: Request[Principal, Any, Any], assignment_id: UUID, rt: Runtime
    ) -> complaints.ComplaintCase:
        async with transaction(rt.pool) as conn:
            return await complaints.case_of(conn, request.user, assignment_id)

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
            return await crew.order_crew(conn, request.user, order_id, rt.settings.timezone)
