"""The job agreement of an accepted offer, stored when it is made and never rewritten.

Each assignment is a part-time job agreement (Labour Contract Law art. 69 allows it to be
oral; a written one settles disputes). At acceptance (``store_agreement``, called by
``work.offers.accept_offer`` in its transaction) the full text is rendered from the facts as
they are at that moment: the parties' names and masked document numbers as then registered,
whether the worker is a minor, the job, place, times and pay, the minimum wage in force on the
job's date (with its source) and the rules for hours. The text, its structured terms and the
SHA-256 of the text are stored in ``agreements``; PostgreSQL refuses to change or delete a
stored version (migration 0012), and checks that the hash is the text's.

Every later read shows the stored text and its hash, whatever happened to the accounts, the
wage table or the order since. A correction (an operator or an administrator, with a reason)
is a new version rendered from the previous terms with the corrected facts; both parties are
told and see every version. What happened after the agreement (hours recorded, pay) is shown
beside it from the ledgers (``work.timesheet``, ``work.pay``), never written into it.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg
import msgspec

from gigstation.platform import audit, events, reference
from gigstation.platform.auth import Principal
from gigstation.platform.errors import Forbidden, Invalid, NotFound
from gigstation.platform.types import NO_NUL
from gigstation.stations.wage_rules import minimum_in_force
from gigstation.work.assignments import (
    Assignment,
    HoursEvent,
    PaymentEntry,
    fetch_assignment,
    visible_assignment,
)
from gigstation.work.hours import DEFAULT_RULES, HoursRules
from gigstation.work.minors import is_minor_on

__all__ = [
    "RULES",
    "AgreementCorrection",
    "AgreementTerms",
    "AgreementVersion",
    "JobAgreement",
    "MinimumInForce",
    "Party",
    "agreement",
    "agreement_text",
    "correct_agreement",
    "pay_due",
    "store_agreement",
]


class Party(msgspec.Struct, frozen=True):
    id: UUID
    name: str
    id_masked: str | None
    verified: bool | None = None
    credit_code: str | None = None
    minor: bool | None = None
    """The worker only: 16 or 17 years old on the job's date (Labour Law art. 58, 64)."""


class MinimumInForce(msgspec.Struct, frozen=True):
    region: str
    hourly_fen: int
    effective_from: date
    source: str = ""


class AgreementTerms(msgspec.Struct, frozen=True):
    """What was agreed, as stored with the text (``agreements.terms``)."""

    agreement_no: str
    made_at: datetime
    zone: str
    worker: Party
    employer: Party
    station_id: UUID | None
    station_name: str | None
    title: str
    skill: str
    skill_zh: str
    description: str
    address: str
    lat: float
    lon: float
    starts_at: datetime
    ends_at: datetime
    planned_hours: float
    pay_cents: int
    pay_unit: str
    planned_pay_cents: int | None
    minimum: MinimumInForce | None
    hours_rules: HoursRules
    rules: list[str]
    pieces_per_hour: int | None = None
    """A piece rate's pieces an hour as the employer stated them when posting."""


class AgreementVersion(msgspec.Struct, frozen=True):
    version: int
    created_at: datetime
    created_by: UUID | None
    reason: str
    sha256: str
    reconstructed: bool = False


class JobAgreement(msgspec.Struct, frozen=True):
    """One stored version of the agreement, with what has happened since beside it."""

    assignment_id: UUID
    agreement_no: str
    version: int
    text: str
    """The stored text, exactly as made (the printable page shows it verbatim)."""
    sha256: str
    """SHA-256 of ``text`` (UTF-8), hexadecimal."""
    versions: list[AgreementVersion]
    reconstructed: bool
    """Stored at the first read after the upgrade, for work accepted before agreements were
    stored (the text says so)."""
    made_at: datetime
    worker: Party
    employer: Party
    station_id: UUID | None
    station_name: str | None
    title: str
    skill: str
    skill_zh: str
    description: str
    address: str
    lat: float
    lon: float
    starts_at: datetime
    ends_at: datetime
    pay_cents: int
    pay_unit: str
    minimum_hourly_fen: int | None
    minimum: MinimumInForce | None
    hours_rules: HoursRules
    rules: list[str]
    # Not part of the agreement: the record since, from the ledgers.
    settlement_days: int
    status: str
    arrived_at: datetime | None
    departed_at: datetime | None
    hours_state: str
    hours_of_record: float
    """Confirmed (or decided) hours, else the planned hours (``work.timesheet``)."""
    pay_due_cents: int | None
    """Hourly pay x hours of record; the day rate; none for piece rates."""
    paid_cents: int | None
    hours_events: list[HoursEvent] = []
    """The hours ledger (work.timesheet), oldest first."""
    payments: list[PaymentEntry] = []
    """The pay ledger (work.pay), oldest first."""
    worker_minor: bool = False
    """The worker was aged 16-17 on the job's date (work.minors), as stored: the employer is told."""
    pieces_per_hour: int | None = None
    """A piece rate's pieces an hour as the employer stated them when posting (stored)."""


