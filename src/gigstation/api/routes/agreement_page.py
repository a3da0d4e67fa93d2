"""The job agreement as a plain printable page (the JSON is ``/assignments/{id}/agreement``):
the stored text verbatim, its SHA-256 and versions, then what was recorded since.

Served under the API with the bearer token; the pages mount the same renderer at
``/agreements/{id}`` with their session (see docs/architecture.md, safeguards).
"""

from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Controller, Request, get
from litestar.params import Parameter

from gigstation.api.http_policy import StaticAssets
from gigstation.api.runtime import Runtime
from gigstation.api.security import roles
from gigstation.platform.auth import Principal
from gigstation.platform.db import transaction
from gigstation.work import agreements
from gigstation.work.hours import HoursRules

__all__ = ["AgreementPageController", "render_agreement"]

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"
# The printable page links its stylesheet by content hash like every page (api.http_policy).
_ASSETS = StaticAssets(TEMPLATES.parent / "static")


@functools.cache
def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True))
    env.globals["static_url"] = _ASSETS.url
    return env


_STATES = {"active": "进行中 active", "completed": "已完工 completed", "no_show": "未到岗 no-show",
           "cancelled": "已取消 cancelled"}
_HOURS = {"planned": "未登记，按约定工时 planned hours", "arrived": "已到岗 arrived",
          "recorded": "待劳动者确认 awaiting the worker", "confirmed": "已确认 confirmed",
          "contested": "有异议，驿站核实中 contested", "resolved": "驿站已核定 decided by the station"}


_EVENTS = {"arrival": "到岗 arrival", "departure": "离岗 departure", "confirm": "劳动者确认工时 confirmed",
           "contest": "劳动者提出异议 contested", "resolve": "驿站核定工时 decided"}
_PROOFS = {"phone_code": "扫劳动者手机码 phone code", "desk_slip": "到岗单 desk slip", "worker": "本人 the worker",
           "desk": "驿站窗口代办 at the desk", "operator": "驿站专员 operator",
           "legacy": "升级前登记 before the ledger"}


def render_agreement(doc: agreements.JobAgreement, zone: str) -> str:
    """The stored agreement text verbatim with its hash and versions, and the record since
    beside it (escaped by Jinja), times in the station's zone."""
    tz = ZoneInfo(zone)

    def local(t: datetime | None) -> str | None:
        return None if t is None else t.astimezone(tz).strftime("%Y-%m-%d %H:%M")

    return _env().get_template("agreements/agreement.html").render(
        doc=doc, local=local, arrived_at=local(doc.arrived_at), departed_at=local(doc.departed_at),
        status=_STATES.get(doc.status, doc.status), hours_state=_HOURS.get(doc.hours_state, doc.hours_state),
        events=_EVENTS, proofs=_PROOFS,
        due=None if doc.pay_due_cents is None else f"{doc.pay_due_cents / 100:.2f}",
        paid=None if doc.paid_cents is None else f"{doc.paid_cents / 100:.2f}")


class AgreementPageController(Controller):
    path = "/assignments"
    tags = ("assignments",)

    @get("/{assignment_id:uuid}/agreement.html", media_type="text/html",
         guards=[roles("worker", "employer", "operator", "admin")],
         summary="用工协议（可打印）/ The job agreement, printable")
    async def agreement_page(
        self, request: Request[Principal, Any, Any], assignment_id: UUID, rt: Runtime,
        version: Annotated[int | None, Parameter(ge=1, le=1000)] = None,
    ) -> str:
        async with transaction(rt.pool) as conn:
            doc = await agreements.agreement(conn, request.user, assignment_id, rt.settings.timezone,
                                             rt.settings.settlement_days, version,
                                             HoursRules.of(rt.settings))
        return render_agreement(doc, rt.settings.timezone)
