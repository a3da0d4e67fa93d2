"""Aware datetimes to integer microseconds since the epoch, many at a time.

``datetime.timestamp()`` and aware-datetime hashing each cost about 2 us in CPython (the
UTC offset is looked up through a method call, then a timedelta is built); a city has
260,000 of them. msgspec writes the same datetimes as RFC 3339 text at about 70 ns
each, and a compiled parser reads the text back as integers: exact integer arithmetic,
no float rounding.

msgspec writes UTC offsets in whole minutes, so a datetime whose offset has seconds
(possible for a ``timezone(timedelta(seconds=...))`` or a historical zone) would be
misread; such datetimes, any tzinfo that is not a fixed ``datetime.timezone``, and any
text the parser does not expect are converted one by one in Python instead.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import msgspec
import numpy as np
import numpy.typing as npt

from gigstation.solver.jit import kernel

__all__ = ["micros_since_epoch"]

IntArray = npt.NDArray[np.int64]
UInt8Array = npt.NDArray[np.uint8]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_MINUTE = timedelta(minutes=1)
_MICROS_PER_SECOND = 1_000_000


def _exact(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


def _fast_zone(zone: object) -> bool:
    # A fixed offset in whole minutes: msgspec's text for it is exact.
    if type(zone) is not timezone:
        return False
    offset = zone.utcoffset(None)
    return offset % _MINUTE == timedelta(0)


@kernel
def _digits(text: UInt8Array, at: int, n: int) -> int:
    """The number written by n ASCII digits at ``text[at]``; -1 if one is not a digit."""
    value = 0
    for k in range(at, at + n):
        digit = int(text[k]) - 48
        if digit < 0 or digit > 9:
            return -1
        value = value * 10 + digit
    return value


@kernel
def _days_from_civil(year: int, month: int, day: int) -> int:
    # Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's algorithm).
    year -= 1 if month <= 2 else 0
    era = (year if year >= 0 else year - 399) // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


@kernel
def _parse_rfc3339_list(text: UInt8Array, count: int) -> tuple[IntArray, bool]:
    """Parse msgspec's JSON list of RFC 3339 strings; the flag is False on any unexpected byte."""
    out = np.zeros(count, dtype=np.int64)
    at = 0
    n = text.shape[0]
    for k in range(count):
        while at < n and text[at] != 34:  # the opening quote
            at += 1
        at += 1
        if at + 20 > n:
            return out, False
        year, month, day = _digits(text, at, 4), _digits(text, at + 5, 2), _digits(text, at + 8, 2)
        hour, minute, second = _digits(text, at + 11, 2), _digits(text, at + 14, 2), _digits(text, at + 17, 2)
        if min(year, month, day, hour, minute, second) < 0 or text[at + 10] != 84:  # "T"
            return out, False
        at += 19
        fraction = 0
        if text[at] == 46:  # "."
            at += 1
            scale = _MICROS_PER_SECOND
            while at < n and 48 <= text[at] <= 57:
                if scale == 1:  # more than six digits: finer than a datetime holds
                    return out, False
                scale //= 10
                fraction += (int(text[at]) - 48) * scale
                at += 1
        offset_minutes = 0
        if at + 1 >= n:
            return out, False
        if text[at] == 90:  # "Z"
            at += 1
        elif (text[at] == 43 or text[at] == 45) and at + 6 < n:  # "+" or "-"
            hours, minutes = _digits(text, at + 1, 2), _digits(text, at + 4, 2)
            if hours < 0 or minutes < 0:
                return out, False
            offset_minutes = (hours * 60 + minutes) * (1 if text[at] == 43 else -1)
            at += 6
        else:
            return out, False
        if at >= n or text[at] != 34:  # the closing quote
            return out, False
        at += 1
        seconds = ((_days_from_civil(year, month, day) * 24 + hour) * 60 + minute - offset_minutes) * 60 + second
        out[k] = seconds * _MICROS_PER_SECOND + fraction
    return out, True


def micros_since_epoch(moments: list[datetime]) -> IntArray:
    """Integer microseconds since 1970-01-01 UTC of each aware datetime, exactly."""
    if not moments:
        return np.zeros(0, dtype=np.int64)
    zones = [m.tzinfo for m in moments]
    slow_zones = {zone for zone in set(zones) if not _fast_zone(zone)}
    text = np.frombuffer(msgspec.json.encode(moments), dtype=np.uint8)
    out, parsed = _parse_rfc3339_list(text, len(moments))
    if not parsed:
        return np.array([_exact(m) for m in moments], dtype=np.int64)
    if slow_zones:
        for k, zone in enumerate(zones):
            if zone in slow_zones:
                out[k] = _exact(moments[k])
    return out
