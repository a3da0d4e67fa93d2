"""Cancelling an order closes what has not begun; work that started is never cancelled.

An order's cancellation (by its employer, an operator of its station or an administrator)
withdraws the live offers, closes the open places and cancels the accepted work that has
not started. Work that has started (its start time passed, or its arrival was recorded)
stays exactly as it is: the employer still completes and pays it, the worker can still
complain about it, and the pay clock, the reports and the exports keep it. The order is
then ``closed`` (hiring stopped, the work stands) rather than ``cancelled``; a cancellation
that would close nothing is refused (409 ``work_started``).

The arrears blacklist closes an employer's orders the same way with ``keep_accepted``:
only live offers and open places; accepted work (started or not) stays, and its workers
are told the employer was listed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from gigstation.platform import audit, events
from gigstation.platform.auth import Principal
from gigstation.platform.errors import Conflict
from gigstation.work.offers import withdraw_offers
from gigstation.work.orders import OrderView, get_order

__all__ = ["cancel_order"]

_LOCK = "SELECT status, filled, headcount FROM orders WHERE id = $1 FOR UPDATE"
# Not started: the start is still ahead and no arrival was recorded.
_CANCEL_NOT_STARTED = """
UPDATE assignments SET status = 'cancelled'
WHERE order_id = $1 AND status = 'active' AND starts_at > $2 AND arrived_at IS NULL
RETURNING id, worker_id
"""
_KEPT = """
SELECT id, worker_id, status, starts_at FROM assignments
WHERE order_id = $1 AND status IN ('active', 'completed', 'no_show')
"""
_CLOSE = """
UPDATE orders SET status = $3, cancelled_at = now(), cancelled_by = $2
WHERE id = $1 AND status IN ('open', 'full') RETURNING id
"""


async def cancel_order(
    conn: asyncpg.Connection[Any], who: Principal, order_id: UUID, now: datetime, *,
    keep_accepted: bool = False, reason: str = "order_cancelled",
) -> OrderView:
    """Cancel what has not begun (see the module docstring); with ``keep_accepted`` (the
    blacklist) only offers and open places are closed, and nothing is refused."""
    order = await get_order(conn, who, order_id)
    locked = await conn.fetchrow(_LOCK, order_id)
    assert locked is not None
    if locked["status"] not in ("open", "full"):
        raise Conflict(f"订单状态为 {locked['status']}，不能取消",
                       f"an order in status {locked['status']} cannot be cancelled",
                       code="order_not_cancellable")
    withdrawn = await withdraw_offers(conn, reason, order_id=order_id)
    cancelled = [] if keep_accepted else await conn.fetch(_CANCEL_NOT_STARTED, order_id, now)
    kept = await conn.fetch(_KEPT, order_id)
    if keep_accepted:  # the blacklist: tell the workers whose accepted work stands
        await events.emit_many(conn, [
            (r["worker_id"], order.station_id, "order.employer_listed",
             {"order_id": order_id, "assignment_id": r["id"], "title": order.title})
            for r in kept if r["status"] == "active"
        ])
    open_places = locked["status"] == "open" and locked["filled"] < locked["headcount"]
    if not (open_places or withdrawn or cancelled):
        if keep_accepted:
            return order
        raise Conflict("订单的工作已经开始，已开工的工作不能取消；请照常确认完工并支付工资",
                       "the work of this order has started and cannot be cancelled; complete it and "
                       "pay for it as agreed", code="work_started")
    status = "closed" if kept else "cancelled"
    await conn.execute(_CLOSE, order_id, who.user_id, status)
    await events.emit_many(conn, [
        (r["worker_id"], order.station_id, "assignment.cancelled",
         {"order_id": order_id, "assignment_id": r["id"], "title": order.title, "reason": reason})
        for r in cancelled
    ])
    await audit.record(conn, who.user_id, "order.cancel", "order", order_id,
                       {"offers_withdrawn": withdrawn, "assignments_cancelled": len(cancelled),
                        "assignments_kept": len(kept), "status": status, "reason": reason})
    return await get_order(conn, who, order_id)
