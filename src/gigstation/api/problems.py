"""Every error becomes RFC 9457 problem details, in Chinese first and English second."""

from __future__ import annotations

import logging
import re
from typing import Any

import asyncpg
import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from gigstation.platform.db import UNAVAILABLE
from gigstation.platform.errors import (
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    Invalid,
    NotFound,
    TooMany,
    Unauthorized,
)
from gigstation.platform.types import parse_rule_violation

__all__ = ["MEDIA_TYPE", "exception_handlers", "require_json_body"]

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"

_STATUS = {NotFound: 404, Forbidden: 403, Unauthorized: 401, Conflict: 409, Invalid: 422, TooMany: 429}
_TITLES = {
    400: ("请求格式错误", "Malformed request"),
    401: ("未登录或登录已失效", "Not signed in"),
    403: ("无权操作", "Forbidden"),
    404: ("未找到", "Not found"),
    405: ("不支持的请求方法", "Method not allowed"),
    409: ("与当前状态冲突", "Conflict"),
    413: ("请求内容过大", "Request body too large"),
    415: ("不支持的内容类型", "Unsupported media type"),
    422: ("输入内容不符合要求", "Invalid input"),
    429: ("请求过于频繁", "Too many requests"),
    500: ("服务器内部错误", "Internal server error"),
    503: ("服务暂时不可用", "Service unavailable"),
}


class Problem(msgspec.Struct, omit_defaults=True):
    type: str
    title: str
    status: int
    detail: str
    title_en: str = ""
    detail_en: str = ""
    code: str = ""
    errors: list[FieldError] = []
    instance: str = ""


def problem_response(
    request: Request[Any, Any, Any],
    status: int,
    detail: str,
    detail_en: str,
    errors: list[FieldError] | None = None,
    code: str = "",
    headers: dict[str, str] | None = None,
) -> Response[Problem]:
    """One problem-details response."""
    title, title_en = _TITLES.get(status, ("错误", "Error"))
    body = Problem(
        type=f"https://gigstation.dev/problems/{code or status}",
        title=title,
        title_en=title_en,
        status=status,
        detail=detail,
        detail_en=detail_en,
        code=code,
        errors=errors or [],
        instance=request.url.path,
    )
    return Response(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _domain(request: Request[Any, Any, Any], exc: DomainError) -> Response[Problem]:
    status = next((s for cls, s in _STATUS.items() if isinstance(exc, cls)), 400)
    headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, TooMany) else None
    return problem_response(request, status, exc.detail, exc.detail_en, exc.errors, exc.code, headers)


# msgspec messages that mean the body has the wrong shape (400) rather than a wrong value (422).
_STRUCTURAL = re.compile(
    r"^(Expected `[\w |]+`, got `\w+`|Object missing required field|Object contains unknown field"
    r"|JSON is malformed|Input data was truncated|Expected `object`|Expected `array`)"
)
_FIELD_IN_MESSAGE = re.compile(r"field `([^`]+)`")

_ZH_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"Object missing required field `([^`]+)`"), "缺少必填字段 {0}"),
    (re.compile(r"Object contains unknown field `([^`]+)`"), "不认识的字段 {0}"),
    (re.compile(r"Expected `(\w+)`, got `(\w+)`"), "类型错误：应为 {0}，实际为 {1}"),
    (re.compile(r"Expected `[\w ]+` >= ([\d.]+)"), "不能小于 {0}"),
    (re.compile(r"Expected `[\w ]+` <= ([\d.]+)"), "不能大于 {0}"),
    (re.compile(r"Expected `str` of length >= (\d+)"), "长度不能少于 {0}"),
    (re.compile(r"Expected `str` of length <= (\d+)"), "长度不能超过 {0}"),
    (re.compile(r"Expected `array` of length >= (\d+)"), "至少需要 {0} 项"),
    (re.compile(r"Expected `array` of length <= (\d+)"), "最多 {0} 项"),
    (re.compile(r"Expected `str` matching regex"), "格式不正确"),
    (re.compile(r"Invalid enum value"), "不是允许的取值"),
    (re.compile(r"Invalid RFC3339"), "时间格式不正确，应为带时区的 RFC 3339"),
    (re.compile(r"Invalid UUID"), "编号格式不正确"),
]