class AgreementCorrection(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500, pattern=NO_NUL)]
    address: Annotated[str, msgspec.Meta(min_length=1, max_length=300, pattern=NO_NUL)] | None = None
    description: Annotated[str, msgspec.Meta(max_length=2000, pattern=NO_NUL)] | None = None
    refresh_names: bool = False
    """Take the parties' names and masked numbers as registered now (a misspelt name fixed)."""


RULES = [
    "非全日制用工：同一用人单位平均每日不超过4小时、每周累计不超过24小时（《劳动合同法》第六十八条）。"
    " Part-time work: on average at most 4 hours a day and 24 hours a week with one employer "
    "(Labour Contract Law art. 68).",
    "可以订立口头协议；本协议为书面记录（第六十九条）。 An oral agreement is allowed; this is the "
    "written record (art. 69).",
    "不得约定试用期（第七十条）。 No probation period (art. 70).",
    "任何一方可随时通知对方终止用工，不支付经济补偿（第七十一条）。 Either side may end the work at "
    "any time without severance (art. 71).",
    "小时工资不得低于当地最低小时工资标准；劳动报酬结算支付周期最长不超过15日（第七十二条）。 Hourly "
    "pay not below the local hourly minimum; pay settled at least every 15 days (art. 72).",
    "拖欠工资可向驿站投诉；严重拖欠的用工主体列入失信名单（《保障农民工工资支付条例》）。 Unpaid "
    "wages may be reported to the station; employers seriously in arrears are blacklisted "
    "(Regulations on Guaranteeing Payment of Wages to Migrant Workers).",
]
MINOR_RULE = (
    "劳动者为未成年工（16–17岁）：不得安排夜班（22:00–06:00）和禁忌从事的劳动（《劳动法》第五十八、六十四条，"
    "《未成年工特殊保护规定》）。 The worker is aged 16-17: no night work (22:00-06:00) and no work "
    "forbidden to minors (Labour Law arts. 58, 64; 未成年工特殊保护规定).")
_UNITS = {"hour": ("小时", "hour"), "day": ("天", "day"), "piece": ("件", "piece")}


def pay_due(pay_cents: int, pay_unit: str, hours: float) -> int | None:
    """What the agreement says is owed for ``hours`` of work (fen, rounded half up)."""
    if pay_unit == "hour":
        return int(pay_cents * hours + 0.5)
    if pay_unit == "day":
        return pay_cents
    return None


def _yuan(fen: int) -> str:
    return f"{fen / 100:.2f}"


