"""Turning an HTML form into the same msgspec structs the JSON API decodes.

Forms report every invalid field at once, each in plain words next to the field: the page
names what to type ("手机号应为11位数字"), never the rule's internals ("长度不能少于 1").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec

from gigstation.api.problems import _zh
from gigstation.platform.errors import FieldError, Invalid
from gigstation.platform.types import parse_rule_violation

__all__ = ["PLAIN_IDENTITY", "convert_every_field", "convert_form", "form_text", "plain_identity"]

T = TypeVar("T")
_PATH = re.compile(r"at `\$\.(\w+)")
Words = Mapping[str, tuple[str, str]]


def convert_form(data: Any, kind: type[T]) -> T:
    """``msgspec.convert`` with text coercion; a failure becomes Invalid naming the field."""
    try:
        return msgspec.convert(data, kind, strict=False)
    except msgspec.ValidationError as exc:
        message = str(exc)
        rule = parse_rule_violation(message)
        if rule is not None:
            error = FieldError(*rule)
        else:
            match = _PATH.search(message)
            field = match.group(1) if match else ""
            if message.startswith("Object missing required field"):
                field = message.split("`")[1]
                error = FieldError(field, "请填写此项", "this field is required")
            else:
                error = FieldError(field, _zh(message), message)
        raise Invalid(error.reason, error.reason_en, [error], "invalid") from exc


def convert_every_field(
    data: Mapping[str, Any], kind: type[T], words: Words, extra: list[FieldError] | None = None
) -> T:
    """Like :func:`convert_form`, but every field is checked on its own so all the invalid
    ones are reported together, each in the form's own plain ``words`` (zh, en, listed in the
    form's order); ``extra`` adds the form's other findings (a check digit, say)."""
    errors: list[FieldError] = list(extra or [])
    named = {e.field for e in errors}
    for f in msgspec.structs.fields(kind):  # type: ignore[arg-type]
        name = f.encode_name
        if name in named:
            continue
        value = data.get(name)
        if value is None:
            if f.required:
                errors.append(FieldError(name, *words.get(name, ("请填写此项", "this field is required"))))
            continue
        try:
            msgspec.convert(value, f.type, strict=False)
        except msgspec.ValidationError as exc:
            message = str(exc).split(" - at ")[0]
            rule = parse_rule_violation(message)
            if rule is not None:
                errors.append(FieldError(*rule))
            elif name in words:
                errors.append(FieldError(name, *words[name]))
            else:
                errors.append(FieldError(name, _zh(message), message))
    if not errors:
        try:
            return convert_form(dict(data), kind)
        except Invalid as exc:  # a rule across fields (__post_init__), already in plain words
            errors = exc.errors
    # In the order the form shows its fields (the order of ``words``), top to bottom.
    rank = {name: i for i, name in enumerate(words)}
    errors.sort(key=lambda e: rank.get(e.field, len(rank)))
    first = errors[0]
    raise Invalid(first.reason, first.reason_en, errors, "invalid")


_LICENCE = ("代码不对：请对照营业执照重新输入", "the code is wrong: type it again from the licence")
PLAIN_IDENTITY: dict[str, tuple[str, str]] = {
    "校验位错误": ("号码有一位不对：请对照证件逐位核对（最后一位可能是 X）",
               "one character is wrong: check the number against the card (the last may be X)"),
    "前两位不是有效的省级行政区划代码": ("号码开头不对：请对照证件重新输入",
                           "the number starts wrongly: type it again from the card"),
    "第7-14位不是有效的出生日期": ("号码里的出生日期不对：请对照证件重新输入",
                          "the birth date inside the number is wrong: type it again from the card"),
    "第1位登记管理部门代码无效": _LICENCE,
    "第2位机构类别代码无效": _LICENCE,
}
"""The identity checks' technical words (people/identity.py) as a form says them."""


def plain_identity(field: str, reason: str, reason_en: str) -> FieldError:
    """An identity-document error in plain words for a form."""
    zh, en = PLAIN_IDENTITY.get(reason, (reason, reason_en))
    if reason == "校验位错误" and field == "credit_code":
        zh, en = ("代码有一位不对：请对照营业执照逐位核对", "one character is wrong: check it against the licence")
    return FieldError(field, zh, en)


def form_text(form: Any, name: str) -> str:
    """A single text field, stripped ('' when absent)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""
