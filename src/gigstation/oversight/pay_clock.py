"""When pay is overdue: the rule lives in ``work/pay_clock.py`` (the station board applies it);
the reports import it from here as before."""

from __future__ import annotations

from gigstation.work.pay_clock import OVERDUE_STATUSES, due_at, is_overdue, overdue_sql

__all__ = ["OVERDUE_STATUSES", "due_at", "is_overdue", "overdue_sql"]