def agreement_text(terms: AgreementTerms, version: int, reason: str = "",
                   reconstructed: bool = False) -> str:
    """The agreement's full text (the same terms always give the same text)."""
    tz = ZoneInfo(terms.zone)

    def at(t: datetime) -> str:
        return t.astimezone(tz).strftime("%Y-%m-%d %H:%M")

    r = terms.hours_rules
    w, e = terms.worker, terms.employer
    unit_zh, unit_en = _UNITS.get(terms.pay_unit, (terms.pay_unit, terms.pay_unit))
    lines = [
        "非全日制用工协议 / Part-time job agreement",
        f"协议编号 No.: {terms.agreement_no}    版本 Version: {version}",
        f"订立时间 Made at: {at(terms.made_at)} ({terms.zone})",
    ]
    if version > 1:
        lines.append(f"更正说明 Correction: {reason}")
    if reconstructed:
        lines.append("补存说明：本工作在系统保存协议原文之前接受，本文按补存时的记录生成。"
                     " Stored later: this work was accepted before agreements were stored; the "
                     "text was made from the records at the time of storing.")
    minor = "；未成年工（16-17周岁）minor aged 16-17" if w.minor else ""
    lines += [
        "",
        "一、双方 Parties",
        f"劳动者 Worker: {w.name}（证件 ID {w.id_masked or '—'}{minor}）",
        f"用工主体 Employer: {e.name}（"
        + (f"统一社会信用代码 credit code {e.credit_code}" if e.credit_code else f"证件 ID {e.id_masked or '—'}")
        + ("；已认证 verified" if e.verified else "") + "）",
    ]
    if terms.station_name:
        lines.append(f"服务驿站 Station: {terms.station_name}")
    lines += [
        "",
        "二、工作 Work",
        f"工作 Job: {terms.title}（{terms.skill_zh} {terms.skill}）",
    ]
    if terms.description:
        lines.append(f"工作内容 Description: {terms.description}")
    lines += [
        f"工作地点 Place: {terms.address}（{terms.lat:.6f}, {terms.lon:.6f}）",
        f"工作时间 Time: {at(terms.starts_at)} – {at(terms.ends_at)}（{terms.planned_hours:g} 小时 hours）",
        "",
        "三、报酬 Pay",
        f"工资 Pay: {_yuan(terms.pay_cents)} 元/{unit_zh} CNY per {unit_en}",
    ]
    if terms.pay_unit == "piece" and terms.pieces_per_hour:
        hourly = terms.pay_cents * terms.pieces_per_hour
        lines.append(f"预计每小时完成 Expected pieces an hour: {terms.pieces_per_hour} 件，折合时薪 "
                     f"{_yuan(hourly)} 元 (CNY {_yuan(hourly)} an hour)")
    if terms.planned_pay_cents is not None:
        lines.append(f"按约定工时应得 Due for the planned hours: {_yuan(terms.planned_pay_cents)} 元 CNY")
    if terms.minimum is not None:
        m = terms.minimum
        lines.append(f"当地最低小时工资 Local hourly minimum: {_yuan(m.hourly_fen)} 元 CNY（{m.region}，"
                     f"{m.effective_from.isoformat()} 起 in force from"
                     + (f"；依据 source: {m.source}" if m.source else "") + "）")
    else:
        lines.append("当地最低小时工资 Local hourly minimum: 未登记 not on record")
    lines += [
        "",
        "四、工时记录 Hours of record",
        f"1. 到岗：开工前{r.arrival_margin_min}分钟内起，由用工主体扫描劳动者本次到岗码登记；离岗：到岗"
        f"{r.min_work_min}分钟后起，扫描劳动者的离岗码登记。 Arrival is recorded by the employer scanning "
        f"the worker's arrival code, from {r.arrival_margin_min} minutes before the start; departure "
        f"by the departure code, from {r.min_work_min} minutes after the arrival.",
        f"2. 登记的工时经劳动者确认，或离岗登记后{r.confirm_window_h}小时内劳动者未提出异议，即为计酬"
        f"工时；此前及未登记时，按约定工时计酬。 Recorded hours are the hours paid for once the worker "
        f"confirms them, or {r.confirm_window_h} hours after the departure was recorded unless the "
        "worker contested them; until then, and if nothing was recorded, the planned hours are paid.",
        f"3. 与同一用工主体：每周不超过{r.weekly_limit_h:g}小时，任意连续24小时内不超过{r.day_cap_h:g}小时"
        f"（按约定与登记工时中较长者计）。 With one employer: at most {r.weekly_limit_h:g} hours a week "
        f"and {r.day_cap_h:g} hours in any 24 hours (the longer of planned and recorded hours counts).",
        "",
        "五、适用规则 Rules that apply",
        *[f"{i}. {rule}" for i, rule in enumerate(terms.rules, 1)],
    ]
    return "\n".join(lines) + "\n"


