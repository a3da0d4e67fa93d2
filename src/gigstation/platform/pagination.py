"""Bounded pages for every list."""

from __future__ import annotations

from typing import Generic, TypeVar

import msgspec

__all__ = ["Page", "PageParams"]

T = TypeVar("T")


class PageParams(msgspec.Struct, frozen=True):
    limit: int = 50
    offset: int = 0


class Page(msgspec.Struct, Generic[T], frozen=True):
    """One page; ``next_offset`` is null on the last page."""

    items: list[T]
    next_offset: int | None = None

    @classmethod
    def of(cls, rows: list[T], params: PageParams) -> Page[T]:
        """Callers fetch ``limit + 1`` rows so the page knows whether more follow."""
        more = len(rows) > params.limit
        return cls(rows[: params.limit], params.offset + params.limit if more else None)
