"""Rendering a page: the template plus what every page needs (language, zone, who is signed in)."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Template

from gigstation import __version__
from gigstation.api.runtime import Runtime
from gigstation.platform.db import connection
from gigstation.platform.errors import DomainError, FieldError
from gigstation.web.i18n import lang_of, translator
from gigstation.web.session import current_user
from gigstation.work.orders import REGION_ZH

__all__ = ["field_errors", "render"]

_NAME = "SELECT name FROM users WHERE id = $1 AND disabled_at IS NULL"


async def render(
    request: Request[Any, Any, Any],
    rt: Runtime,
    template: str,
    status_code: int = 200,
    **context: Any,
) -> Template:
    """A full page or fragment with the common context filled in."""
    lang = lang_of(dict(request.cookies))
    who = current_user(request)
    name = None
    if who is not None and "user_name" not in context:
        async with connection(rt.pool) as conn:
            name = await conn.fetchval(_NAME, who.user_id)
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    common: dict[str, Any] = {
        "lang": lang,
        "t": translator(lang),
        "tz": rt.settings.timezone,
        "user": who if name is not None or "user_name" in context else None,
        "user_name": name,
        "here": path,
        "version": __version__,
        "errors": [],
        "map_city": REGION_ZH.get(rt.settings.region, ""),
    }
    common.update(context)
    return Template(template_name=template, context=common, status_code=status_code)


def field_errors(exc: DomainError, lang: str, known: set[str] | None = None) -> list[dict[str, str]]:
    """The error summary: one entry per field (or one for the whole form), in the reader's language."""
    items: list[FieldError] = exc.errors or [FieldError("", exc.detail, exc.detail_en)]
    out = []
    for e in items:
        name = e.field if known is None or e.field in known else ""
        out.append({"field": name, "text": e.reason_en if lang == "en" else e.reason})
    return out