def _zh(message: str) -> str:
    for pattern, template in _ZH_PATTERNS:
        match = pattern.search(message)
        if match:
            return template.format(*match.groups())
    return "取值无效"


def _struct_of(annotation: Any) -> type[msgspec.Struct] | None:
    candidates = [annotation, *getattr(annotation, "__args__", ())]
    return next((c for c in candidates if isinstance(c, type) and issubclass(c, msgspec.Struct)), None)


def _every_field_error(request: Request[Any, Any, Any]) -> list[FieldError]:
    """msgspec stops at the first invalid field; check each field of the body on its own so
    the client hears about all of them at once (issue 8). Empty when that is not possible."""
    try:
        param = request.route_handler.parsed_fn_signature.parameters.get("data")
        body = request._connection_state.body
        struct = _struct_of(param.annotation) if param is not None else None
        if struct is None or not isinstance(body, bytes):
            return []
        raw = msgspec.json.decode(body)
    except (msgspec.DecodeError, RecursionError, AttributeError):
        return []
    if not isinstance(raw, dict):
        return []
    errors: list[FieldError] = []
    fields = msgspec.structs.fields(struct)
    known = {f.encode_name for f in fields}
    for name in sorted(set(raw) - known):
        errors.append(FieldError(name, f"不认识的字段 {name}", f"unknown field `{name}`"))
    for f in fields:
        if f.encode_name not in raw:
            if f.required:
                errors.append(FieldError(f.encode_name, f"缺少必填字段 {f.encode_name}",
                                         f"missing required field `{f.encode_name}`"))
            continue
        try:
            msgspec.json.decode(msgspec.json.encode(raw[f.encode_name]), type=f.type)
        except msgspec.ValidationError as exc:
            message = str(exc).split(" - at ")[0]
            errors.append(FieldError(f.encode_name, _zh(message), message))
        except (TypeError, RecursionError):
            continue
    return errors


_MISSING_PARAMETER = re.compile(r"Missing required (\w+) parameter '([^']+)'")


def _validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Problem]:
    missing = _MISSING_PARAMETER.search(str(exc.detail))
    if missing:
        kind, name = missing.groups()
        where = {"query": "查询", "header": "请求头", "cookie": "Cookie", "path": "路径"}.get(kind, "")
        error = FieldError(name, f"缺少必填{where}参数 {name}", f"missing required {kind} parameter `{name}`")
        return problem_response(request, 400, error.reason, error.reason_en, [error], "malformed")
    extra = exc.extra if isinstance(exc.extra, list) else []
    errors: list[FieldError] = []
    structural = not extra
    for item in extra:
        message = str(item.get("message", "")) if isinstance(item, dict) else str(item)
        key = str(item.get("key", "")) if isinstance(item, dict) else ""
        rule = parse_rule_violation(message)
        if key == "data" and message == "'data'":
            # No body at all: Litestar reports the missing ``data`` argument as a KeyError.
            structural = True
            errors.append(FieldError("", "请求体不能为空", "the request body is empty"))
            continue
        if rule is not None:
            errors.append(FieldError(*rule))
            continue
        if _STRUCTURAL.match(message):
            structural = True
        named = _FIELD_IN_MESSAGE.search(message)
        field = named.group(1) if named else ("" if key in ("data", "") else key)
        errors.append(FieldError(field, _zh(message), message))
    if not extra:
        detail_en = str(exc.detail)
        errors = [FieldError("", "请求体不是合法的 JSON", detail_en)]
    elif len(errors) == 1 and not any(isinstance(i, dict) and i.get("source") in ("query", "path", "header")
                                      for i in extra):
        every = _every_field_error(request)
        if len(every) > 1:
            errors = every
            structural = any(_STRUCTURAL.match(e.reason_en) or e.reason_en.startswith(("missing", "unknown"))
                             for e in every)
    status = 400 if structural else 422
    detail = "；".join(f"{e.field}: {e.reason}" if e.field else e.reason for e in errors)
    detail_en = "; ".join(f"{e.field}: {e.reason_en}" if e.field else e.reason_en for e in errors)
    return problem_response(request, status, detail, detail_en, errors,
                            "malformed" if status == 400 else "invalid")


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    status = exc.status_code
    title, title_en = _TITLES.get(status, ("错误", "Error"))
    if status == 413:
        limit = request.app.state.get("max_body_bytes")
        if limit:
            return problem_response(
                request, 413, f"请求内容超过 {limit} 字节的上限",
                f"the request body exceeds the limit of {limit} bytes", code="too_large", headers=exc.headers)
    if status == 400 and _STRUCTURAL.match(str(exc.detail)):
        # The body is not JSON at all (msgspec's decode error reaches us as a plain 400).
        reason = FieldError("", "请求体不是合法的 JSON", str(exc.detail))
        return problem_response(request, 400, reason.reason, reason.reason_en, [reason], "malformed")
    return problem_response(request, status, title, str(exc.detail) or title_en,
                            headers=exc.headers)


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    # Log the type and where, never the request body: it may hold identity numbers.
    log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path,
              exc_info=exc)
    return problem_response(request, HTTP_500_INTERNAL_SERVER_ERROR, "服务器内部错误，请稍后再试",
                            "internal error; please try again later", code="internal")


