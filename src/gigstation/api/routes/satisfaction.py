"""Satisfaction from everyone served: the employer's rating of the station, the checkout
survey of a person who found no work, and a station's figures (thin: parse, authorize, call)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.params import QueryParameter

from gigstation.api.creating import create
from gigstation.api.routes.stations import require_station_access
from gigstation.api.runtime import Runtime
from gigstation.api.security import roles
from gigstation.oversight import performance, satisfaction
from gigstation.oversight.reports import day_bounds
from gigstation.platform import clock
from gigstation.platform.auth import Principal
from gigstation.platform.db import transaction

__all__ = ["CheckoutSurveyController", "EmployerStationRatingController", "SatisfactionController"]

_DATE = {"schema_extra": {"format": "date"}, "description": "YYYY-MM-DD, local"}


class EmployerStationRatingController(Controller):
    path = "/orders/{order_id:uuid}/station-rating"
    tags = ("orders",)

    @post("/", guards=[roles("employer")],
          summary="用工单位评价驿站服务 / The employer rates the station's service for an order (1-5)")
    async def rate(
        self, request: Request[Principal, Any, Any], order_id: UUID,
        data: satisfaction.EmployerStationRatingCreate, rt: Runtime,
    ) -> Response[satisfaction.EmployerStationRatingView]:
        async def make(conn: Any) -> satisfaction.EmployerStationRatingView:
            return await satisfaction.rate_station_for_order(conn, request.user.user_id, order_id, data,
                                                            clock.now())

        return await create(request, rt, satisfaction.EmployerStationRatingView, make)


class CheckoutSurveyController(Controller):
    path = "/checkins/{checkin_id:uuid}/survey"
    tags = ("checkins",)

    @get("/", guards=[roles("worker", "operator", "admin")],
         summary="签退调查 / The checkout survey of a check-in that ended without work")
    async def state(
        self, request: Request[Principal, Any, Any], checkin_id: UUID, rt: Runtime
    ) -> satisfaction.SurveyView:
        async with transaction(rt.pool) as conn:
            return await satisfaction.survey_state(conn, request.user, checkin_id, clock.now())

    @post("/", guards=[roles("worker", "operator")], status_code=200,
          summary="回答签退调查 / Answer one or both questions (an operator for the person at the desk)")
    async def answer(
        self, request: Request[Principal, Any, Any], checkin_id: UUID,
        data: satisfaction.SurveyAnswer, rt: Runtime,
    ) -> satisfaction.SurveyView:
        async with transaction(rt.pool) as conn:
            return await satisfaction.answer_survey(conn, request.user, checkin_id, data, clock.now())


class SatisfactionController(Controller):
    path = "/stations/{station_id:uuid}/satisfaction"
    tags = ("reports",)

    @get("/", guards=[roles("operator", "admin")],
         summary="驿站满意度 / A station's satisfaction figures for a period (default the last 30 days)")
    async def figures(
        self, request: Request[Principal, Any, Any], station_id: UUID, rt: Runtime,
        date_from: Annotated[date | None, QueryParameter(name="from", **_DATE)] = None,
        date_to: Annotated[date | None, QueryParameter(name="to", **_DATE)] = None,
    ) -> satisfaction.SatisfactionFigures:
        zone = rt.settings.timezone
        end = date_to or clock.today(zone)
        start = date_from or end - timedelta(days=29)
        performance.check_period(start, end)
        async with transaction(rt.pool) as conn:
            await require_station_access(conn, request.user, station_id)
            return await satisfaction.period_figures(conn, station_id, day_bounds(start, zone)[0],
                                                     day_bounds(end, zone)[1])
