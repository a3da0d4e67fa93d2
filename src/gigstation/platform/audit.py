"""The audit trail: every state change writes who did what, when, in its transaction."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

__all__ = ["record"]

_INSERT = """
INSERT INTO audit_log (actor_id, action, object_type, object_id, details)
VALUES ($1, $2, $3, $4, $5)
"""


async def record(
    conn: asyncpg.Connection[Any],
    actor_id: UUID | None,
    action: str,
    object_type: str,
    object_id: UUID | str,
    details: dict[str, Any] | None = None,
) -> None:
    """Write one audit row; never put identity numbers or passwords in ``details``."""
    await conn.execute(_INSERT, actor_id, action, object_type, str(object_id), details or {})
