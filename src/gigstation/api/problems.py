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

__all__ = ["exception_handlers"]

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


def _validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Problem]:
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
    status = 400 if structural else 422
    detail = "；".join(f"{e.field}: {e.reason}" if e.field else e.reason for e in errors)
    detail_en = "; ".join(f"{e.field}: {e.reason_en}" if e.field else e.reason_en for e in errors)
    return problem_response(request, status, detail, detail_en, errors,
                            "malformed" if status == 400 else "invalid")


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    status = exc.status_code
    title, title_en = _TITLES.get(status, ("错误", "Error"))
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


def _unstorable_text(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    # A text field without an edge check let U+0000 through; PostgreSQL refused it and the
    # transaction rolled back, so the client sent bad input: 422, not 500.
    return problem_response(request, 422, "文本中不能包含空字符（U+0000）",
                            "text must not contain the NUL character (U+0000)", code="invalid")


exception_handlers: dict[type[Exception] | int, Any] = {
    asyncpg.CharacterNotInRepertoireError: _unstorable_text,
    DomainError: _domain,
    ValidationException: _validation,
    HTTPException: _http,
    Exception: _unexpected,
}
