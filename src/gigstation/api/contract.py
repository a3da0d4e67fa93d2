"""The published contract says what the API really answers (issue 8, fault 8).

Litestar documents a generic JSON 400 and marks every operation with the app-wide bearer
requirement. The API answers errors as RFC 9457 problem details and has public routes, so
after the app is built this module rewrites its OpenAPI document: every operation lists
400 and 422 (and a default for any other error status) as ``application/problem+json``,
operations open to anyone carry an empty ``security`` (no token needed), and the event
stream is documented as ``text/event-stream``.
"""

from __future__ import annotations

import re

from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.openapi.spec import OpenAPI, OpenAPIMediaType, OpenAPIResponse, Reference, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.response import ServerSentEvent

from gigstation.api.problems import MEDIA_TYPE

__all__ = ["document_contract"]

_PARAM = re.compile(r"\{(\w+):[^}]+\}")
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")

_TEXT = Schema(type=OpenAPIType.STRING)
_FIELD_ERROR = Schema(
    type=OpenAPIType.OBJECT,
    required=["field", "reason", "reason_en"],
    properties={"field": _TEXT, "reason": _TEXT, "reason_en": _TEXT},
)
PROBLEM = Schema(
    type=OpenAPIType.OBJECT,
    description="RFC 9457 problem details; ``detail`` in Chinese, ``detail_en`` in English",
    required=["type", "title", "status", "detail"],
    properties={
        "type": _TEXT, "title": _TEXT, "title_en": _TEXT, "status": Schema(type=OpenAPIType.INTEGER),
        "detail": _TEXT, "detail_en": _TEXT, "code": _TEXT, "instance": _TEXT,
        "errors": Schema(type=OpenAPIType.ARRAY, items=_FIELD_ERROR),
    },
)
_EVENT = Schema(
    type=OpenAPIType.OBJECT,
    description="one server-sent event; ``data`` holds the JSON payload",
    properties={"event": _TEXT, "data": _TEXT, "id": _TEXT, "retry": Schema(type=OpenAPIType.INTEGER)},
)
_ERRORS = {
    "400": "请求格式错误（不是 JSON、类型不对、嵌套过深） / malformed request",
    "422": "输入不符合规则，errors 列出全部有问题的字段 / invalid input, every invalid field listed",
    "default": "其他错误（401、403、404、409、413、415、429…） / any other error",
}


def _problem(description: str) -> OpenAPIResponse:
    return OpenAPIResponse(
        description=description,
        content={MEDIA_TYPE: OpenAPIMediaType(schema=Reference(ref="#/components/schemas/Problem"))},
    )


def _public_operations(app: Litestar) -> set[tuple[str, str]]:
    found = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if handler.opt.get("exclude_from_auth"):
                path = _PARAM.sub(r"{\1}", route.path)
                found |= {(path, method.lower()) for method in handler.http_methods}
    return found


def _event_streams(app: Litestar) -> set[str]:
    return {_PARAM.sub(r"{\1}", route.path) for route in app.routes
            for handler in getattr(route, "route_handlers", [])
            if isinstance(handler.parsed_fn_signature.return_type.annotation, type)
            and issubclass(handler.parsed_fn_signature.return_type.annotation, ServerSentEvent)}


# Building and rewriting the document costs about half a second; every app built from the
# same routes in one process (the test suite builds hundreds) gets the same document.
_DOCUMENTED: dict[tuple[tuple[str, tuple[str, ...]], ...], OpenAPI] = {}


def _routes_key(app: Litestar) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple(sorted((route.path, tuple(sorted(getattr(route, "methods", ())))) for route in app.routes))


def document_contract(app: Litestar) -> None:
    """Rewrite the app's OpenAPI document as described in the module docstring."""
    key = _routes_key(app)
    plugin = app.plugins.get(OpenAPIPlugin)
    if key in _DOCUMENTED and hasattr(plugin, "_openapi"):
        plugin._openapi = _DOCUMENTED[key]
        return
    schema = app.openapi_schema
    _DOCUMENTED[key] = schema
    if schema.components.schemas is None:
        schema.components.schemas = {}
    schema.components.schemas["Problem"] = PROBLEM
    public = _public_operations(app)
    streams = _event_streams(app)
    for path, item in (schema.paths or {}).items():
        for method in _METHODS:
            operation = getattr(item, method, None)
            if operation is None:
                continue
            responses = operation.responses or {}
            for status, description in _ERRORS.items():
                responses[status] = _problem(description)
            operation.responses = responses
            if (path, method) in public:
                operation.security = []
            if path in streams and "200" in responses:
                responses["200"] = OpenAPIResponse(
                    description="server-sent events (text/event-stream)",
                    content={"text/event-stream": OpenAPIMediaType(schema=_EVENT)})
