"""Constrained value types shared by the request structs (constraints live in types)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

__all__ = [
    "NO_NUL",
    "Address",
    "Distance",
    "IdNumber",
    "Lat",
    "Lon",
    "Name",
    "Password",
    "PayUnit",
    "Phone",
    "Role",
    "Stars",
    "Title",
    "rule_violation",
]

Lat = Annotated[float, msgspec.Meta(ge=-90, le=90, description="latitude, WGS-84")]
Lon = Annotated[float, msgspec.Meta(ge=-180, le=180, description="longitude, WGS-84")]
Phone = Annotated[
    str, msgspec.Meta(pattern=r"^1[3-9][0-9]{9}$", description="mainland mobile number")
]
Password = Annotated[str, msgspec.Meta(min_length=8, max_length=128)]
NO_NUL = r"^[^\x00]*$"
"""PostgreSQL text cannot hold U+0000: refuse it at the edge (422), not in the INSERT (500)."""
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=50, pattern=NO_NUL)]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=NO_NUL)]
Address = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=NO_NUL)]
IdNumber = Annotated[str, msgspec.Meta(min_length=5, max_length=32)]
Distance = Annotated[int, msgspec.Meta(ge=100, le=100_000, description="metres")]
Stars = Annotated[int, msgspec.Meta(ge=1, le=5)]
PayUnit = Literal["hour", "day", "piece"]
Role = Literal["admin", "operator", "worker", "employer"]

# Cross-field rules raised from __post_init__ reach the client through msgspec's
# ValidationError text; this marker lets the error handler recover field and both languages.
_MARK = "\x1fRULE"


def rule_violation(field: str, reason: str, reason_en: str) -> ValueError:
    """A ValueError for ``__post_init__`` that the API turns into a 422 on ``field``."""
    return ValueError(f"{_MARK}|{field}|{reason}|{reason_en}")


def parse_rule_violation(message: str) -> tuple[str, str, str] | None:
    """Inverse of :func:`rule_violation`; None for any other message."""
    if not message.startswith(_MARK + "|"):
        return None
    _, field, reason, reason_en = message.split("|", 3)
    return field, reason, reason_en
