"""Settings from the environment, read once into one frozen struct.

Nothing reads the environment at import time: ``Settings.from_env()`` is called by
the CLI and by tests, and the result is passed down explicitly.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from pathlib import Path

import msgspec

__all__ = ["Settings"]

_PREFIX = "GIGSTATION_"


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the service can be configured with (see the README's table)."""

    database_url: str | None = None
    """PostgreSQL URL; None means start the embedded server in ``data_dir``."""
    data_dir: str = ".gigstation"
    timezone: str = "Asia/Shanghai"
    region: str = "Shanghai"
    secret_key: str = ""
    """Signs bearer tokens. Empty: a random key per process (tokens die on restart)."""
    pii_key: str = ""
    """urlsafe base64 of 32 bytes; encrypts identity numbers. Empty: kept in data_dir."""
    token_ttl_s: int = 12 * 3600
    admin_phone: str | None = None
    admin_password: str | None = None
    pool_min_size: int = 2
    pool_max_size: int = 10
    max_body_bytes: int = 64 * 1024
    page_size_max: int = 200
    password_time_cost: int = 2
    password_memory_kib: int = 19 * 1024
    login_rate_per_minute: int = 30
    dispatch_reach_m: int = 15_000
    """Orders are dispatched by their nearest station; workers travel at most this."""
    offer_ttl_s: int = 300
    auto_dispatch_interval_s: float = 60.0
    auto_dispatch: bool = False
    priority_group_weight: int = 10
    priority_wait_per_hour: int = 1
    priority_jobs_today_penalty: int = 2
    location_retention_days: int = 30
    public_base_url: str = "http://127.0.0.1:8000"
    """Where people reach the pages; the station QR codes encode ``{this}/s/{station_id}``."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from ``GIGSTATION_*`` variables, then explicit overrides."""
        env = os.environ if environ is None else environ
        raw: dict[str, object] = {}
        for field in msgspec.structs.fields(cls):
            value = env.get(_PREFIX + field.name.upper())
            if value is not None and value != "":
                raw[field.name] = value
        raw.update({k: str(v) if isinstance(v, Path) else v for k, v in overrides.items() if v is not None})
        # strict=False lets "8000" become an int and "true" a bool, as env values are text.
        return msgspec.convert(raw, cls, strict=False)

    @property
    def data_path(self) -> Path:
        """``data_dir`` as a path."""
        return Path(self.data_dir)

    def token_secret(self) -> bytes:
        """The HMAC key for bearer tokens."""
        if self.secret_key:
            return self.secret_key.encode()
        return _process_secret()

    def pii_key_bytes(self) -> bytes:
        """The master key for identity-number encryption (never stored in the database)."""
        if self.pii_key:
            return base64.urlsafe_b64decode(self.pii_key.encode())
        key_file = self.data_path / "pii.key"
        if key_file.exists():
            return base64.urlsafe_b64decode(key_file.read_bytes().strip())
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key = os.urandom(32)
        # Written once with owner-only permissions; losing it loses the identity numbers.
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(base64.urlsafe_b64encode(key))
        return key


_SECRET: list[bytes] = []


def _process_secret() -> bytes:
    if not _SECRET:
        _SECRET.append(os.urandom(32))
    return _SECRET[0]
