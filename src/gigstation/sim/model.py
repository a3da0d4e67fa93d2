"""The simulated district's vocabulary: parameters, results, people and orders as planned,
and the agenda of actions by simulated minute."""

from __future__ import annotations

import heapq
import json
import math
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

import msgspec

if TYPE_CHECKING:
    import random

    import asyncpg

    from gigstation.platform.auth import Principal
    from gigstation.platform.config import Settings

from gigstation.oversight import reports

__all__ = [
    "AREAS",
    "DAY_END_MIN",
    "GIVEN_NAMES",
    "HEADCOUNT_WEIGHTS",
    "LAST_ARRIVAL_MIN",
    "LAST_ORDER_MIN",
    "LATEST_END_MIN",
    "OPEN_MIN",
    "PASSWORD",
    "SKILL_PROFILES",
    "SURNAMES",
    "TITLES",
    "Action",
    "Agenda",
    "District",
    "PlannedOrder",
    "SimParams",
    "SimResult",
    "SimWorker",
    "Timings",
    "offset",
    "station_places",
]

PASSWORD = "gig-sim-2026"  # noqa: S105 (the synthetic accounts' published password)
OPEN_MIN = 6 * 60
LAST_ARRIVAL_MIN = 11 * 60
LAST_ORDER_MIN = 16 * 60
LATEST_END_MIN = 22 * 60
DAY_END_MIN = 24 * 60 - 1

# Workers' skill profiles and how common each is among day labourers (weights).
SKILL_PROFILES: list[tuple[list[str], int]] = [
    (["moving", "loading"], 14), (["warehouse", "loading"], 12),
    (["cleaning", "housekeeping"], 12), (["construction_helper", "moving"], 10),
    (["dishwashing", "kitchen_helper"], 9), (["event_staff", "promotion"], 8),
    (["delivery", "moving"], 8), (["greening", "farm_work"], 7), (["waiter", "dishwashing"], 5),
    (["forklift", "warehouse", "loading"], 4), (["elderly_care", "housekeeping"], 4),
    (["painting", "carpentry"], 3), (["security"], 2), (["data_entry", "promotion"], 2),
]
HEADCOUNT_WEIGHTS = [22, 20, 15, 11, 9, 7, 5, 4, 3, 4]  # headcount 1..10
TITLES = {
    "moving": "搬家搬运", "loading": "仓库装卸", "warehouse": "电商仓库理货", "forklift": "叉车装卸",
    "delivery": "社区配送", "cleaning": "写字楼保洁", "housekeeping": "家庭保洁",
    "elderly_care": "陪护老人", "kitchen_helper": "后厨帮工", "dishwashing": "后厨洗碗",
    "waiter": "宴会服务员", "construction_helper": "工地小工", "painting": "墙面粉刷",
    "carpentry": "木工安装", "greening": "绿化养护", "farm_work": "农场采摘",
    "event_staff": "会展布场", "promotion": "超市促销", "data_entry": "资料录入", "security": "活动安保",
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN_NAMES = ["建国", "秀英", "伟", "芳", "军", "敏", "强", "丽", "国庆", "桂兰", "志强", "海燕",
          "红梅", "建华", "玉兰", "春生", "小龙", "美华", "德明", "金凤"]
AREAS = ["310118", "310117", "310112", "310115", "310120"]


class SimParams(msgspec.Struct, frozen=True, kw_only=True):
    """What to simulate."""

    workers: int = 400
    stations: int = 3
    seed: int = 1
    speed: float = 0.0
    """Simulated seconds per real second; 0 plays the day as fast as the database allows."""
    day: date | None = None
    """The simulated day; it must lie in the future (default: tomorrow)."""
    accept_p: float = 0.75
    decline_p: float = 0.15
    no_show_p: float = 0.03
    dispute_p: float = 0.03
    rating_p: float = 0.6


class Timings(msgspec.Struct, frozen=True):
    dispatch_runs: int
    offers_made: int
    dispatch_p50_ms: float
    dispatch_p95_ms: float
    dispatch_max_ms: float
    solve_p50_ms: float
    solve_p95_ms: float
    largest_run_workers: int
    largest_run_orders: int
    setup_s: float
    day_s: float
    total_s: float


class SimResult(msgspec.Struct, frozen=True):
    day: date
    params: SimParams
    station_names: list[str]
    stations: list[reports.StationReport]
    district: dict[str, Any]
    timings: Timings
    accept_conflicts: dict[str, int]
    ratings: int
    contests: int
    hours_confirmed: int = 0
    """Recorded hours the worker (or the desk for them) confirmed."""
    hours_contested: int = 0
    outcomes: dict[str, Any] = msgspec.field(default_factory=dict)
    """Priority groups: cases decided, met on time, the share; follow-ups; people without a phone."""


@dataclass
class SimWorker:
    idx: int
    id: UUID
    station: int
    arrive: int
    until: int
    max_distance_m: int
    self_checkin: bool
    leave_early: int | None
    checkin_id: UUID | None = None
    phoneless: bool = False
    """Registered at the desk with ID only: the desk checks them in, answers offers for them."""
    offers_seen: int = 0
    jobs: int = 0


@dataclass
class PlannedOrder:
    employer: int
    skill: str
    headcount: int
    post: int
    start: int
    end: int
    lat: float
    lon: float
    pay_cents: int
    pay_unit: str
    cancel_at: int | None
    order_id: UUID | None = None


@dataclass(order=True)
class Action:
    minute: int
    seq: int
    kind: str = field(compare=False)
    args: tuple[Any, ...] = field(compare=False, default=())


class Agenda:
    """Actions by simulated minute, in the order they were scheduled."""

    def __init__(self) -> None:
        self._heap: list[Action] = []
        self._seq = 0

    def add(self, minute: int, kind: str, *args: Any) -> None:
        self._seq += 1
        heapq.heappush(self._heap, Action(minute, self._seq, kind, args))

    def due(self, minute: int) -> list[Action]:
        out = []
        while self._heap and self._heap[0].minute <= minute:
            out.append(heapq.heappop(self._heap))
        return out


def station_places() -> list[dict[str, Any]]:
    raw = resources.files("gigstation.data").joinpath("qingpu-stations.json").read_text("utf-8")
    places: list[dict[str, Any]] = json.loads(raw)["places"]
    return places


def offset(lat: float, lon: float, metres: float, bearing: float) -> tuple[float, float]:
    dlat = metres * math.cos(bearing) / 111_320
    dlon = metres * math.sin(bearing) / (111_320 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)


class District(Protocol):
    """What ``population.populate`` fills in: the simulated day's district (``day.Simulation``
    is one). A protocol, so population needs nothing from day, which drives it."""

    settings: Settings
    p: SimParams
    pool: asyncpg.Pool[Any]
    day: date
    rng: random.Random
    agenda: Agenda
    station_ids: list[UUID]
    station_names: list[str]
    station_points: list[tuple[float, float]]
    station_weights: list[float]
    operators: list[Principal]
    employer_ids: list[UUID]
    workers: list[SimWorker]
    by_worker_id: dict[UUID, SimWorker]
    plans: list[PlannedOrder]
