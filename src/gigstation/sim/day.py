"""One simulated day, minute by minute: people's actions from the agenda, the clock's work
with the simulated time, automatic dispatch, and the day's report (see ``sim.simulate``)."""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg

from gigstation.oversight import complaints as case_files
from gigstation.oversight import outcomes, reports
from gigstation.platform import audit, events, reference
from gigstation.platform.auth import Principal
from gigstation.platform.config import Settings
from gigstation.platform.db import transaction
from gigstation.platform.errors import Conflict, DomainError
from gigstation.sim.clock import (
    CLOSE_ENDED,
    DISTRICT_MEDIANS,
    EXPIRE_DUE,
    NO_SHOW_AT,
    RESTAMP,
    STATIONS_DUE,
)
from gigstation.sim.model import (
    DAY_END_MIN,
    OPEN_MIN,
    TITLES,
    Agenda,
    PlannedOrder,
    SimParams,
    SimWorker,
    offset,
)
from gigstation.sim.population import populate
from gigstation.stations import checkins
from gigstation.work import (
    assignments,
    cancellation,
    checkout,
    complaints,
    desk,
    dispatch,
    no_shows,
    orders,
    pay,
    ratings,
    timesheet,
)
from gigstation.work.hours import HoursRules
from gigstation.work.offers import accept_offer, decline_offer, withdraw_offers

__all__ = ["Simulation"]

_STANDS = "SELECT status IN ('active', 'completed') FROM assignments WHERE id = $1"