def _too_deep(request: Request[Any, Any, Any], exc: RecursionError) -> Response[Problem]:
    # Only a client's body nests deep enough to exhaust the stack while it is decoded.
    error = FieldError("", "JSON 嵌套层数过多", "the JSON nests too deeply")
    return problem_response(request, 400, error.reason, error.reason_en, [error], "too_deep")


_JSON_TYPE = re.compile(r"^application/([\w.+-]+\+)?json\s*(;|$)", re.IGNORECASE)


async def require_json_body(request: Request[Any, Any, Any]) -> Response[Problem] | None:
    """A body the API reads is JSON: another content type is a 415, not parsed anyway."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    has_body = int(request.headers.get("content-length") or 0) > 0 or "transfer-encoding" in request.headers
    if has_body and not _JSON_TYPE.match(request.headers.get("content-type", "")):
        return problem_response(
            request, 415, "请求体须为 JSON（Content-Type: application/json）",
            "the request body must be JSON (Content-Type: application/json)", code="unsupported_media_type")
    return None


def _unstorable_text(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    # A text field without an edge check let U+0000 through; PostgreSQL refused it and the
    # transaction rolled back, so the client sent bad input: 422, not 500.
    return problem_response(request, 422, "文本中不能包含空字符（U+0000）",
                            "text must not contain the NUL character (U+0000)", code="invalid")


UNAVAILABLE_RETRY_AFTER_S = 2


def _unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    # The database (or the pooler in front of it) cannot be reached: say so at once and
    # when to retry, rather than hang or call it an internal error (docs/scale.md).
    log.warning("database unavailable (%s) on %s %s", type(exc).__name__, request.method, request.url.path)
    return problem_response(
        request, 503, "数据库暂时无法连接，请稍后重试", "the database cannot be reached right now; retry shortly",
        code="database_unavailable", headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER_S)})


def _interface(request: Request[Any, Any, Any], exc: asyncpg.InterfaceError) -> Response[Problem]:
    # Leaving a transaction whose connection broke raises InterfaceError from the real cause.
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, UNAVAILABLE) or "connection is closed" in str(exc):
        return _unavailable(request, exc)
    return _unexpected(request, exc)


exception_handlers: dict[type[Exception] | int, Any] = {
    **{cls: _unavailable for cls in UNAVAILABLE if issubclass(cls, Exception)},
    asyncpg.InterfaceError: _interface,
    asyncpg.CharacterNotInRepertoireError: _unstorable_text,
    RecursionError: _too_deep,
    DomainError: _domain,
    ValidationException: _validation,
    HTTPException: _http,
    Exception: _unexpected,
}
