"""User accounts shared by every role: the users row, operators, the first administrator."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import asyncpg
import msgspec

from gigstation.platform import audit
from gigstation.platform.auth import PasswordHasher, account_changing, revoke_tokens
from gigstation.platform.conflicts import conflict_from
from gigstation.platform.errors import Conflict, Invalid, NotFound
from gigstation.platform.types import Name, Password, Phone, Role

__all__ = [
    "AccountStatus",
    "OperatorCreate",
    "OperatorView",
    "PasswordChange",
    "change_password",
    "create_operator",
    "ensure_admin",
    "insert_user",
    "logout_everywhere",
    "set_disabled",
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


class AccountStatus(msgspec.Struct, frozen=True):
    id: UUID
    role: Role
    disabled_at: datetime | None


# Disabling also bumps the token version, so enabling again does not revive old tokens.
_SET_DISABLED = """
UPDATE users SET
    disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) END,
    token_version = token_version + CASE WHEN $2 THEN 1 ELSE 0 END
WHERE id = $1
RETURNING id, role, disabled_at
"""


async def set_disabled(
    conn: asyncpg.Connection[Any], actor: UUID, user_id: UUID, disabled: bool
) -> AccountStatus:
    """Disable (every token stops working at once, login refused) or enable an account."""
    if disabled and actor == user_id:
        raise Conflict("不能停用自己的账号", "you cannot disable your own account", code="self_disable")
    account_changing(user_id)
    row = await conn.fetchrow(_SET_DISABLED, user_id, disabled)
    if row is None:
        raise NotFound("账号不存在", "no such account")
    await audit.record(conn, actor, "account.disable" if disabled else "account.enable", "user", user_id)
    return msgspec.convert(dict(row), AccountStatus)


async def logout_everywhere(conn: asyncpg.Connection[Any], user_id: UUID) -> int:
    """Revoke every token of the account (this one too); return the new token version."""
    version = await revoke_tokens(conn, user_id)
    await audit.record(conn, user_id, "account.logout_all", "user", user_id)
    return version


class PasswordChange(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    current_password: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
    new_password: Password


_HASH_OF = "SELECT password_hash FROM users WHERE id = $1 AND disabled_at IS NULL FOR UPDATE"
_STORE_HASH = "UPDATE users SET password_hash = $2 WHERE id = $1"


async def change_password(
    conn: asyncpg.Connection[Any], hasher: PasswordHasher, user_id: UUID, data: PasswordChange
) -> int:
    """Check the current password, store the new one, revoke every older token."""
    current = await conn.fetchval(_HASH_OF, user_id)
    if current is None:
        raise NotFound("账号不存在", "no such account")
    if not await hasher.verify(current, data.current_password):
        raise Invalid.of_field("current_password", "当前密码不正确", "is not the current password")
    await conn.execute(_STORE_HASH, user_id, await hasher.hash(data.new_password))
    version = await revoke_tokens(conn, user_id)
    await audit.record(conn, user_id, "account.password_change", "user", user_id)
    return version
