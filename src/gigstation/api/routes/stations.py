"""Stations, their QR code and the operator's board."""

from __future__ import annotations

import io
from typing import Annotated, Any
from uuid import UUID

import segno
from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter

from gigstation.api.creating import create
from gigstation.api.runtime import Runtime
from gigstation.api.security import PUBLIC, roles
from gigstation.platform import clock
from gigstation.platform.auth import Principal
from gigstation.platform.db import transaction
from gigstation.platform.errors import Invalid, NotFound
from gigstation.platform.pagination import Page, PageParams
from gigstation.stations import registry as stations
from gigstation.work.board import Board, station_board

__all__ = ["Limit", "Offset", "StationController", "page_params", "require_station_access"]

# Bounds published in the OpenAPI document (the default page_size_max is 200); page_params
# still applies the configured maximum.
Limit = Annotated[int, Parameter(ge=1, le=200, description="page size, 1-200")]
Offset = Annotated[int, Parameter(ge=0, le=100_000, description="items to skip, 0-100,000")]


def page_params(limit: int, offset: int, rt: Runtime) -> PageParams:
    """Bounded paging from query parameters."""
    if not 1 <= limit <= rt.settings.page_size_max:
        raise Invalid.of_field("limit", f"每页条数须在1到{rt.settings.page_size_max}之间",
                               f"must be 1 to {rt.settings.page_size_max}")
    if not 0 <= offset <= 100_000:
        raise Invalid.of_field("offset", "偏移量须在0到100000之间", "must be 0 to 100,000")
    return PageParams(limit, offset)


async def require_station_access(conn: Any, who: Principal, station_id: UUID) -> None:
    """Admins reach every station, operators only their own (others get 404)."""
    await stations.get_station(conn, station_id)
    if who.role == "admin":
        return
    if station_id not in await stations.operator_station_ids(conn, who.user_id):
        raise NotFound("驿站不存在", "no such station")


class StationController(Controller):
    path = "/stations"
    tags = ["stations"]

    @post("/", guards=[roles("admin")], summary="创建驿站 / Create a station")
    async def create_station(
        self, request: Request[Principal, Any, Any], data: stations.StationCreate, rt: Runtime
    ) -> Response[stations.StationView]:
        today = clock.today(rt.settings.timezone)
        return await create(request, rt, stations.StationView,
                            lambda conn: stations.create_station(conn, request.user.user_id, data, today))

    @get("/", opt=PUBLIC, summary="驿站列表（可按距离排序）/ List stations, nearest first")
    async def list_stations(
        self,
        rt: Runtime,
        lat: Annotated[float | None, Parameter(ge=-90, le=90)] = None,
        lon: Annotated[float | None, Parameter(ge=-180, le=180)] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[stations.StationView]:
        page = page_params(limit, offset, rt)
        if (lat is None) != (lon is None):
            raise Invalid.of_field("lat", "经纬度须同时提供", "lat and lon go together")
        near = (lat, lon) if lat is not None and lon is not None else None
        async with transaction(rt.pool) as conn:
            return await stations.list_stations(conn, page, near)

    @get("/{station_id:uuid}", opt=PUBLIC, summary="驿站详情 / One station")
    async def get_station(self, station_id: UUID, rt: Runtime) -> stations.StationView:
        async with transaction(rt.pool) as conn:
            return await stations.get_station(conn, station_id)

    @get("/{station_id:uuid}/qr.svg", opt=PUBLIC, media_type="image/svg+xml",
         summary="驿站签到二维码 / Check-in QR code")
    async def qr(self, station_id: UUID, rt: Runtime) -> bytes:
        """Encodes the station's worker page, ``{GIGSTATION_PUBLIC_BASE_URL}/s/{station_id}``."""
        async with transaction(rt.pool) as conn:
            await stations.get_station(conn, station_id)
        url = f"{rt.settings.public_base_url.rstrip('/')}/s/{station_id}"
        out = io.BytesIO()
        segno.make(url, error="m").save(out, kind="svg", scale=8, border=2)
        return out.getvalue()

    @get("/{station_id:uuid}/board", guards=[roles("operator", "admin")],
         summary="驿站看板 / Operator's board")
    async def board(
        self, request: Request[Principal, Any, Any], station_id: UUID, rt: Runtime
    ) -> Board:
        async with transaction(rt.pool) as conn:
            await require_station_access(conn, request.user, station_id)
            return await station_board(conn, station_id, now=clock.now(),
                                       settlement_days=rt.settings.settlement_days)
