"""The simulated day's report as a text table, and the percentiles of its timings."""

from __future__ import annotations

import statistics
from typing import Any

import msgspec

from gigstation.sim.model import SimResult

__all__ = ["format_report", "pct"]


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return round(values[0], 1)
    return round(statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1], 1)


_ROWS: list[tuple[str, str]] = [
    ("checkins", "check-ins 签到"),
    ("workers_checked_in", "workers 人数"),
    ("orders_posted", "orders posted 订单"),
    ("slots_posted", "slots posted 岗位"),
    ("slots_filled", "slots filled 已招满"),
    ("fill_rate", "fill rate 满足率"),
    ("median_minutes_checkin_to_offer", "median wait to offer, min 等待"),
    ("median_minutes_order_to_full", "median order to full, min 招满"),
    ("offers_made", "offers made 邀约"),
    ("offers_accepted", "  accepted 接受"),
    ("offers_declined", "  declined 拒绝"),
    ("offers_expired", "  expired 过期"),
    ("offers_withdrawn", "  withdrawn 撤回"),
    ("average_offer_distance_m", "avg offer distance, m 距离"),
    ("completed", "completed 完工"),
    ("no_shows", "no-shows 未到岗"),
    ("wages_paid_cents", "wages paid, CNY 工资"),
    ("disputes_opened", "wage disputes 欠薪投诉"),
    ("priority_share", "priority share 优先群体占比"),
]


def _cell(key: str, value: Any) -> str:
    if value is None:
        return "-"
    if key in ("fill_rate", "priority_share"):
        return f"{value * 100:.1f}%"
    if key == "wages_paid_cents":
        return f"{value / 100:,.0f}"
    if isinstance(value, float):
        return f"{value:.1f}" if key.startswith("median") else f"{value:,.0f}"
    return f"{value:,}"


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _outcomes(o: dict[str, Any]) -> str:
    if not o:
        return "priority-group outcomes: not computed"
    share = "-" if o["share_met"] is None else f"{o['share_met'] * 100:.1f}%"
    decided = o["met"] + o["met_late"] + o["overdue"]
    return (f"priority groups 重点群体: in work on time 按期就业率 {share} ({o['met']} of {decided} cases due; "
            f"{o['met_late']} late, {o['overdue']} overdue, {o['open']} not yet due); "
            f"follow-up calls {o['follow_ups']}; "
            f"without a phone 无手机 {o['phoneless']} people, {o['phoneless_jobs']} jobs accepted at the desk\n"
            + _closures(o))


def _closures(o: dict[str, Any]) -> str:
    closed, on_time = o.get("complaints_closed", 0), o.get("complaints_closed_on_time", 0)
    share = f"{on_time / closed * 100:.1f}%" if closed else "-"
    return (f"wage complaints 工资投诉: closed on time 按期办结率 {share} ({on_time} of {closed} closed); "
            f"open and overdue {o.get('complaints_open_overdue', 0)}")


def format_report(result: SimResult) -> str:
    """The day's report and timings as a text table."""
    p, t = result.params, result.timings
    heads = [*result.station_names, "District"]
    columns = [msgspec.to_builtins(r) for r in result.stations] + [result.district]
    label_w = max(_width(label) for _, label in _ROWS) + 2
    col_w = max(12, *(len(h) + 2 for h in heads))
    lines = [
        f"gigstation simulate: Qingpu district 青浦区, simulated day {result.day}, seed {p.seed}, "
        f"{p.workers} workers, {len(result.station_names)} stations",
        "",
        " " * label_w + "".join(h.rjust(col_w) for h in heads),
    ]
    for key, label in _ROWS:
        cells = "".join(_cell(key, c.get(key)).rjust(col_w) for c in columns)
        lines.append(label + " " * (label_w - _width(label)) + cells)
    conflicts = ", ".join(f"{k} {v}" for k, v in result.accept_conflicts.items()) or "none"
    lines += [
        "",
        f"ratings given {result.ratings}, no-shows contested {result.contests}; "
        f"hours confirmed {result.hours_confirmed}, contested {result.hours_contested}; "
        f"refused actions: {conflicts}",
        _outcomes(result.outcomes),
        f"dispatch runs {t.dispatch_runs} (offers {t.offers_made}, largest run {t.largest_run_workers} "
        f"workers x {t.largest_run_orders} orders); dispatch p50 {t.dispatch_p50_ms} ms, "
        f"p95 {t.dispatch_p95_ms} ms, max {t.dispatch_max_ms} ms; solver p50 {t.solve_p50_ms} ms, "
        f"p95 {t.solve_p95_ms} ms",
        f"wall time: setup {t.setup_s} s, day {t.day_s} s, total {t.total_s} s "
        f"(embedded PostgreSQL start not included)",
    ]
    return "\n".join(lines)
