"""Idempotency-Key support for creating POSTs.

The key row is inserted in the same transaction as the change it guards. A concurrent
request with the same key blocks on the primary key until the first commits, then
replays its stored answer; if the first rolls back, the key is free again. So a replay
never creates anything and never sees a half-done answer.

Bodies hold passwords and identity numbers, so "the same request" is recognised by an
HMAC under a server key (a plain hash would let a dump confirm a guessed password at
hash speed). Rows expire after ``Settings.idempotency_ttl_s``; stored answers never hold
a bearer token (the caller strips it and issues a fresh one on replay).
"""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec

from gigstation.platform.errors import Conflict, Invalid
from gigstation.platform.pii import PiiCipher

__all__ = ["StoredResponse", "claim", "request_fingerprint", "save", "sweep"]


class StoredResponse(msgspec.Struct, frozen=True):
    status_code: int
    body: bytes


def request_fingerprint(cipher: PiiCipher, method: str, path: str, body: bytes) -> bytes:
    """What "the same request" means: method, path and exact body, keyed by the server."""
    return cipher.mac(b"%s %s\n%s" % (method.encode(), path.encode(), body), "idempotency")


_FORGET_EXPIRED = """
DELETE FROM idempotency_keys
WHERE scope = $1 AND key = $2 AND created_at < now() - make_interval(secs => $3)
"""
_CLAIM = """
INSERT INTO idempotency_keys (scope, key, request_hash, status_code, response)
VALUES ($1, $2, $3, 0, ''::bytea)
ON CONFLICT (scope, key) DO NOTHING
RETURNING 1
"""
_STORED = "SELECT request_hash, status_code, response FROM idempotency_keys WHERE scope=$1 AND key=$2"
_SAVE = "UPDATE idempotency_keys SET status_code = $3, response = $4 WHERE scope = $1 AND key = $2"


async def claim(
    conn: asyncpg.Connection[Any], scope: str, key: str, fingerprint: bytes, ttl_s: int
) -> StoredResponse | None:
    """Take the key for this request, or return the answer a previous request stored."""
    if not 1 <= len(key) <= 200:
        raise Invalid.of_field(
            "Idempotency-Key", "长度必须在1到200之间", "must be 1 to 200 characters"
        )
    await conn.execute(_FORGET_EXPIRED, scope, key, float(ttl_s))
    if await conn.fetchval(_CLAIM, scope, key, fingerprint):
        return None
    row = await conn.fetchrow(_STORED, scope, key)
    assert row is not None  # the conflicting row committed before ON CONFLICT saw it
    if row["request_hash"] != fingerprint:
        raise Conflict(
            "该 Idempotency-Key 已用于另一个不同的请求",
            "this Idempotency-Key was already used with a different request",
            code="idempotency_key_reused",
        )
    return StoredResponse(row["status_code"], bytes(row["response"]))


async def save(
    conn: asyncpg.Connection[Any], scope: str, key: str, status_code: int, body: bytes
) -> None:
    """Store the answer to replay (same transaction as the change)."""
    await conn.execute(_SAVE, scope, key, status_code, body)


_SWEEP = "DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(secs => $1)"


async def sweep(conn: asyncpg.Connection[Any], ttl_s: int) -> int:
    """Delete expired keys and their stored answers; return how many."""
    status = await conn.execute(_SWEEP, float(ttl_s))
    return int(status.split()[-1])
