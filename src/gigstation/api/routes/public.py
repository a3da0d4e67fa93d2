"""What the office publishes to everyone, no sign-in: wage figures and the arrears blacklist.

Neither answer carries personal data or depends on who asks (oversight.publication), so
both can be cached by a proxy (the cache headers are set where the app sets headers)."""

from __future__ import annotations

from datetime import date

from litestar import Controller, get

from gigstation.api.runtime import Runtime
from gigstation.api.security import PUBLIC
from gigstation.oversight import publication
from gigstation.platform import clock
from gigstation.platform.db import transaction
from gigstation.platform.errors import Invalid

__all__ = ["PublicInfoController"]


def check_day(on: date | None, today: date) -> date:
    """The day asked about (default today), within the calendar the reports accept."""
    if on is None:
        return today
    if not date(2000, 1, 1) <= on <= date(2099, 12, 31):
        raise Invalid.of_field("on", "日期须在 2000-01-01 至 2099-12-31 之间",
                               "must be between 2000-01-01 and 2099-12-31")
    return on


class PublicInfoController(Controller):
    path = "/public"
    tags = ("public",)

    @get("/wages", opt=PUBLIC,
         summary="公开：工资指导价和最低工资 / Published: wage guidance and minimum wages in force",
         description="Minimum wages per region and market guidance per region, job type and pay "
                     "unit in force on `on` (default today), and the changes already announced.")
    async def wages(self, rt: Runtime, on: date | None = None) -> publication.PublicWages:
        day = check_day(on, clock.today(rt.settings.timezone))
        async with transaction(rt.pool) as conn:
            return await publication.public_wages(conn, day, rt.settings.region)

    @get("/blacklist", opt=PUBLIC,
         summary="公开：拖欠农民工工资失信名单 / Published: the arrears blacklist",
         description="Listings in force: employer name, kind, a company's credit code, the reason "
                     "(with anything naming a worker masked), listing and end dates. Never the "
                     "evidence, never a worker's data, never a lifted or ended listing.")
    async def blacklist(self, rt: Runtime) -> publication.PublicBlacklist:
        zone = rt.settings.timezone
        async with transaction(rt.pool) as conn:
            return await publication.public_blacklist(conn, clock.today(zone), zone)
