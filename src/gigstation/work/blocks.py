"""Blocks: a worker blocks an employer, or an employer a worker; dispatch never pairs them
again and an offer between them cannot be accepted. A block is private to the blocker."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from gigstation.platform import audit, events
from gigstation.platform.auth import Principal
from gigstation.platform.errors import Forbidden, NotFound

__all__ = ["BlockCreate", "BlockView", "block", "is_blocked", "list_blocks", "unblock"]


class BlockCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    user_id: UUID
    """The employer a worker blocks, or the worker an employer blocks."""


class BlockView(msgspec.Struct, frozen=True):
    blocked_id: UUID
    blocked_name: str
    created_at: datetime


_OTHER_SIDE = {"worker": "employers", "employer": "workers"}
_INSERT = """
INSERT INTO blocks (blocker_id, blocked_id)
SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM {table} WHERE user_id = $2)
ON CONFLICT (blocker_id, blocked_id) DO UPDATE SET blocked_id = EXCLUDED.blocked_id
RETURNING blocked_id
"""
_VIEW = """
SELECT b.blocked_id, u.name AS blocked_name, b.created_at FROM blocks b
JOIN users u ON u.id = b.blocked_id WHERE b.blocker_id = $1 AND ($2::uuid IS NULL OR b.blocked_id = $2)
ORDER BY b.created_at DESC, b.blocked_id
"""
# Live offers between the two go back to the pool at once.
_WITHDRAW_BETWEEN = """
UPDATE offers f SET status = 'withdrawn', answered_at = now(), close_reason = 'blocked'
FROM orders o
WHERE o.id = f.order_id AND f.status = 'offered'
  AND ((f.worker_id = $1 AND o.employer_id = $2) OR (f.worker_id = $2 AND o.employer_id = $1))
RETURNING f.id, f.worker_id, f.order_id, f.station_id
"""


async def block(conn: asyncpg.Connection[Any], who: Principal, data: BlockCreate) -> BlockView:
    """Block the other side (blocking twice is harmless); their live offers are withdrawn."""
    table = _OTHER_SIDE.get(who.role)
    if table is None:
        raise Forbidden("只有劳动者和用工主体可以屏蔽", "only workers and employers block")
    if await conn.fetchval(_INSERT.format(table=table), who.user_id, data.user_id) is None:
        raise NotFound("对方不存在", "no such worker or employer on the other side")
    withdrawn = await conn.fetch(_WITHDRAW_BETWEEN, who.user_id, data.user_id)
    await events.emit_many(conn, [
        (r["worker_id"], r["station_id"], "offer.withdrawn",
         {"offer_id": r["id"], "order_id": r["order_id"], "reason": "blocked"}) for r in withdrawn
    ])
    await audit.record(conn, who.user_id, "block.add", "user", data.user_id,
                       {"offers_withdrawn": len(withdrawn)})
    row = await conn.fetchrow(_VIEW, who.user_id, data.user_id)
    assert row is not None
    return msgspec.convert(dict(row), BlockView)


async def unblock(conn: asyncpg.Connection[Any], who: Principal, user_id: UUID) -> None:
    """Remove a block (removing one that is not there is harmless)."""
    if await conn.fetchval("DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2 "
                           "RETURNING 1", who.user_id, user_id):
        await audit.record(conn, who.user_id, "block.remove", "user", user_id)


async def list_blocks(conn: asyncpg.Connection[Any], who: Principal) -> list[BlockView]:
    """The caller's own blocks, newest first."""
    return [msgspec.convert(dict(r), BlockView) for r in await conn.fetch(_VIEW, who.user_id, None)]


_EITHER = """
SELECT EXISTS (SELECT 1 FROM blocks WHERE (blocker_id = $1 AND blocked_id = $2)
                                       OR (blocker_id = $2 AND blocked_id = $1))
"""


async def is_blocked(conn: asyncpg.Connection[Any], worker_id: UUID, employer_id: UUID) -> bool:
    """Whether either side blocked the other."""
    return bool(await conn.fetchval(_EITHER, worker_id, employer_id))
