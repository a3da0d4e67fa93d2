"""When pay is overdue: the one definition every report, board and alert shares.

An assignment's pay is *due* ``settlement_days`` after the work ends: the end of record is
the departure the employer scanned (``departed_at``), else the planned end (``ends_at``);
Labour Contract Law art. 72 caps the settlement period of non-full-time work at 15 days.
It is *overdue at* a moment ``at`` when the work was done or is owed (status ``active`` or
``completed``: an employer who never marks the work done does not stop the clock; or a
no-show that an operator overturned on the worker's contest), the due moment has come
(``due <= at``), and the worker had not confirmed receipt by ``at``. A wage complaint does
not stop the clock. Work that started is never cancelled (``work.cancellation``), so an
order cancelled or an employer blacklisted afterwards leaves it on the clock.

The Python predicate and the SQL fragment say the same thing (a test holds them equal);
use the fragment in queries so counts never drift from the rule.
"""

from __future__ import annotations

from datetime import datetime, timedelta

__all__ = ["OVERDUE_STATUSES", "due_at", "is_overdue", "overdue_sql"]

OVERDUE_STATUSES = ("active", "completed")


def due_at(ends_at: datetime, settlement_days: int) -> datetime:
    """The moment the settlement period of a job ending at ``ends_at`` runs out."""
    return ends_at + timedelta(days=settlement_days)


def is_overdue(
    status: str, ends_at: datetime, pay_confirmed_at: datetime | None, at: datetime, settlement_days: int,
    departed_at: datetime | None = None, no_show_overturned: bool = False,
) -> bool:
    """Whether the assignment's pay is overdue at ``at``."""
    return (
        (status in OVERDUE_STATUSES or (status == "no_show" and no_show_overturned))
        and due_at(departed_at or ends_at, settlement_days) <= at
        and (pay_confirmed_at is None or pay_confirmed_at > at)
    )


def overdue_sql(alias: str, days: str, at: str) -> str:
    """SQL for :func:`is_overdue` on table alias ``alias``; ``days`` and ``at`` are SQL
    expressions (usually parameters such as ``$2`` and ``$3::timestamptz``)."""
    return (
        f"(({alias}.status IN ('active', 'completed') OR ({alias}.status = 'no_show' AND {alias}.no_show_overturned))"
        f" AND coalesce({alias}.departed_at, {alias}.ends_at) + make_interval(days => {days}) <= {at}"
        f" AND ({alias}.pay_confirmed_at IS NULL OR {alias}.pay_confirmed_at > {at}))"
    )
