"""Station pages: what the QR code opens, the printable poster, the wall screen and its link."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.response import Template

from gigstation.api.routes.stations import require_station_access
from gigstation.api.runtime import Runtime
from gigstation.platform import clock
from gigstation.platform.db import transaction
from gigstation.stations import registry as stations
from gigstation.stations import screens
from gigstation.web.pages_office import screen_notices
from gigstation.web.qr import qr_svg
from gigstation.web.render import render
from gigstation.web.session import current_user, page_role
from gigstation.work.worker_day import open_checkin

__all__ = ["ScreenLinkPages", "StationPages"]

_ID = "/{station_id:uuid}"
_SCREEN = _ID + "/screen/{token:str}"


def station_url(rt: Runtime, station_id: UUID) -> str:
    """The worker page the station's QR code opens."""
    return f"{rt.settings.public_base_url.rstrip('/')}/s/{station_id}"


class StationPages(Controller):
    path = "/s"

    @get(_ID, name="station")
    async def station(self, request: Request[Any, Any, Any], station_id: UUID, rt: Runtime,
                      code: str | None = None) -> Template:
        who = current_user(request)
        async with transaction(rt.pool) as conn:
            station = await stations.get_station(conn, station_id)
            feed = await screens.screen_feed(conn, station_id, clock.now())
            hours = await screens.opening_hours(conn, station_id)
            checkin = await open_checkin(conn, who.user_id) if who and who.role == "worker" else None
        code = code if code and code.isdigit() and len(code) == 6 else ""
        return await render(request, rt, "station/page.html", station=station, hours=hours,
                            waiting=feed.waiting, open_places=sum(o.places_left for o in feed.orders),
                            checkin=checkin, code=code)

    @get(_ID + "/poster", name="station.poster")
    async def poster(self, request: Request[Any, Any, Any], station_id: UUID, rt: Runtime) -> Template:
        async with transaction(rt.pool) as conn:
            station = await stations.get_station(conn, station_id)
            hours = await screens.opening_hours(conn, station_id)
        return await render(request, rt, "station/poster.html", station=station, hours=hours,
                            url=station_url(rt, station_id))

    @get(_ID + "/screen", name="station.screen_help")
    async def screen_help(self, request: Request[Any, Any, Any], station_id: UUID, rt: Runtime) -> Template:
        who = current_user(request)
        async with transaction(rt.pool) as conn:
            station = await stations.get_station(conn, station_id)
            staff = False
            if who is not None and who.role in ("operator", "admin"):
                staff = who.role == "admin" or station_id in await stations.operator_station_ids(
                    conn, who.user_id)
        return await render(request, rt, "station/screen_help.html", station=station, staff=staff)

    @get(_SCREEN, name="station.screen")
    async def screen(self, request: Request[Any, Any, Any], station_id: UUID, token: str,
                     rt: Runtime) -> Template:
        async with transaction(rt.pool) as conn:
            await screens.station_of_screen(conn, station_id, token)
            feed = await screens.screen_feed(conn, station_id, clock.now())
            notices = await screen_notices(rt, conn, station_id)
        return await render(request, rt, "station/screen.html", feed=feed, token=token, notices=notices,
                            url=station_url(rt, station_id), user_name=None, now=clock.now())

    @get(_SCREEN + "/live", name="station.screen_live")
    async def screen_live(self, request: Request[Any, Any, Any], station_id: UUID, token: str,
                          rt: Runtime) -> Template:
        async with transaction(rt.pool) as conn:
            await screens.station_of_screen(conn, station_id, token)
            feed = await screens.screen_feed(conn, station_id, clock.now())
            notices = await screen_notices(rt, conn, station_id)
        return await render(request, rt, "station/_screen_live.html", feed=feed, token=token, notices=notices,
                            url=station_url(rt, station_id), user_name=None, now=clock.now())

    @get(_SCREEN + "/qr.svg", name="station.screen_qr", media_type="image/svg+xml",
         cache_control=None)
    async def screen_qr(self, station_id: UUID, token: str, rt: Runtime) -> Response[bytes]:
        """The screen's QR code: the station page with this minute's presence code."""
        async with transaction(rt.pool) as conn:
            await screens.station_of_screen(conn, station_id, token)
            feed = await screens.screen_feed(conn, station_id, clock.now(), limit=0)
        # The page asks for it with ?c=<code>, so a URL names one minute's image: cacheable.
        return Response(qr_svg(f"{station_url(rt, station_id)}?code={feed.code}"),
                        media_type="image/svg+xml", headers={"Cache-Control": "private, max-age=60"})


class ScreenLinkPages(Controller):
    path = "/operator/stations"

    @post(_ID + "/screen-link", name="station.screen_link",
          guards=[page_role("operator", "admin")], status_code=200)
    async def make_link(self, request: Request[Any, Any, Any], station_id: UUID, rt: Runtime) -> Template:
        who = current_user(request)
        assert who is not None  # page_role let only signed-in staff through
        async with transaction(rt.pool) as conn:
            await require_station_access(conn, who, station_id)
            station = await stations.get_station(conn, station_id)
            link = await screens.make_screen_link(conn, who.user_id, station_id, rt.settings.public_base_url)
        return await render(request, rt, "station/screen_link.html", station=station, link=link)
