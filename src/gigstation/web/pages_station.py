"""Station pages: what the QR code opens, the printable poster, the wall screen and its link."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.response import Template

from gigstation.api.routes.stations import require_station_access
from gigstation.api.runtime import Runtime
from gigstation.api.security import client_address
from gigstation.platform import clock, throttle
from gigstation.platform.db import transaction
from gigstation.platform.errors import NotFound, TooMany
from gigstation.stations import presence, screens
from gigstation.stations import registry as stations
from gigstation.web.forms import form_text
from gigstation.web.pages_office import screen_notices
from gigstation.web.qr import qr_svg
from gigstation.web.render import render
from gigstation.web.session import current_user, page_role
from gigstation.web.worker_forms import PRESENCE_COOKIE
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
        code = code if code and code.isdigit() and len(code) == 6 else ""
        async with transaction(rt.pool) as conn:
            station = await stations.get_station(conn, station_id)
            feed = await screens.screen_feed(conn, station_id, clock.now())
            hours = await screens.opening_hours(conn, station_id)
            checkin = await open_checkin(conn, who.user_id) if who and who.role == "worker" else None
        pass_token = await self._presence_pass(request, rt, station_id, code) if code and not checkin else None
        page = await render(request, rt, "station/page.html", station=station, hours=hours,
                            waiting=feed.waiting, open_places=sum(o.places_left for o in feed.orders),
                            checkin=checkin, code="" if pass_token else code)
        if pass_token:
            # The QR's code outlives registration in this browser only (presence.PASS_TTL).
            page.cookies.append(Cookie(
                key=PRESENCE_COOKIE, value=f"{station_id}|{pass_token}", path="/worker", httponly=True,
                samesite="lax", secure=request.url.scheme == "https",
                max_age=int(presence.PASS_TTL.total_seconds())))
        return page

    async def _presence_pass(self, request: Request[Any, Any, Any], rt: Runtime, station_id: UUID,
                             code: str) -> str | None:
        """A pass for a QR code valid now; a wrong one just gets no pass. Limited per address,
        since this answers whether a code is right: 10 tries in 10 minutes."""
        try:
            async with transaction(rt.pool) as conn:
                await throttle.hit(conn, f"presence-pass:{client_address(request)}", 10, 600)
        except TooMany:
            return None
        async with transaction(rt.pool) as conn:
            return await presence.issue_pass(conn, station_id, code, clock.now())

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
            try:
                await screens.station_of_screen(conn, station_id, token)
            except NotFound:
                return await self._stopped(request, rt, station_id, full=True)
            feed = await screens.screen_feed(conn, station_id, clock.now())
            notices = await screen_notices(rt, conn, station_id)
        return await render(request, rt, "station/screen.html", feed=feed, token=token, notices=notices,
                            url=station_url(rt, station_id), user_name=None, now=clock.now())

    @get(_SCREEN + "/live", name="station.screen_live")
    async def screen_live(self, request: Request[Any, Any, Any], station_id: UUID, token: str,
                          rt: Runtime) -> Template:
        async with transaction(rt.pool) as conn:
            try:
                await screens.station_of_screen(conn, station_id, token)
            except NotFound:
                return await self._stopped(request, rt, station_id, full=False)
            feed = await screens.screen_feed(conn, station_id, clock.now())
            notices = await screen_notices(rt, conn, station_id)
        return await render(request, rt, "station/_screen_live.html", feed=feed, token=token, notices=notices,
                            url=station_url(rt, station_id), user_name=None, now=clock.now())

    async def _stopped(self, request: Request[Any, Any, Any], rt: Runtime, station_id: UUID,
                       full: bool) -> Template:
        """A replaced (or unknown) link: the screen says so instead of showing a dead code.
        The fragment answers 286, which tells htmx to stop polling."""
        async with transaction(rt.pool) as conn:
            name = await screens.station_name(conn, station_id)
        return await render(request, rt, "station/screen_stopped.html" if full else "station/_screen_stopped.html",
                            status_code=404 if full else 286, station_name=name, user_name=None)

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
        """Make the wall-screen link; when one is in use, first ask to confirm (the old screen
        stops and says so)."""
        who = current_user(request)
        assert who is not None  # page_role let only signed-in staff through
        confirmed = form_text(await request.form(), "confirm") == "yes"
        async with transaction(rt.pool) as conn:
            await require_station_access(conn, who, station_id)
            station = await stations.get_station(conn, station_id)
            current = await screens.screen_link_made(conn, station_id)
            if current is not None and not confirmed:
                return await render(request, rt, "station/screen_link_confirm.html", station=station,
                                    current=current)
            link = await screens.make_screen_link(conn, who.user_id, station_id, rt.settings.public_base_url)
        return await render(request, rt, "station/screen_link.html", station=station, link=link,
                            replaced=current is not None)
