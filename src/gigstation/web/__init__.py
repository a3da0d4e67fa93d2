"""The pages people use: templates, static files and page controllers on the same app."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Request, Response, Router
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from gigstation import __version__
from gigstation.api.http_policy import StaticAssets
from gigstation.api.security import PUBLIC
from gigstation.platform.config import Settings
from gigstation.platform.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, TooMany, Unauthorized
from gigstation.web import i18n
from gigstation.web.maps import map_links
from gigstation.web.pages_office import OFFICE_PAGES
from gigstation.web.pages_public import PublicPages
from gigstation.web.pages_public_info import PublicInfoPages
from gigstation.web.pages_staff import PAGE_CONTROLLERS_W2
from gigstation.web.pages_station import ScreenLinkPages, StationPages
from gigstation.web.pages_worker import WorkerPages
from gigstation.web.pages_worker_jobs import WorkerJobPages
from gigstation.web.place_picker import district_picker
from gigstation.web.session import NeedsSignIn

__all__ = ["STATIC_ASSETS", "STATIC_DIR", "TEMPLATE_DIR", "template_config", "web_handlers"]

log = logging.getLogger(__name__)

WEB_DIR = Path(__file__).parent
TEMPLATE_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
STATIC_ASSETS = StaticAssets(STATIC_DIR)
"""Content-hash URLs for the static files (``static_url`` in templates; cached by api/http_policy)."""


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    """Jinja2 with autoescaping through Litestar's engine, plus the i18n filters."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    i18n.install(env)
    env.globals["static_url"] = STATIC_ASSETS.url
    env.globals["map_links"] = map_links
    env.globals["district_picker"] = district_picker
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(env))


def _needs_sign_in(_: Request[Any, Any, Any], exc: NeedsSignIn) -> Response[Any]:
    return exc.redirect()


_STATUS = {NotFound: 404, Forbidden: 403, Conflict: 409, Invalid: 422, TooMany: 429}


def _page_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    # A domain error that a page controller did not turn into a form message: a plain page
    # that says what happened and links back to the start.
    if isinstance(exc, Unauthorized):
        return Redirect(f"/login?next={quote(request.url.path, safe='/')}", status_code=303)
    status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 400)
    lang = i18n.lang_of(dict(request.cookies))
    t = i18n.translator(lang)
    # Every refusal names a next step: back to the part of the site the person came from.
    section = next((p for p in ("/worker", "/employer", "/operator", "/admin") if request.url.path.startswith(p)), "/")
    return Template(template_name="error.html", status_code=status, context={
        "lang": lang, "t": t, "tz": "Asia/Shanghai", "user": None, "user_name": None,
        "here": request.url.path, "version": __version__, "errors": [],
        "heading": t("出错了", "Something went wrong") if status != 404 else t("找不到", "Not found"),
        "message": exc.detail_en if lang == "en" else exc.detail, "back": section,
    })


def web_handlers(settings: Settings) -> list[Any]:
    """The page routers and the static files (their caching is decided in api/http_policy)."""
    pages = Router(
        path="/",
        route_handlers=[PublicPages, StationPages, ScreenLinkPages, WorkerPages, WorkerJobPages,
                        *PAGE_CONTROLLERS_W2, PublicInfoPages, *OFFICE_PAGES],
        # Pages read the cookie themselves (web/session.py) and redirect instead of a JSON 401.
        opt=dict(PUBLIC),
        exception_handlers={NeedsSignIn: _needs_sign_in, DomainError: _page_error},
        include_in_schema=False,
    )
    static = create_static_files_router(
        path="/static",
        directories=[STATIC_DIR],
        opt=dict(PUBLIC),
        include_in_schema=False,
    )
    del settings  # reserved for settings-dependent pages; nothing reads it yet
    return [pages, static]
