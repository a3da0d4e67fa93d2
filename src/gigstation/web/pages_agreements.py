"""The job agreement on the pages: ``/agreements/{id}`` for both sides (and staff) with the
cookie session; the same service and renderer as the API's ``agreement.html``."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get
from litestar.params import Parameter

from gigstation.api.routes.agreement_page import render_agreement
from gigstation.api.runtime import Runtime
from gigstation.platform.db import transaction
from gigstation.web.session import current_user, page_role
from gigstation.work import agreements
from gigstation.work.hours import HoursRules

__all__ = ["AgreementPages"]


class AgreementPages(Controller):
    path = "/agreements"
    guards = [page_role("worker", "employer", "operator", "admin")]  # noqa: RUF012

    @get("/{assignment_id:uuid}", name="agreement.page", media_type="text/html")
    async def agreement_page(self, request: Request[Any, Any, Any], assignment_id: UUID,
                             rt: Runtime, version: Annotated[int | None, Parameter(ge=1, le=1000)] = None,
                             ) -> Response[str]:
        who = current_user(request)
        assert who is not None  # the guard let only a signed-in party through
        async with transaction(rt.pool) as conn:
            doc = await agreements.agreement(conn, who, assignment_id, rt.settings.timezone,
                                             rt.settings.settlement_days, version,
                                             HoursRules.of(rt.settings))
        return Response(render_agreement(doc, rt.settings.timezone), media_type="text/html",
                        headers={"Cache-Control": "no-store"})
