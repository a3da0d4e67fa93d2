"""The service's notion of now and today, in the configured zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

__all__ = ["day_start", "now", "today"]


def now() -> datetime:
    """Timezone-aware current time (UTC)."""
    return datetime.now(UTC)


def today(zone: str) -> date:
    """Today's date where the station is (the day labourers' day, not UTC's)."""
    return datetime.now(ZoneInfo(zone)).date()


def day_start(zone: str) -> datetime:
    """Midnight today in the station's zone, timezone-aware."""
    tz = ZoneInfo(zone)
    return datetime.combine(datetime.now(tz).date(), datetime.min.time(), tzinfo=tz)
