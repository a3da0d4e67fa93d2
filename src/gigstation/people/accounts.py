"""User accounts shared by every role: the users row, operators, the first administrator."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import asyncpg
import msgspec

from gigstation.platform import audit
from gigstation.platform.conflicts import conflict_from
from gigstation.platform.errors import Invalid
from gigstation.platform.types import Name, Password, Phone, Role

__all__ = [
    "OperatorCreate",
    "OperatorView",
    "create_operator",
    "ensure_admin",
    "insert_user",
]


class OperatorCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Name
    phone: Phone
    password: Password
    station_ids: Annotated[list[UUID], msgspec.Meta(min_length=1, max_length=50)]


class OperatorView(msgspec.Struct, frozen=True):
    id: UUID
    name: str
    phone: str
    station_ids: list[UUID]
    created_at: datetime


_INSERT_USER = """
INSERT INTO users (role, phone, password_hash, name) VALUES ($1, $2, $3, $4)
RETURNING id, created_at
"""


async def insert_user(
    conn: asyncpg.Connection[Any], role: Role, phone: str, password_hash: str, name: str
) -> tuple[UUID, datetime]:
    """Insert the users row; a taken phone becomes a 409 naming the field."""
    try:
        row = await conn.fetchrow(_INSERT_USER, role, phone, password_hash, name)
    except asyncpg.UniqueViolationError as exc:
        raise conflict_from(exc) from exc
    assert row is not None
    return row["id"], row["created_at"]


_BIND_STATIONS = """
INSERT INTO operator_stations (operator_id, station_id)
SELECT $1, s.id FROM stations s WHERE s.id = ANY($2::uuid[])
"""


async def create_operator(
    conn: asyncpg.Connection[Any], actor: UUID, data: OperatorCreate, password_hash: str
) -> OperatorView:
    """An operator account bound to existing stations."""
    user_id, created_at = await insert_user(conn, "operator", data.phone, password_hash, data.name)
    wanted = sorted(set(data.station_ids))
    status = await conn.execute(_BIND_STATIONS, user_id, wanted)
    if int(status.split()[-1]) != len(wanted):
        raise Invalid.of_field("station_ids", "包含不存在的驿站", "contains an unknown station")
    await audit.record(conn, actor, "operator.create", "user", user_id, {"stations": [str(s) for s in wanted]})
    return OperatorView(user_id, data.name, data.phone, wanted, created_at)


_INSERT_ADMIN = """
INSERT INTO users (role, phone, password_hash, name) VALUES ('admin', $1, $2, $3)
ON CONFLICT (phone) DO NOTHING RETURNING id
"""


async def ensure_admin(
    conn: asyncpg.Connection[Any], phone: str, password_hash: str, name: str = "管理员"
) -> UUID | None:
    """Create the first administrator if no account has this phone; return its id if created."""
    # ON CONFLICT rather than look-then-insert: two processes may start at once.
    user_id: UUID | None = await conn.fetchval(_INSERT_ADMIN, phone, password_hash, name)
    if user_id is not None:
        await audit.record(conn, None, "admin.bootstrap", "user", user_id)
    return user_id
