"""Assignments: work done, pay sent and received, complaints, no-shows, ratings."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post

from gigstation.api.creating import create
from gigstation.api.routes.stations import Limit, Offset, page_params
from gigstation.api.runtime import Runtime
from gigstation.api.security import roles
from gigstation.platform import clock
from gigstation.platform.auth import Principal
from gigstation.platform.db import transaction
from gigstation.platform.pagination import Page
from gigstation.work import assignments, complaints, no_shows, pay, ratings
from gigstation.work.assignments import Assignment, AssignmentStatus

__all__ = ["AssignmentController"]

_ID = "/{assignment_id:uuid}"


class AssignmentController(Controller):
    path = "/assignments"
    tags = ("assignments",)

    @get("/", guards=[roles("worker", "employer", "operator", "admin")],
         summary="工作记录列表 / List assignments")
    async def list_assignments(
        self,
        request: Request[Principal, Any, Any],
        rt: Runtime,
        status: AssignmentStatus | None = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[Assignment]:
        page = page_params(limit, offset, rt)
        async with transaction(rt.pool) as conn:
            return await assignments.list_assignments(conn, request.user, page, status)

    @get(_ID, guards=[roles("worker", "employer", "operator", "admin")],
         summary="工作记录详情 / One assignment")
    async def get_assignment(
        self, request: Request[Principal, Any, Any], assignment_id: UUID, rt: Runtime
    ) -> Assignment:
        async with transaction(rt.pool) as conn:
            return await assignments.get_assignment(conn, request.user, assignment_id)

    @post(_ID + "/complete", guards=[roles("employer")], status_code=200,
          summary="确认完工 / Confirm the work was done")
    async def complete(
        self, request: Request[Principal, Any, Any], assignment_id: UUID, rt: Runtime,
        data: assignments.CompleteBody | None = None,
    ) -> Assignment:
        async with transaction(rt.pool) as conn:
            return await assignments.complete(conn, request.user, assignment_id,
                                              data or assignments.CompleteBody(), clock.now())

    @post(_ID + "/paid", guards=[roles("employer")], status_code=200,
          summary="登记已发工资 / Record the pay sent")
    async def paid(
        self, request: Request[Principal, Any, Any], assignment_id: UUID,
        data: assignments.PaidBody, rt: Runtime,
    ) -> Assignment:
        async with transaction(rt.pool) as conn:
            return await pay.record_pay(conn, request.user, assignment_id, data)

    @post(_ID + "/confirm-pay", guards=[roles("worker", "operator")], status_code=200,
          summary="确认收到工资 / Confirm the pay arrived",
          description="By the worker, or by an operator of the job's station for the person at the desk "
                      "(who may have no phone): recorded as given by the operator on their behalf.")
    async def confirm_pay(
        self, request: Request[Principal, Any, Any], assignment_id: UUID, rt: Runtime
    ) -> Assignment:
        async with transaction(rt.pool) as conn:
            return await pay.confirm_pay(conn, request.user, assignment_id)

    @post(_ID + "/dispute", guards=[roles("worker", "operator")], status_code=200,
          summary="工资投诉 / File a wage complaint",
          description="By the worker, or by an operator of the job's station for the person at the desk "
                      "(who may have no phone): recorded as filed by the operator on their behalf.")
    async def dispute(
        self, request: Request[Principal, Any, Any], assignment_id: UUID,
        data: assignments.ReasonBody, rt: Runtime,
    ) -> Assignment:
        async with transaction(rt.pool) as conn:
            return await pay.dispute(conn, request.user, assignment_id, data)

    @post(_ID + "/no-show", guards=[roles("employer")], status_code=200,
          summary="记录未到岗 / Record a no-show")
    async def no_show(
        self, request: Request[Principal, Any, Any], assignment_id: UUID, rt: Runtime
    ) -> Assignment:
        async with transaction(rt.pool) as conn:
            return await no_shows.mark_no_show(conn, request.user, assignment_id)

    @post(_ID + "/contest", guards=[roles("worker")], status_code=200,
          summary="申诉未到岗 / Contest a no-show")
    async def contest(
        self, request: Request[Principal, Any, Any], assignment_id: UUID,
        data: assignments.ReasonBody, rt: Runtime,
    ) -> Assignment:
        async with transaction(rt.pool) as conn:
            return await no_shows.contest_no_show(conn, request.user, assignment_id, data)

    @post(_ID + "/resolve", guards=[roles("operator", "admin")], status_code=200,
          summary="处理投诉 / Resolve a complaint")
    async def resolve(
        self, request: Request[Principal, Any, Any], assignment_id: UUID, rt: Runtime,
        data: assignments.ResolveBody | None = None,
    ) -> Assignment:
        async with transaction(rt.pool) as conn:
            return await complaints.resolve(conn, request.user, assignment_id,
                                            data or assignments.ResolveBody(), clock.now())

    @post(_ID + "/rating", guards=[roles("worker", "employer")],
          summary="评价对方 / Rate the other side")
    async def rate(
        self, request: Request[Principal, Any, Any], assignment_id: UUID,
        data: ratings.RatingCreate, rt: Runtime,
    ) -> Response[ratings.RatingView]:
        return await create(request, rt, ratings.RatingView,
                            lambda conn: ratings.rate(conn, request.user, assignment_id, data))
