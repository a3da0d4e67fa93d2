"""What every request handler needs: settings, the pool, the password hasher, the cipher."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gigstation.platform.auth import PasswordHasher
from gigstation.platform.config import Settings
from gigstation.platform.pii import PiiCipher

if TYPE_CHECKING:
    import asyncpg

__all__ = ["Runtime"]


class Runtime:
    """A plain class, not a dataclass: Litestar inspects dataclass hints at run time, and
    ``asyncpg.Pool[Any]`` only exists for the type checker."""

    __slots__ = ("cipher", "hasher", "pool", "read_pool", "settings")

    def __init__(
        self, settings: Settings, pool: asyncpg.Pool[Any], hasher: PasswordHasher, cipher: PiiCipher,
        read_pool: asyncpg.Pool[Any] | None = None,
    ) -> None:
        self.settings = settings
        self.pool = pool
        self.hasher = hasher
        self.cipher = cipher
        self.read_pool = read_pool or pool
        """The replica (``GIGSTATION_REPLICA_DATABASE_URL``) for reports, district figures and
        exports, else the primary. Never for what a person then acts on."""
