"""Turn the database's unique-constraint violations into bilingual 409s, in one place."""

from __future__ import annotations

import asyncpg

from gigstation.platform.errors import Conflict, FieldError

__all__ = ["conflict_from"]

# constraint name -> (field, Chinese reason, English reason)
_KNOWN: dict[str, tuple[str, str, str]] = {
    "users_phone_key": ("phone", "该手机号已注册", "this phone number is already registered"),
    "workers_id_index_key": ("id_number", "该证件号码已注册", "this identity number is already registered"),
    "employers_id_index_key": ("id_number", "该证件号码已注册", "this identity number is already registered"),
    "employers_credit_code_key": ("credit_code", "该统一社会信用代码已注册",
                                  "this credit code is already registered"),
    "checkins_one_open": ("worker_id", "该劳动者已在驿站签到，请先签退",
                          "this worker is already checked in; check out first"),
}


def conflict_from(exc: asyncpg.UniqueViolationError) -> Conflict:
    """A Conflict naming the field whose value is taken."""
    name = exc.constraint_name or ""
    field, reason, reason_en = _KNOWN.get(
        name, ("", "与已有记录冲突", "conflicts with an existing record")
    )
    return Conflict(
        detail=reason,
        detail_en=reason_en,
        errors=[FieldError(field, reason, reason_en)] if field else [],
        code="duplicate",
    )
