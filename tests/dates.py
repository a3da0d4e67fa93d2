"""Date arithmetic for tests that holds on 29 February too."""

from __future__ import annotations

from datetime import date

__all__ = ["years_before"]


def years_before(day: date, years: int) -> date:
    """The latest birth date of someone who is ``years`` old on ``day``.

    ``day.replace(year=...)`` raises on 29 February when the target year is common; the
    person born on 28 February of that year is already ``years`` old then (a 29 February
    birthday is reached on 1 March in common years, and 28 February comes before it).
    """
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return date(day.year - years, 2, 28)
