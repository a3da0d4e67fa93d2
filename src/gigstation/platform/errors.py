"""One domain error hierarchy; the API maps it to problem details in one place.

Every error carries a Chinese message (the default language) and an English one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "Conflict",
    "DomainError",
    "FieldError",
    "Forbidden",
    "Invalid",
    "NotFound",
    "TooMany",
    "Unauthorized",
]


@dataclass(frozen=True)
class FieldError:
    """What is wrong with one input field."""

    field: str
    reason: str
    reason_en: str


@dataclass
class DomainError(Exception):
    """Base of every expected, client-caused failure."""

    detail: str
    detail_en: str
    errors: list[FieldError] = field(default_factory=list)
    code: str = "error"

    def __str__(self) -> str:
        return self.detail_en


class NotFound(DomainError):
    """The object does not exist, or the caller may not know it exists."""


class Forbidden(DomainError):
    """The caller is known but may not do this."""


class Unauthorized(DomainError):
    """No valid credentials."""


class Conflict(DomainError):
    """The request clashes with the current state (duplicate, full, expired...)."""


class Invalid(DomainError):
    """Well-formed input that breaks a rule (check digit, minimum wage...)."""

    @classmethod
    def of_field(cls, name: str, reason: str, reason_en: str) -> Invalid:
        """An error about one field, with the same words in the detail."""
        return cls(
            detail=f"{name}: {reason}",
            detail_en=f"{name}: {reason_en}",
            errors=[FieldError(name, reason, reason_en)],
            code="invalid",
        )


@dataclass
class TooMany(DomainError):
    """Rate limit reached; the client may retry after ``retry_after_s`` seconds."""

    retry_after_s: int = 1
