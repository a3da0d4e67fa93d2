"""Settings from the environment, read once into one frozen struct.

Nothing reads the environment at import time: ``Settings.from_env()`` is called by
the CLI and by tests, and the result is passed down explicitly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import msgspec

from gigstation.platform.pii import parse_key

__all__ = ["MIN_SECRET_BYTES", "Settings", "redact_url"]

_PREFIX = "GIGSTATION_"
MIN_SECRET_BYTES = 32
"""HS256 keys shorter than the hash output weaken the token signature (RFC 7518 3.2)."""
_SECRET_FIELDS = frozenset({"secret_key", "pii_key", "admin_password", "metrics_token"})


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the service can be configured with (see the README's table)."""

    database_url: str | None = None
    """PostgreSQL URL; None means start the embedded server in ``data_dir``. May point at a
    transaction-mode pooler (PgBouncer): then set ``direct_database_url`` too."""
    direct_database_url: str | None = None
    """PostgreSQL itself, for what a transaction pooler cannot carry: migrations, LISTEN and
    the key lock held for the server's life (docs/scale.md). None: ``database_url``."""
    replica_database_url: str | None = None
    """A streaming replica for reports, district figures and exports (docs/scale.md).
    None: they read the primary."""
    statement_cache_size: int = -1
    """asyncpg's prepared statements kept per connection. -1: 100, or 0 when
    ``direct_database_url`` is set (PgBouncer before 1.21 cannot carry named statements)."""
    db_connect_timeout_s: float = 3.0
    """A new database connection that takes longer fails; requests then answer 503."""
    data_dir: str = ".gigstation"
    timezone: str = "Asia/Shanghai"
    region: str = "Shanghai"
    secret_key: str = ""
    """Signs bearer tokens, at least 32 bytes. Empty: ``gigstation serve`` makes one for its
    workers (tokens die on restart); an outside server (``app_from_env``) refuses to start."""
    pii_key: str = ""
    """urlsafe base64 of 32 bytes (padding optional); encrypts identity numbers.
    Empty: kept in ``key_dir`` as ``pii-<version>.key``, created on the first start."""
    pii_key_version: int = 1
    """The version of ``pii_key`` (written in front of every ciphertext it seals)."""
    key_dir: str = ""
    """Where key files live; empty means ``<data_dir>/keys`` (beside, not inside, the database)."""
    token_ttl_s: int = 12 * 3600
    admin_phone: str | None = None
    admin_password: str | None = None
    pool_min_size: int = 2
    pool_max_size: int = 10
    max_body_bytes: int = 64 * 1024
    page_size_max: int = 200
    password_time_cost: int = 2
    password_memory_kib: int = 19 * 1024
    login_rate_per_minute: int = 60
    """Failed logins per client address per minute, shared by every process; a phone that
    signed in from that address in the last 30 days is not held back by it."""
    login_free_failures: int = 5
    """Failed logins for one phone from one address before back-off starts (1 s, 2 s, 4 s...)."""
    login_backoff_max_s: int = 900
    login_failures_per_phone_per_hour: int = 50
    """Failed logins for one phone from all addresses together, before a pause."""
    register_rate_per_minute: int = 20
    """Registrations per client address per minute (checked before the password is hashed)."""
    register_rate_global_per_minute: int = 300
    """Registrations per minute from all addresses together (bounds argon2's CPU)."""
    password_change_per_hour: int = 10
    idempotency_ttl_s: int = 24 * 3600
    """Idempotency keys (and their stored answers) are forgotten after this."""
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
    # Oversight (README.md, "Public-service rules", names the source of each figure).
    settlement_days: int = 15
    """Pay unconfirmed this many days after the work ends is overdue (LCL art. 72: at most 15)."""
    inactive_anonymise_days: int = 3 * 365
    """Workers inactive this long lose their identity data (wage records are kept)."""
    retention_enabled: bool = True
    """Run the retention purge in the server once a day."""
    retention_interval_s: float = 24 * 3600.0
    station_reach_m: int = 1500
    """Station planning: demand within this distance of a station counts as served."""
    blacklist_years: int = 3
    """Default length of an arrears blacklist listing (README.md, "Public-service rules")."""
    # Wage complaint cases: each stage's due date (README.md, "Public-service rules").
    case_answer_days: int = 3
    """The employer answers a wage complaint within this many days (the station's service
    standard: no statute sets it)."""
    case_close_days: int = 15
    """The station closes a case it handles within this many days of its opening (the 15-day
    mediation period of 劳动争议调解仲裁法 art. 14)."""
    case_inspection_workdays: int = 60
    """An escalated case is due this many working days after the escalation (劳动保障监察条例
    art. 17: 60 working days from 立案, 30 more for a complex case)."""
    # Hours of record and the part-time limits (README.md, "Public-service rules").
    arrival_margin_min: int = 30
    """Arrival can be recorded at most this many minutes before the planned start."""
    min_work_min: int = 30
    """Departure can be recorded no sooner than this many minutes after the arrival."""
    hours_confirm_window_h: int = 72
    """Recorded hours become the hours of record when the worker confirms them, or this many
    hours after the departure was recorded if the worker has not contested them."""
    daily_hours_cap: float = 8.0
    """At most this many hours with one employer in any 24 hours (default: the 8-hour day
    of Labour Law art. 36); an order may not be longer."""
    priority_evidence_max_days: str = "366"
    """The longest a priority group's evidence may be recorded as valid, counted from the day
    the operator sees it: days for every group ("366"), or per group
    ("366,disability=1826,veteran=1826": the first bare number is the default)."""
    priority_outcome_months: str = ""
    """Outcome deadlines for priority groups, in months from the evidence date, overriding or
    adding to ``data/labour-rules.json`` ("priority_outcomes"): "veteran=3,disability=6";
    0 stops tracking a group."""
    # Running it (docs/deploy.md).
    trusted_proxies: str = ""
    """Addresses or CIDRs of reverse proxies whose forwarded client address and scheme are
    believed (e.g. ``127.0.0.1`` for nginx on the same host); from anyone else those headers
    are ignored."""
    proxy_header: Literal["x-forwarded-for", "forwarded"] = "x-forwarded-for"
    """Which header the trusted proxies write: ``X-Forwarded-For``/``-Proto`` or RFC 7239 ``Forwarded``."""
    screen_frame_ancestors: str = ""
    """Origins allowed to frame the wall screen (space-separated); empty: nobody may frame any page."""
    metrics_token: str = ""
    """Bearer token for ``/metrics`` from addresses other than loopback and the trusted proxies;
    empty: those get 404."""
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["debug", "info", "warning", "error"] = "warning"

    def __post_init__(self) -> None:
        if not 1 <= self.settlement_days <= 15:
            raise ValueError("settlement_days must be 1 to 15 (Labour Contract Law art. 72)")
        if not 1 <= self.blacklist_years <= 10:
            raise ValueError("blacklist_years must be 1 to 10")
        if not 0 <= self.arrival_margin_min <= 180:
            raise ValueError("arrival_margin_min must be 0 to 180")
        if not 5 <= self.min_work_min <= 240:
            raise ValueError("min_work_min must be 5 to 240")
        if not 1 <= self.hours_confirm_window_h <= 360:
            raise ValueError("hours_confirm_window_h must be 1 to 360 (15 days, LCL art. 72)")
        if not 1 <= self.case_answer_days <= self.case_close_days:
            raise ValueError("case_answer_days must be 1 to case_close_days")
        if not 1 <= self.case_close_days <= 60:
            raise ValueError("case_close_days must be 1 to 60")
        if not 1 <= self.case_inspection_workdays <= 90:
            raise ValueError("case_inspection_workdays must be 1 to 90 (劳动保障监察条例 art. 17: 60 + 30)")
        if not 1 <= self.daily_hours_cap <= 12:
            raise ValueError("daily_hours_cap must be 1 to 12")
        self.priority_max_days("")  # a clear error now rather than at the first verification
        self.outcome_months()
        if self.secret_key and len(self.secret_key.encode()) < MIN_SECRET_BYTES:
            raise ValueError(
                f"GIGSTATION_SECRET_KEY 至少需要 {MIN_SECRET_BYTES} 字节 / "
                f"must be at least {MIN_SECRET_BYTES} bytes (it is {len(self.secret_key.encode())})"
            )
        if self.pii_key:
            parse_key(self.pii_key)  # a clear error now rather than at the first registration
        if self.trusted_proxies:
            from gigstation.platform.proxies import parse_networks

            parse_networks(self.trusted_proxies)  # a typo must stop the start, not open a hole
        if not 1 <= self.pii_key_version <= 255:
            raise ValueError("GIGSTATION_PII_KEY_VERSION 必须在 1 到 255 之间 / must be 1 to 255")

    def priority_max_days(self, group: str) -> int:
        """The longest validity (days) an operator may record for ``group``'s evidence."""
        default, per_group = 366, {}
        for part in filter(None, (p.strip() for p in self.priority_evidence_max_days.split(","))):
            name, _, days = part.rpartition("=")
            if not days.strip().isdigit() or not 1 <= int(days) <= 3660:
                raise ValueError("GIGSTATION_PRIORITY_EVIDENCE_MAX_DAYS: days must be 1 to 3660, "
                                 "as 366 or group=days separated by commas")
            if name:
                per_group[name.strip()] = int(days)
            else:
                default = int(days)
        return per_group.get(group, default)

    def outcome_months(self) -> dict[str, int]:
        """The per-group overrides of the outcome deadlines (months; 0: not tracked)."""
        out: dict[str, int] = {}
        for part in filter(None, (p.strip() for p in self.priority_outcome_months.split(","))):
            name, _, months = part.partition("=")
            if not name.strip() or not months.strip().isdigit() or not 0 <= int(months) <= 36:
                raise ValueError("GIGSTATION_PRIORITY_OUTCOME_MONTHS: group=months (0 to 36) "
                                 "separated by commas")
            out[name.strip()] = int(months)
        return out

    def __repr__(self) -> str:
        # Secrets never reach logs, tracebacks or a debugger's display.
        shown = []
        for field in msgspec.structs.fields(self):
            value = getattr(self, field.name)
            if field.name in _SECRET_FIELDS and value:
                value = "<hidden>"
            elif field.name.endswith("database_url") and value:
                value = redact_url(value)
            shown.append(f"{field.name}={value!r}")
        return f"Settings({', '.join(shown)})"

    __str__ = __repr__

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

    @property
    def key_path(self) -> Path:
        """The directory holding key files (``key_dir``, else ``<data_dir>/keys``)."""
        return Path(self.key_dir) if self.key_dir else self.data_path / "keys"

    @property
    def direct_url(self) -> str:
        """The URL of PostgreSQL itself (not a pooler)."""
        return self.direct_database_url or self.database_url or ""

    @property
    def statement_cache(self) -> int:
        """``statement_cache_size`` with -1 resolved (see there)."""
        if self.statement_cache_size >= 0:
            return self.statement_cache_size
        return 0 if self.direct_database_url and self.direct_database_url != self.database_url else 100

    def token_secret(self) -> bytes:
        """The HMAC key for bearer tokens (a random one per process when none is set)."""
        if self.secret_key:
            return self.secret_key.encode()
        return _process_secret()


def redact_url(url: str) -> str:
    """The URL with any password replaced by ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable url>"
    if parts.password is None:
        return url
    netloc = parts.netloc.rpartition("@")
    user = netloc[0].partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[2]}"))


_SECRET: list[bytes] = []


def _process_secret() -> bytes:
    if not _SECRET:
        _SECRET.append(os.urandom(32))
    return _SECRET[0]
