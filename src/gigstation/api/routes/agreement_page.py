"""The job agreement as a plain printable page (the JSON is ``/assignments/{id}/agreement``).

Served under the API with the bearer token; the pages mount the same renderer at
``/agreements/{id}`` with their session (see docs/architecture.md, safeguards).
"""

from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Controller, Request, get

from gigstation.api.runtime import Runtime
from gigstation.api.security import roles
from gigstation.platform.auth import Principal
from gigstation.platform.db import transaction
from gigstation.work import agreements

__all__ = ["AgreementPageController", "render_agreement"]

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"
_UNITS = {"hour": "小时 hour", "day": "天 day", "piece": "件 piece"}


@functools.cache
def _env() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True))


def render_agreement(doc: agreements.JobAgreement, zone: str) -> str:
    """The agreement as HTML (escaped by Jinja), times in the station's zone."""
    tz = ZoneInfo(zone)

    def local(t: datetime | None) -> str | None:
        return None if t is None else t.astimezone(tz).strftime("%Y-%m-%d %H:%M")

    return _env().get_template("agreements/agreement.html").render(
        doc=doc, made_at=local(doc.made_at), starts_at=local(doc.starts_at),
        ends_at=local(doc.ends_at), arrived_at=local(doc.arrived_at),
        departed_at=local(doc.departed_at), pay=f"{doc.pay_cents / 100:.2f}",
        unit=_UNITS.get(doc.pay_unit, doc.pay_unit),
        minimum=None if doc.minimum_hourly_fen is None else f"{doc.minimum_hourly_fen / 100:.2f}",
        due=None if doc.pay_due_cents is None else f"{doc.pay_due_cents / 100:.2f}")


class AgreementPageController(Controller):
    path = "/assignments"
    tags = ("assignments",)

    @get("/{assignment_id:uuid}/agreement.html", media_type="text/html",
         guards=[roles("worker", "employer", "operator", "admin")],
         summary="用工协议（可打印）/ The job agreement, printable")
    async def agreement_page(
        self, request: Request[Principal, Any, Any], assignment_id: UUID, rt: Runtime
    ) -> str:
        async with transaction(rt.pool) as conn:
            doc = await agreements.agreement(conn, request.user, assignment_id,
                                             rt.settings.timezone, rt.settings.settlement_days)
        return render_agreement(doc, rt.settings.timezone)