class Simulation:
    def __init__(self, settings: Settings, params: SimParams, pool: asyncpg.Pool[Any]) -> None:
        self.settings = settings
        self.p = params
        self.pool = pool
        self.zone = ZoneInfo(settings.timezone)
        self.day = params.day or (datetime.now(self.zone).date() + timedelta(days=1))
        self.midnight = datetime.combine(self.day, datetime.min.time(), tzinfo=self.zone)
        self.opening = self.at(OPEN_MIN)
        if self.opening <= datetime.now(self.zone) + timedelta(minutes=5):
            raise ValueError("the simulated day must lie in the future (see the module docstring)")
        self.rng = random.Random(params.seed)
        self.agenda = Agenda()
        self.station_ids: list[UUID] = []
        self.station_names: list[str] = []
        self.station_points: list[tuple[float, float]] = []
        self.station_weights: list[float] = []
        self.operators: list[Principal] = []
        self.employer_ids: list[UUID] = []
        self.workers: list[SimWorker] = []
        self.by_worker_id: dict[UUID, SimWorker] = {}
        self.plans: list[PlannedOrder] = []
        self.order_plans: dict[UUID, PlannedOrder] = {}
        self.order_station: dict[UUID, UUID | None] = {}
        self.dirty: set[UUID] = set()
        self.touched = False  # rows were written with the database clock since the last re-stamp
        self.ends: set[int] = set()  # minutes at which a posted order ends
        self.deadlines: set[int] = set()  # minutes at which an offer expires
        self.cancelled: set[UUID] = set()
        self.dispatch_ms: list[float] = []
        self.solve_ms: list[float] = []
        self.run_sizes: list[tuple[int, int]] = []
        self.offers_made = 0
        self.conflicts: Counter[str] = Counter()
        self.ratings = 0
        self.contests = 0
        self.rules = HoursRules.of(settings)
        self.case_rules = case_files.CaseRules.of(settings)
        self.hours_confirmed = 0
        self.hours_contested = 0

    def at(self, minute: int) -> datetime:
        return self.midnight + timedelta(minutes=minute)

    async def setup(self) -> None:
        """Register the district and plan the day (``sim.population``)."""
        await populate(self)

    # --- one simulated minute -----------------------------------------------------------

    async def minute(self, m: int) -> None:
        now = self.at(m)
        actions = self.agenda.due(m)
        clock_due = m in self.ends or m in self.deadlines
        if not (actions or clock_due or self.touched or self.dirty):
            return  # a quiet minute: nothing to do, nothing to re-stamp
        if m in self.ends:
            async with transaction(self.pool) as conn:
                # What the database clock would do for a day that is running.
                for r in await conn.fetch(CLOSE_ENDED, now):
                    if await withdraw_offers(conn, "order_ended", order_id=r["id"]):
                        self.dirty.add(r["station_id"])
        for action in actions:
            self.touched = True
            try:
                async with transaction(self.pool) as conn:
                    await getattr(self, "_do_" + action.kind)(conn, m, *action.args)
            except DomainError as exc:
                self.conflicts[f"{action.kind}:{exc.code}"] += 1
        interval = max(1, round(self.settings.auto_dispatch_interval_s / 60))
        due: list[UUID] = []
        async with transaction(self.pool) as conn:
            await self._restamp(conn, now)
            if m in self.deadlines:
                expired = await conn.fetch(EXPIRE_DUE, now)
                await events.emit_many(conn, [
                    (r["worker_id"], r["station_id"], "offer.expired",
                     {"offer_id": r["id"], "order_id": r["order_id"]}) for r in expired])
                self.dirty.update(r["station_id"] for r in expired)
            if self.dirty and (m - OPEN_MIN) % interval == 0:
                due = [r["id"] for r in await conn.fetch(STATIONS_DUE, sorted(self.dirty), now)]
                self.dirty.clear()
        self.touched = False
        for station_id in due:
            await self._dispatch(station_id, m)
        if due:
            async with transaction(self.pool) as conn:
                await self._restamp(conn, now)
            self.touched = False

    async def _restamp(self, conn: asyncpg.Connection[Any], now: datetime) -> None:
        for sql in RESTAMP:
            await conn.execute(sql, now, self.opening)

    async def _dispatch(self, station_id: UUID, m: int) -> None:
        started = time.perf_counter()
        try:
            run = await dispatch.dispatch_station(
                self.pool, self.settings, station_id, None, now=self.at(m),
                day_start=self.midnight, today=self.day)
        except DomainError as exc:
            self.conflicts[f"dispatch:{exc.code}"] += 1
            return
        self.dispatch_ms.append((time.perf_counter() - started) * 1000)
        self.solve_ms.append(run.stats.solve_ms)
        self.run_sizes.append((run.stats.workers, run.stats.orders))
        self.offers_made += len(run.offers)
        for offer in run.offers:
            deadline = offer.expires_at - self.midnight
            self.deadlines.add(math.ceil(deadline.total_seconds() / 60))
        ttl_min = max(1, self.settings.offer_ttl_s // 60)
        for offer in sorted(run.offers, key=lambda o: self.by_worker_id[o.worker_id].idx):
            worker = self.by_worker_id[offer.worker_id]
            worker.offers_seen += 1
            # Each worker's own stream: answers do not depend on the order of other events.
            r = random.Random(f"{self.p.seed}:{worker.idx}:{worker.offers_seen}")
            roll = r.random()
            if roll < self.p.accept_p:
                self.agenda.add(m + r.randint(1, max(1, ttl_min - 1)), "accept", worker, offer.id)
            elif roll < self.p.accept_p + self.p.decline_p:
                self.agenda.add(m + r.randint(1, max(1, ttl_min - 1)), "decline", worker, offer.id)
            # else: ignored; the sweep expires it at its deadline

    # --- people's actions ---------------------------------------------------------------

    async def _do_arrive(self, conn: asyncpg.Connection[Any], m: int, w: SimWorker) -> None:
        if w.until - m < 60:
            return
        st_lat, st_lon = self.station_points[w.station]
        r = random.Random(f"{self.p.seed}:arrive:{w.idx}:{w.jobs}")
        if w.self_checkin:
            lat, lon = offset(st_lat, st_lon, r.uniform(0, 900), r.uniform(0, 2 * math.pi))
            who = Principal(w.id, "worker")
            data = checkins.CheckinCreate(station_id=self.station_ids[w.station], lat=lat, lon=lon,
                                          available_until=self.at(w.until),
                                          max_distance_m=w.max_distance_m)
        else:  # no smartphone: the operator checks them in
            who = self.operators[w.station]
            data = checkins.CheckinCreate(station_id=self.station_ids[w.station], worker_id=w.id,
                                          available_until=self.at(w.until),
                                          max_distance_m=w.max_distance_m)
        c = await checkins.check_in(conn, who, data, self.at(m))
        w.checkin_id = c.id
        self.dirty.add(c.station_id)
        leave = min(w.until, w.leave_early or w.until) if w.jobs == 0 else w.until
        self.agenda.add(max(leave, m + 1), "leave", w, c.id)

    async def _do_leave(self, conn: asyncpg.Connection[Any], m: int, w: SimWorker, checkin_id: UUID) -> None:
        who = self.operators[w.station] if w.phoneless else Principal(w.id, "worker")
        await checkout.check_out(conn, who, checkin_id)

    async def _do_post(self, conn: asyncpg.Connection[Any], m: int, plan: PlannedOrder) -> None:
        skill = reference.skill(plan.skill)
        assert skill is not None
        o = await orders.create_order(conn, self.employer_ids[plan.employer], orders.OrderCreate(
            title=TITLES.get(plan.skill, skill.zh), skill=plan.skill, headcount=plan.headcount,
            starts_at=self.at(plan.start), ends_at=self.at(plan.end), lat=plan.lat, lon=plan.lon,
            address=f"青浦区{skill.zh}用工点", pay_cents=plan.pay_cents, pay_unit=plan.pay_unit),  # type: ignore[arg-type]
            self.at(m), self.settings.timezone, self.settings.region,
            reach_m=self.settings.dispatch_reach_m, day_cap_h=self.settings.daily_hours_cap)
        self.order_plans[o.id] = plan
        self.order_station[o.id] = o.station_id
        plan.order_id = o.id
        self.ends.add(plan.end)
        if o.station_id is not None:
            self.dirty.add(o.station_id)
        if plan.cancel_at is not None:
            self.agenda.add(plan.cancel_at, "cancel", plan.employer, o.id)

    async def _do_cancel(self, conn: asyncpg.Connection[Any], m: int, employer: int, order_id: UUID) -> None:
        o = await cancellation.cancel_order(conn, Principal(self.employer_ids[employer], "employer"),
                                            order_id, self.at(m))
        self.cancelled.add(order_id)  # work that had not started was cancelled with it
        if o.station_id is not None:
            self.dirty.add(o.station_id)

    async def _still_on(self, conn: asyncpg.Connection[Any], assignment_id: UUID) -> bool:
        """Whether the job stands (a cancelled order cancels only work that had not started)."""
        return bool(await conn.fetchval(_STANDS, assignment_id))

    async def _do_decline(self, conn: asyncpg.Connection[Any], m: int, w: SimWorker, offer_id: UUID) -> None:
        if w.phoneless:  # they said no at the desk
            offer = await desk.decline_for_worker(conn, self.operators[w.station].user_id, offer_id)
        else:
            offer = await decline_offer(conn, w.id, offer_id)
        self.dirty.add(offer.station_id)

    async def _do_accept(self, conn: asyncpg.Connection[Any], m: int, w: SimWorker, offer_id: UUID) -> None:
        try:
            if w.phoneless:  # they said yes at the desk
                a = await desk.accept_for_worker(conn, self.operators[w.station].user_id, offer_id,
                                                 self.settings.timezone, rules=self.rules)
            else:
                a = await accept_offer(conn, w.id, offer_id, self.settings.timezone, rules=self.rules)
        except Conflict:
            self.dirty.add(self.station_ids[w.station])
            raise
        w.jobs += 1
        self.dirty.add(self.station_ids[w.station])  # the order-full withdrawals free workers
        plan = self.order_plans[a.order_id]
        r = random.Random(f"{self.p.seed}:job:{w.idx}:{w.jobs}")
        start = plan.start
        if r.random() < self.p.no_show_p:
            self.agenda.add(max(m, start) + 30, "no_show", w, plan, a.id, r.random() < 0.35)
            return
        self.agenda.add(max(m, plan.end) + r.randint(0, 15), "complete", w, plan, a.id, r.random())
        self._plan_hours(m, w, plan, a.id)
        # Back to the station for a second job if the day allows it.
        if w.until - plan.end >= 150 and r.random() < 0.5:
            self.agenda.add(plan.end + r.randint(20, 50), "arrive", w)

    def _plan_hours(self, m: int, w: SimWorker, plan: PlannedOrder, assignment_id: UUID) -> None:
        """Arrival and departure scanned on site, then the worker's answer to the hours."""
        r = random.Random(f"{self.p.seed}:hours:{w.idx}:{w.jobs}")
        arrive = max(m + 1, plan.start - r.randint(0, 20))
        depart = max(plan.end + r.randint(0, 10), arrive + self.rules.min_work_min + 1)
        self.agenda.add(arrive, "scan", w, plan, assignment_id, "arrival")
        self.agenda.add(depart, "scan", w, plan, assignment_id, "departure")
        answer = "contest" if r.random() < 0.03 else "confirm"
        self.agenda.add(depart + r.randint(5, 120), "hours_answer", w, plan, assignment_id, answer)

    async def _do_scan(self, conn: asyncpg.Connection[Any], m: int, w: SimWorker, plan: PlannedOrder,
                       assignment_id: UUID, event: timesheet.Event) -> None:
        """The employer scans the code: the worker's phone, or a desk slip for a person without one."""
        if not await self._still_on(conn, assignment_id):
            return
        now = self.at(m)
        secret = self.settings.token_secret()
        if w.self_checkin:
            shown = await timesheet.worker_code(conn, Principal(w.id, "worker"), assignment_id, secret, now,
                                                self.rules)
            code = shown.code
        else:
            slip = await timesheet.issue_desk_slip(conn, self._desk(plan), assignment_id, now, self.rules)
            code = next(c.code for c in slip.codes if c.event == event)
        employer = Principal(self.employer_ids[plan.employer], "employer")
        await timesheet.record_scan(conn, employer, assignment_id, event, timesheet.CodeBody(code), secret, now,
                                    self.rules, self.settings.timezone)

    async def _do_hours_answer(self, conn: asyncpg.Connection[Any], m: int, w: SimWorker, plan: PlannedOrder,
                               assignment_id: UUID, answer: str) -> None:
        """The worker confirms the recorded hours (the desk for a person without a phone), or
        contests them and the station settles the contest with the recorded times."""
        if not await self._still_on(conn, assignment_id):
            return
        who = Principal(w.id, "worker") if w.self_checkin else self._desk(plan)
        if answer == "confirm":
            await timesheet.confirm_hours(conn, who, assignment_id, self.at(m))
            self.hours_confirmed += 1
            return
        await timesheet.contest_hours(conn, who, assignment_id,
                                      assignments.ReasonBody("离岗时间登记早了"), self.at(m))
        self.hours_contested += 1
        self.agenda.add(m + 30, "hours_resolve", plan, assignment_id)

    async def _do_hours_resolve(self, conn: asyncpg.Connection[Any], m: int, plan: PlannedOrder,
                                assignment_id: UUID) -> None:
        await complaints.resolve(conn, self._desk(plan), assignment_id,
                                 assignments.ResolveBody(note="核对现场记录，维持登记工时"), self.at(m))

    def _desk(self, plan: PlannedOrder) -> Principal:
        """An operator of the station the order went to."""
        station_id = self.order_station.get(plan.order_id) if plan.order_id else None
        return self.operators[self.station_ids.index(station_id) if station_id in self.station_ids else 0]

    async def _do_no_show(self, conn: asyncpg.Connection[Any], m: int, w: SimWorker, plan: PlannedOrder,
                          assignment_id: UUID, contest: bool) -> None:
        if not await self._still_on(conn, assignment_id):
            return
        # no_shows.mark_no_show with the simulated clock (its guard reads the database's).
        employer = self.employer_ids[plan.employer]
        await assignments.get_assignment(conn, Principal(employer, "employer"), assignment_id)
        if await conn.fetchval(NO_SHOW_AT, assignment_id, self.at(m)) is None:
            raise Conflict("无法记录未到岗", "cannot mark a no-show", code="no_show_refused")
        await audit.record(conn, employer, "assignment.no_show", "assignment", assignment_id)
        if contest:
            self.agenda.add(m + 20, "contest", w, assignment_id)

    async def _do_contest(self, conn: asyncpg.Connection[Any], m: int, w: SimWorker, assignment_id: UUID) -> None:
        await no_shows.contest_no_show(conn, Principal(w.id, "worker"), assignment_id,
                                          assignments.ReasonBody("我按时到了，现场负责人可以作证"))
        self.contests += 1

    async def _do_complete(self, conn: asyncpg.Connection[Any], m: int, w: SimWorker, plan: PlannedOrder,
                           assignment_id: UUID, roll: float) -> None:
        if not await self._still_on(conn, assignment_id):
            return  # the employer cancelled the order before this work started
        employer = Principal(self.employer_ids[plan.employer], "employer")
        hours = (plan.end - plan.start) / 60
        await assignments.complete(conn, employer, assignment_id, assignments.CompleteBody(hours), self.at(m))
        amount = plan.pay_cents if plan.pay_unit == "day" else round(plan.pay_cents * hours)
        await pay.record_pay(conn, employer, assignment_id, assignments.PaidBody(amount))
        r = random.Random(f"{self.p.seed}:pay:{w.idx}:{roll}")
        later = m + r.randint(10, 90)
        if roll < self.p.dispute_p:
            self.agenda.add(later, "dispute", w, assignment_id)
            # The case both sides follow: the employer answers, the station closes it.
            self.agenda.add(later + r.randint(20, 120), "case_answer", employer, assignment_id,
                            r.random() < 0.5)
            self.agenda.add(later + r.randint(150, 420), "case_close", plan, assignment_id)
        else:
            self.agenda.add(later, "confirm", w, assignment_id)
        if r.random() < self.p.rating_p and not w.phoneless:  # rating is on the phone
            self.agenda.add(later, "rate", Principal(w.id, "worker"), assignment_id,
                            r.choices([5, 4, 3, 2], [55, 30, 11, 4])[0])
        if r.random() < self.p.rating_p:
            self.agenda.add(m + r.randint(1, 30), "rate", employer, assignment_id,
                            r.choices([5, 4, 3, 2], [50, 35, 11, 4])[0])

    async def _do_confirm(self, conn: asyncpg.Connection[Any], m: int, w: SimWorker, assignment_id: UUID) -> None:
        await pay.confirm_pay(conn, Principal(w.id, "worker"), assignment_id)

    async def _do_dispute(self, conn: asyncpg.Connection[Any], m: int, w: SimWorker, assignment_id: UUID) -> None:
        await pay.dispute(conn, Principal(w.id, "worker"), assignment_id,
                                  assignments.ReasonBody("实际到账金额少于约定工资"))

    async def _do_case_answer(self, conn: asyncpg.Connection[Any], m: int, employer: Principal,
                              assignment_id: UUID, paid: bool) -> None:
        await case_files.add_message(conn, employer, assignment_id, case_files.MessageBody(
            note="已现金结清" if paid else "工时有出入，正在核对", paid=paid), self.at(m), self.case_rules)

    async def _do_case_close(self, conn: asyncpg.Connection[Any], m: int, plan: PlannedOrder,
                             assignment_id: UUID) -> None:
        await case_files.close_case(conn, self._desk(plan), assignment_id, case_files.CloseBody(
            outcome="paid", note="双方确认已付清"), self.at(m), self.case_rules)

    async def _do_rate(self, conn: asyncpg.Connection[Any], m: int, who: Principal, assignment_id: UUID,
                       stars: int) -> None:
        await ratings.rate(conn, who, assignment_id, ratings.RatingCreate(stars=stars))
        self.ratings += 1

    # --- the day ------------------------------------------------------------------------

    async def play(self) -> None:
        real_start = time.perf_counter()
        for m in range(OPEN_MIN, DAY_END_MIN + 1):
            await self.minute(m)
            if self.p.speed > 0:
                lag = (m - OPEN_MIN + 1) * 60 / self.p.speed - (time.perf_counter() - real_start)
                if lag > 0:
                    await asyncio.sleep(lag)

    async def follow_up(self) -> dict[str, Any]:
        """At closing, each station's operator calls the priority-group people on the due list
        (deadline within the week or past, no work yet); then the district's outcome figures."""
        rules = outcomes.outcome_rules(self.settings.outcome_months())
        zone, closing = self.settings.timezone, self.at(DAY_END_MIN)
        calls = 0
        async with transaction(self.pool) as conn:
            for st, station_id in enumerate(self.station_ids):
                due = await outcomes.due_list(conn, rules, station_id, zone, self.day)
                for case in due.due + due.overdue:
                    await outcomes.record_follow_up(conn, self.operators[st], case.worker_id, outcomes.FollowUpCreate(
                        kind="call", group=case.group,  # type: ignore[arg-type]
                        result="电话回访：今天还没有找到工作，已推荐明天的岗位和驿站的技能培训",
                        station_id=station_id), at=closing)
                    calls += 1
            figures = await outcomes.outcome_figures(conn, rules, zone, self.day,
                                                     self.day - timedelta(days=365), self.day + timedelta(days=366))
            start, end = reports.day_bounds(self.day, zone)
            cases = await case_files.case_figures(conn, None, start, end, closing, self.case_rules)
        total = figures.district[-1]
        phoneless = [w for w in self.workers if w.phoneless]
        return {"cases": total.cases, "met": total.met, "met_late": total.met_late, "overdue": total.overdue,
                "open": total.open, "share_met": total.share_met, "follow_ups": calls,
                "phoneless": len(phoneless), "phoneless_jobs": sum(w.jobs for w in phoneless),
                "complaints_closed": cases.closed, "complaints_closed_on_time": cases.closed_on_time,
                "complaints_open_overdue": cases.open_overdue}

    async def report(self) -> tuple[list[reports.StationReport], dict[str, Any]]:
        async with transaction(self.pool) as conn:
            per = [await reports.station_report(conn, sid, self.day, self.settings.timezone)
                   for sid in self.station_ids]
            start, end = reports.day_bounds(self.day, self.settings.timezone)
            medians = dict(await conn.fetchrow(DISTRICT_MEDIANS, start, end))  # type: ignore[arg-type]
        total: dict[str, Any] = {}
        for key in ("checkins", "orders_posted", "slots_posted", "slots_filled", "offers_made",
                    "offers_accepted", "offers_declined", "offers_expired", "offers_withdrawn",
                    "offers_live", "completed", "no_shows", "wages_paid_cents",
                    "filled_by_priority_workers", "disputes_opened"):
            total[key] = sum(getattr(r, key) for r in per)
        total["workers_checked_in"] = medians["workers_checked_in"]
        total["fill_rate"] = round(total["slots_filled"] / total["slots_posted"], 4) if total["slots_posted"] else 0.0
        total["priority_share"] = (round(total["filled_by_priority_workers"] / total["slots_filled"], 4)
                                   if total["slots_filled"] else 0.0)
        dist = sum((r.average_offer_distance_m or 0) * r.offers_made for r in per)
        total["average_offer_distance_m"] = round(dist / total["offers_made"], 2) if total["offers_made"] else None
        for key in ("median_minutes_checkin_to_offer", "median_minutes_order_to_full"):
            total[key] = None if medians[key] is None else round(float(medians[key]), 2)
        return per, total
