"""Published pages anyone may open without signing in: the wage figures in force and the
arrears blacklist (the same services as ``GET /api/v1/public/*``, oversight.publication).

The pages are rendered without the signed-in account (no name, no sign-out button), so they
read the same for everyone in a language: nothing personal, nothing per person."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template

from gigstation.api.routes.public import check_day
from gigstation.api.runtime import Runtime
from gigstation.oversight import publication
from gigstation.platform import clock
from gigstation.platform.db import transaction
from gigstation.web.render import render

__all__ = ["PublicInfoPages"]

_ANONYMOUS: dict[str, Any] = {"user": None, "user_name": None}


class PublicInfoPages(Controller):
    path = "/public"

    @get("/wages", name="public.wages")
    async def wages(self, request: Request[Any, Any, Any], rt: Runtime, on: date | None = None) -> Template:
        day = check_day(on, clock.today(rt.settings.timezone))
        async with transaction(rt.pool) as conn:
            figures = await publication.public_wages(conn, day, rt.settings.region)
        return await render(request, rt, "public/wages.html", figures=figures, **_ANONYMOUS)

    @get("/blacklist", name="public.blacklist")
    async def blacklist(self, request: Request[Any, Any, Any], rt: Runtime) -> Template:
        zone = rt.settings.timezone
        async with transaction(rt.pool) as conn:
            listing = await publication.public_blacklist(conn, clock.today(zone), zone)
        return await render(request, rt, "public/blacklist.html", listing=listing, **_ANONYMOUS)
