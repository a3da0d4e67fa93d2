"""Turning an HTML form into the same msgspec structs the JSON API decodes."""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec

from gigstation.api.problems import _zh
from gigstation.platform.errors import FieldError, Invalid
from gigstation.platform.types import parse_rule_violation

__all__ = ["convert_form", "form_text"]

T = TypeVar("T")
_PATH = re.compile(r"at `\$\.(\w+)")


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


def form_text(form: Any, name: str) -> str:
    """A single text field, stripped ('' when absent)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""
