"""The operator's desk view of a station: the live board with the facts a busy operator
needs at a glance, and the result of a dispatch run in plain words.

Built on work/board.py (the same board the JSON API returns), adding waited minutes,
priority flags (verified groups, aged 50 or more, minor), who each live offer went to
and its seconds left, and each order's places not yet covered by a live offer.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from gigstation.platform import reference
from gigstation.platform.errors import NotFound
from gigstation.work.board import station_board
from gigstation.work.offers import OfferView
from gigstation.work.orders import OrderView

__all__ = [
    "DeskBoard",
    "DeskOffer",
    "DeskOrder",
    "DeskWaiting",
    "EmptySlots",
    "PairingRow",
    "RunLine",
    "RunResult",
    "desk_board",
    "empty_reason",
    "names_of",
    "order_pairings",
    "run_result",
]


class DeskWaiting(msgspec.Struct, frozen=True):
    checkin_id: UUID
    worker_id: UUID
    name: str
    skills: list[str]
    skills_en: list[str]
    flags: list[str]
    waited_minutes: int
    checked_in_at: datetime
    available_until: datetime
    max_distance_m: int
    by_operator: bool
    offer_seconds_left: int | None
    priority_until: dict[str, date] = {}
    """Group -> the last day its evidence counts (the board shows when each expires)."""


class DeskOrder(msgspec.Struct, frozen=True):
    order: OrderView
    places_left: int
    offers_live: int


class DeskOffer(msgspec.Struct, frozen=True):
    offer: OfferView
    worker_name: str
    seconds_left: int


class DeskBoard(msgspec.Struct, frozen=True):
    station_id: UUID
    waiting: list[DeskWaiting]
    orders: list[DeskOrder]
    offers: list[DeskOffer]


_PEOPLE = """
SELECT u.id, u.name, w.priority_age_from FROM users u LEFT JOIN workers w ON w.user_id = u.id
WHERE u.id = ANY($1::uuid[])
"""


def _is_fifty_plus(priority_age_from: date | None, today: date) -> bool:
    # Only the month a person turns 50 is stored (no birth date: issue 8, fault 3).
    return priority_age_from is not None and priority_age_from <= today


def _skill_names(codes: list[str], english: bool = False) -> list[str]:
    return [(s.en if english else s.zh) if (s := reference.skill(c)) else c for c in codes]


async def desk_board(
    conn: asyncpg.Connection[Any], station_id: UUID, now: datetime, today: date
) -> DeskBoard:
    """The station's board with waited minutes, flags and countdowns."""
    board = await station_board(conn, station_id)
    ids = list({w.worker_id for w in board.waiting} | {o.worker_id for o in board.offers})
    people = {r["id"]: r for r in await conn.fetch(_PEOPLE, ids)} if ids else {}
    live_by_worker = {o.worker_id: o for o in board.offers}
    live_by_order: dict[UUID, int] = {}
    for o in board.offers:
        live_by_order[o.order_id] = live_by_order.get(o.order_id, 0) + 1

    def left(o: OfferView) -> int:
        return max(0, int((o.expires_at - now).total_seconds()))

    waiting = []
    for w in board.waiting:
        flags = list(w.priority_groups)
        age_from = people[w.worker_id]["priority_age_from"] if w.worker_id in people else None
        if _is_fifty_plus(age_from, today) and "age_50_plus" not in flags:
            flags.append("age_50_plus")
        if w.minor:
            flags.append("minor")
        offer = live_by_worker.get(w.worker_id)
        waiting.append(DeskWaiting(
            checkin_id=w.checkin_id, worker_id=w.worker_id, name=w.name,
            skills=_skill_names(w.skills), skills_en=_skill_names(w.skills, english=True), flags=flags,
            waited_minutes=max(0, int((now - w.checked_in_at).total_seconds() // 60)),
            checked_in_at=w.checked_in_at, available_until=w.available_until,
            max_distance_m=w.max_distance_m, by_operator=w.by_operator,
            offer_seconds_left=left(offer) if offer else None,
            priority_until=w.priority_expires_on))
    orders = [DeskOrder(o, max(0, o.headcount - o.filled - live_by_order.get(o.id, 0)),
                        live_by_order.get(o.id, 0)) for o in board.open_orders]
    offers = [DeskOffer(o, people[o.worker_id]["name"] if o.worker_id in people else "", left(o))
              for o in board.offers]
    return DeskBoard(station_id, waiting, orders, offers)


class RunLine(msgspec.Struct, frozen=True):
    offer_id: UUID
    worker_name: str
    order_title: str
    distance_m: int
    expires_at: datetime
    status: str


class EmptySlots(msgspec.Struct, frozen=True):
    order_id: UUID
    order_title: str
    missing: int
    reason: str
    reason_zh: str
    reason_en: str


class RunResult(msgspec.Struct, frozen=True):
    run_id: UUID
    station_id: UUID
    started_at: datetime
    trigger: str
    lines: list[RunLine]
    empty: list[EmptySlots]


def empty_reason(reason: str, skill: str, partly_filled: bool = False) -> tuple[str, str]:
    """Why a slot stayed empty, in the operator's words (Chinese, English). When some of the
    order's places are filled, "nobody can do it" would contradict the people sent: the
    skilled ones are all on it already, so it says "nobody else"."""
    ref = reference.skill(skill)
    if reason == "no_skilled_worker":
        name_zh, name_en = (ref.zh, ref.en.lower()) if ref else (skill, skill)
        if partly_filled:
            return f"没有更多会做{name_zh}的人", f"nobody else waiting can do {name_en}"
        return f"没有会做{name_zh}的人", f"nobody waiting can do {name_en}"
    texts = {
        "too_far": ("都太远", "everyone who could is too far away"),
        "not_available": ("时间对不上", "nobody is free at that time"),
        "taken_by_other_orders": ("已被其他订单占用", "the people who could are taken by other orders"),
    }
    return texts.get(reason, (reason, reason))


_RUN = "SELECT id, station_id, started_at, trigger, unfilled FROM dispatch_runs WHERE id = $1"
_RUN_OFFERS = """
SELECT f.id, u.name AS worker_name, o.title, f.distance_m, f.expires_at, f.status
FROM offers f JOIN users u ON u.id = f.worker_id JOIN orders o ON o.id = f.order_id
WHERE f.run_id = $1 ORDER BY o.title, u.name, f.id
"""
_ORDER_NAMES = "SELECT id, title, skill, headcount FROM orders WHERE id = ANY($1::uuid[])"


async def run_result(conn: asyncpg.Connection[Any], station_id: UUID, run_id: UUID) -> RunResult:
    """Who a run sent where (with each offer's status now) and why slots stayed empty."""
    run = await conn.fetchrow(_RUN, run_id)
    if run is None or run["station_id"] != station_id:
        raise NotFound("调度记录不存在", "no such dispatch run")
    lines = [RunLine(r["id"], r["worker_name"], r["title"], r["distance_m"], r["expires_at"],
                     r["status"]) for r in await conn.fetch(_RUN_OFFERS, run_id)]
    unfilled = msgspec.json.decode(run["unfilled"]) if isinstance(run["unfilled"], str) else run["unfilled"]
    names = {r["id"]: r for r in await conn.fetch(
        _ORDER_NAMES, [UUID(u["order_id"]) for u in unfilled])} if unfilled else {}
    empty = []
    for u in unfilled:
        order = names.get(UUID(u["order_id"]))
        partly = order is not None and int(u["missing"]) < order["headcount"]
        zh, en = empty_reason(u["reason"], order["skill"] if order else "", partly)
        empty.append(EmptySlots(UUID(u["order_id"]), order["title"] if order else "", u["missing"],
                                u["reason"], zh, en))
    return RunResult(run["id"], station_id, run["started_at"], run["trigger"], lines, empty)


class PairingRow(msgspec.Struct, frozen=True):
    worker_id: UUID
    worker_name: str
    kind: str


_PAIRINGS = """
SELECT p.worker_id, u.name AS worker_name, p.kind FROM pairings p JOIN users u ON u.id = p.worker_id
WHERE p.order_id = $1 AND p.station_id = $2 ORDER BY u.name, p.worker_id
"""
_NAMES = "SELECT id, name FROM users WHERE id = ANY($1::uuid[])"


async def order_pairings(
    conn: asyncpg.Connection[Any], station_id: UUID, order_id: UUID
) -> list[PairingRow]:
    """The pins and forbids waiting for an order's next run."""
    return [msgspec.convert(dict(r), PairingRow) for r in await conn.fetch(_PAIRINGS, order_id, station_id)]


async def names_of(conn: asyncpg.Connection[Any], user_ids: list[UUID]) -> dict[UUID, str]:
    """Display names by user id."""
    if not user_ids:
        return {}
    return {r["id"]: r["name"] for r in await conn.fetch(_NAMES, user_ids)}