def _sha256(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


# The facts as registered now (at acceptance, or for a correction that refreshes names).
_FACTS = """
SELECT a.created_at, a.starts_at, a.ends_at, o.title, o.skill, o.description, o.address, o.lat,
       o.lon, o.pay_cents, o.pay_unit, o.pieces_per_hour, o.station_id, st.name AS station_name, st.region,
       a.worker_id, wu.name AS worker_name, w.id_masked AS worker_id_masked, w.adult_from,
       o.employer_id, eu.name AS employer_name, e.id_masked AS employer_id_masked, e.credit_code,
       e.verified_at IS NOT NULL AS verified
FROM assignments a JOIN orders o ON o.id = a.order_id
JOIN workers w ON w.user_id = a.worker_id JOIN users wu ON wu.id = a.worker_id
JOIN employers e ON e.user_id = o.employer_id JOIN users eu ON eu.id = o.employer_id
LEFT JOIN stations st ON st.id = o.station_id
WHERE a.id = $1
"""
_INSERT = """
INSERT INTO agreements (assignment_id, version, body, terms, sha256, reason, reconstructed, created_by)
VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8)
ON CONFLICT (assignment_id, version) DO NOTHING
RETURNING id
"""


def _parties(d: asyncpg.Record, on: date) -> tuple[Party, Party]:
    minor = is_minor_on(d["adult_from"], on)
    worker = Party(d["worker_id"], d["worker_name"], d["worker_id_masked"], minor=minor)
    employer = Party(d["employer_id"], d["employer_name"], d["employer_id_masked"], d["verified"],
                     d["credit_code"])
    return worker, employer


async def _terms_now(
    conn: asyncpg.Connection[Any], assignment_id: UUID, rules: HoursRules, zone: str
) -> AgreementTerms:
    d = await conn.fetchrow(_FACTS, assignment_id)
    if d is None:
        raise NotFound("工作记录不存在", "no such assignment")
    on = d["starts_at"].astimezone(ZoneInfo(zone)).date()
    minimum = await minimum_in_force(conn, d["region"] or "Shanghai", on)
    ref = reference.skill(d["skill"])
    hours = round((d["ends_at"] - d["starts_at"]).total_seconds() / 3600, 2)
    worker, employer = _parties(d, on)
    return AgreementTerms(
        agreement_no=f"GS-{assignment_id.hex[:12].upper()}", made_at=d["created_at"], zone=zone,
        worker=worker, employer=employer, station_id=d["station_id"], station_name=d["station_name"],
        title=d["title"], skill=d["skill"], skill_zh=ref.zh if ref else d["skill"],
        description=d["description"], address=d["address"], lat=d["lat"], lon=d["lon"],
        starts_at=d["starts_at"], ends_at=d["ends_at"], planned_hours=hours,
        pay_cents=d["pay_cents"], pay_unit=d["pay_unit"],
        planned_pay_cents=pay_due(d["pay_cents"], d["pay_unit"], hours),
        minimum=None if minimum is None else MinimumInForce(minimum.region, minimum.hourly_fen,
                                                            minimum.effective_from, minimum.source),
        hours_rules=rules, rules=[*RULES, MINOR_RULE] if worker.minor else RULES,
        pieces_per_hour=d["pieces_per_hour"])


async def _insert(
    conn: asyncpg.Connection[Any], assignment_id: UUID, version: int, terms: AgreementTerms,
    reason: str, reconstructed: bool, actor: UUID | None,
) -> bool:
    text = agreement_text(terms, version, reason, reconstructed)
    row_id = await conn.fetchval(_INSERT, assignment_id, version, text, msgspec.to_builtins(terms),
                                 _sha256(text), reason, reconstructed, actor)
    return row_id is not None


async def store_agreement(
    conn: asyncpg.Connection[Any], assignment_id: UUID, rules: HoursRules = DEFAULT_RULES,
    zone: str = "Asia/Shanghai", actor: UUID | None = None,
) -> None:
    """Store version 1 as the facts are now (the accept's transaction calls this)."""
    terms = await _terms_now(conn, assignment_id, rules, zone)
    await _insert(conn, assignment_id, 1, terms, "", False, actor)


_VERSIONS = """
SELECT version, created_at, created_by, reason, encode(sha256, 'hex') AS sha256, reconstructed
FROM agreements WHERE assignment_id = $1 ORDER BY version
"""
_ONE = """
SELECT version, body, terms::text AS terms, encode(sha256, 'hex') AS sha256, reconstructed
FROM agreements WHERE assignment_id = $1 AND version = $2
"""


async def _versions(conn: asyncpg.Connection[Any], assignment_id: UUID) -> list[AgreementVersion]:
    return [msgspec.convert(dict(r), AgreementVersion) for r in await conn.fetch(_VERSIONS, assignment_id)]


async def agreement(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID, zone: str,
    settlement_days: int, version: int | None = None, rules: HoursRules = DEFAULT_RULES,
) -> JobAgreement:
    """A stored version of the agreement (the latest by default) that both sides and the
    station can read, with the hours and pay recorded since."""
    a = await visible_assignment(conn, who, assignment_id)
    if who.role not in ("worker", "employer", "operator", "admin"):
        raise Forbidden("无权查看", "not allowed")
    versions = await _versions(conn, assignment_id)
    if not versions:
        # Work accepted before agreements were stored: store what the records say now, once.
        await _insert(conn, assignment_id, 1, await _terms_now(conn, assignment_id, rules, zone), "",
                      True, None)
        versions = await _versions(conn, assignment_id)
    wanted = versions[-1].version if version is None else version
    row = await conn.fetchrow(_ONE, assignment_id, wanted)
    if row is None:
        raise NotFound("没有这个版本的协议", "no such version of the agreement")
    return _job_agreement(a, row, versions, settlement_days)


def _job_agreement(
    a: Assignment, row: asyncpg.Record, versions: list[AgreementVersion], settlement_days: int
) -> JobAgreement:
    t = msgspec.json.decode(row["terms"], type=AgreementTerms)
    return JobAgreement(
        assignment_id=a.id, agreement_no=t.agreement_no, version=row["version"], text=row["body"],
        sha256=row["sha256"], versions=versions, reconstructed=row["reconstructed"],
        made_at=t.made_at, worker=t.worker, employer=t.employer, station_id=t.station_id,
        station_name=t.station_name, title=t.title, skill=t.skill, skill_zh=t.skill_zh,
        description=t.description, address=t.address, lat=t.lat, lon=t.lon,
        starts_at=t.starts_at, ends_at=t.ends_at, pay_cents=t.pay_cents, pay_unit=t.pay_unit,
        minimum_hourly_fen=t.minimum.hourly_fen if t.minimum else None, minimum=t.minimum,
        hours_rules=t.hours_rules, rules=t.rules, settlement_days=settlement_days,
        status=a.status, arrived_at=a.arrived_at, departed_at=a.departed_at,
        hours_state=a.hours_state, hours_of_record=a.hours_of_record,
        pay_due_cents=pay_due(t.pay_cents, t.pay_unit, a.hours_of_record), paid_cents=a.paid_cents,
        hours_events=a.hours_events, payments=a.payments, worker_minor=bool(t.worker.minor),
        pieces_per_hour=t.pieces_per_hour)


_LOCK = "SELECT 1 FROM assignments WHERE id = $1 FOR UPDATE"
_LATEST = """
SELECT version, terms::text AS terms FROM agreements WHERE assignment_id = $1
ORDER BY version DESC LIMIT 1
"""


async def correct_agreement(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID, data: AgreementCorrection,
    zone: str, settlement_days: int, rules: HoursRules = DEFAULT_RULES,
) -> JobAgreement:
    """A corrected version (operators of the job's station, administrators): the previous
    version stays, both parties are told and see both."""
    a = await visible_assignment(conn, who, assignment_id)
    if who.role not in ("operator", "admin"):
        raise Forbidden("只有驿站专员或管理员可以更正协议", "only operators and administrators correct an agreement")
    await conn.execute(_LOCK, assignment_id)
    await agreement(conn, who, assignment_id, zone, settlement_days, rules=rules)  # version 1 exists
    latest = await conn.fetchrow(_LATEST, assignment_id)
    assert latest is not None
    before = msgspec.json.decode(latest["terms"], type=AgreementTerms)
    after = before
    if data.address is not None:
        after = msgspec.structs.replace(after, address=data.address)
    if data.description is not None:
        after = msgspec.structs.replace(after, description=data.description)
    if data.refresh_names:
        d = await conn.fetchrow(_FACTS, assignment_id)
        assert d is not None
        worker, employer = _parties(d, before.starts_at.astimezone(ZoneInfo(before.zone)).date())
        after = msgspec.structs.replace(after, worker=worker, employer=employer)
    if after == before:
        raise Invalid.of_field("reason", "更正内容与现有协议相同", "the correction changes nothing")
    version = latest["version"] + 1
    await _insert(conn, assignment_id, version, after, data.reason, False, who.user_id)
    a = await fetch_assignment(conn, assignment_id)
    body = {"assignment_id": a.id, "version": version, "reason": data.reason}
    await events.emit_many(conn, [(a.worker_id, None, "agreement.corrected", body),
                                  (a.employer_id, None, "agreement.corrected", body)])
    await audit.record(conn, who.user_id, "agreement.correct", "assignment", assignment_id,
                       {"version": version, "reason": data.reason})
    return await agreement(conn, who, assignment_id, zone, settlement_days, rules=rules)
