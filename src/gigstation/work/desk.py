"""The operator answering an offer for a person at the desk who has no smartphone.

Station-scoped: an operator may answer only offers made by one of their stations. The
answer goes through the same transaction as the worker's own (work/offers.py), and the
audit row names the operator as the actor and the worker as ``on_behalf_of``.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from gigstation.platform.errors import NotFound
from gigstation.stations.registry import operator_station_ids
from gigstation.work.offers import AssignmentView, OfferView, accept_offer, decline_offer

__all__ = ["accept_for_worker", "decline_for_worker", "desk_offer_worker"]

_OFFER = "SELECT worker_id, station_id FROM offers WHERE id = $1"


async def desk_offer_worker(conn: asyncpg.Connection[Any], operator_id: UUID, offer_id: UUID) -> UUID:
    """The worker an offer was made to, if the offer is from one of the operator's stations."""
    row = await conn.fetchrow(_OFFER, offer_id)
    if row is None or row["station_id"] not in await operator_station_ids(conn, operator_id):
        # Other stations' offers look missing, as everywhere else: ids are not an oracle.
        raise NotFound("邀约不存在", "no such offer")
    worker_id: UUID = row["worker_id"]
    return worker_id


async def accept_for_worker(
    conn: asyncpg.Connection[Any], operator_id: UUID, offer_id: UUID
) -> AssignmentView:
    """Accept on the worker's behalf (they said yes at the desk)."""
    worker_id = await desk_offer_worker(conn, operator_id, offer_id)
    return await accept_offer(conn, worker_id, offer_id, actor=operator_id)


async def decline_for_worker(
    conn: asyncpg.Connection[Any], operator_id: UUID, offer_id: UUID
) -> OfferView:
    """Decline on the worker's behalf (they said no at the desk)."""
    worker_id = await desk_offer_worker(conn, operator_id, offer_id)
    return await decline_offer(conn, worker_id, offer_id, actor=operator_id)
