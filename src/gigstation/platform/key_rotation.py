"""``gigstation rotate-pii-key``: seal every identity number under a new key version.

Runs with every server stopped (it needs `keys.KEY_LOCK` alone, which each running server
holds shared), in one transaction: every ciphertext is opened with the key of its own
version and sealed again under the new one, every blind index is recomputed under the
new key (so duplicate detection keeps comparing like with like), and only then is the
new version's check value stored, which is what makes it current. An interrupted
rotation leaves the old version current and the new key file unused.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from gigstation.platform.config import Settings
from gigstation.platform.db import apply_migrations
from gigstation.platform.keys import KEY_LOCK, SEALED_COLUMNS, KeyRefused, key_file, open_keyring, write_new_file
from gigstation.platform.pii import PiiCipher, generate_key

__all__ = ["Rotation", "rotate"]

_BATCH = 1000
_BLIND_INDEX_PURPOSE = "identity"


class Rotation(msgspec.Struct, frozen=True):
    old_version: int
    new_version: int
    resealed: int
    key_file: str


async def rotate(database_url: str, settings: Settings) -> Rotation:
    """Re-encrypt every sealed column under a new key version (see the module text)."""
    conn = await asyncpg.connect(database_url)
    try:
        await apply_migrations(conn)
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", KEY_LOCK):
            raise KeyRefused("有 gigstation 服务正在运行；请先全部停止再轮换密钥 / a gigstation server is "
                             "running on this database: stop every server before rotating the key")
        try:
            keyring = await open_keyring(conn, settings)
            checked = await conn.fetch("SELECT version FROM pii_key_check")
            new_version = max([*keyring.versions, *(r["version"] for r in checked)]) + 1
            if new_version > 255:
                raise KeyRefused("密钥版本已用尽 / key versions are exhausted (255)")
            path = key_file(settings, new_version)
            # A file left by an interrupted rotation is reused: it sealed nothing yet.
            new = PiiCipher(write_new_file(path, generate_key()), key_version=new_version)
            resealed = 0
            async with conn.transaction():
                for table, pk, column, index in SEALED_COLUMNS:
                    resealed += await _reseal(conn, keyring.decrypt, new, table, pk, column, index)
                await conn.execute("INSERT INTO pii_key_check (version, check_value) VALUES ($1, $2)",
                                   new_version, new.check_value())
            return Rotation(keyring.current.key_version, new_version, resealed, str(path))
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", KEY_LOCK)
    finally:
        await conn.close()


async def _reseal(conn: asyncpg.Connection[Any], open_blob: Any, new: PiiCipher,
                  table: str, pk: str, column: str, index: str | None) -> int:
    select = (f"SELECT {pk} AS id, {column} AS blob FROM {table} "
              f"WHERE {column} IS NOT NULL AND {pk} > $1 ORDER BY {pk} LIMIT {_BATCH}")
    update = f"UPDATE {table} SET {column} = $2" + (f", {index} = $3" if index else "") + f" WHERE {pk} = $1"
    done = 0
    last: Any = UUID(int=0)
    while rows := await conn.fetch(select, last):
        batch = []
        for row in rows:
            plain = open_blob(bytes(row["blob"]))
            sealed = new.encrypt(plain)
            batch.append((row["id"], sealed, new.blind_index(plain, _BLIND_INDEX_PURPOSE))
                         if index else (row["id"], sealed))
        await conn.executemany(update, batch)
        done += len(rows)
        last = rows[-1]["id"]
    return done
