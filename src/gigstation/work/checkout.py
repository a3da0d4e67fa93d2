"""Checking out: the person stops waiting, and their live offers go back to the next run."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from gigstation.platform.auth import Principal
from gigstation.stations.checkins import CheckinView, close_checkin
from gigstation.work.offers import withdraw_offers

__all__ = ["check_out"]


async def check_out(conn: asyncpg.Connection[Any], who: Principal, checkin_id: UUID) -> CheckinView:
    """End waiting; checking out twice answers with the same closed check-in.

    Someone who left cannot take a job, so their live offers are withdrawn in the same
    transaction as the check-out.
    """
    checkin, closed = await close_checkin(conn, who, checkin_id)
    if closed:
        await withdraw_offers(conn, "worker_left", worker_id=checkin.worker_id)
    return checkin
