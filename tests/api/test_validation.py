"""Each validation rule: 422 problem details naming the field, in Chinese and English;
malformed bodies 400; duplicates 409."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from stdnum.cn import ric, uscc

from gigstation.platform import clock
from gigstation.platform.clock import now
from gigstation.sim.demo import demo_resident_id
from tests.api.conftest import API, Api, bearer
from tests.dates import years_before

HAN = re.compile(r"[\u4e00-\u9fff]")


def problem(r: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    """Assert a problem-details answer; return the error about ``field`` (or the body)."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["title"] and body["detail"]
    if field is None:
        return dict(body)
    named = [e for e in body["errors"] if e["field"] == field]
    assert named, f"no error names {field!r}: {body['errors']}"
    error = dict(named[0])
    assert HAN.search(error["reason"]), error
    assert error["reason_en"] and not HAN.search(error["reason_en"]), error
    return error


def years_ago(years: int, days: int = 0) -> date:
    today = clock.today("Asia/Shanghai")  # the service's day, not the machine's
    return years_before(today, years) - timedelta(days=days)


@pytest.fixture(params=["today", "2028-02-29", "2027-03-01", "2028-03-01"])
def service_day(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> date:
    """The service's day: the real one, or a frozen 29 February and the days around it."""
    if request.param != "today":
        frozen = date.fromisoformat(request.param)
        monkeypatch.setattr(clock, "today", lambda zone: frozen)
    return clock.today("Asia/Shanghai")


def permit_number(prefix: str, birth: date, seq: int) -> str:
    body = f"{prefix}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def credit_code(first17: str) -> str:
    assert len(first17) == 17
    return first17 + uscc.calc_check_digit(first17)


# --- workers -------------------------------------------------------------------------


async def test_id_check_digit(api: Api) -> None:
    good = demo_resident_id(date(1980, 1, 2), 11)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    r = await api.client.post(f"{API}/workers", json=api.worker_body(id_number=bad))
    error = problem(r, 422, "id_number")
    assert error["reason"] == "校验位错误" and error["reason_en"] == "the check digit is wrong"
    assert bad not in r.text


async def test_under_16_is_refused_on_the_day(api: Api, service_day: date) -> None:
    day_before_16th_birthday = years_ago(16, days=-1)
    r = await api.client.post(f"{API}/workers",
                              json=api.worker_body(id_number=demo_resident_id(day_before_16th_birthday, 3)))
    error = problem(r, 422, "id_number")
    assert "16" in error["reason"] and "16" in error["reason_en"]
    on_birthday = await api.client.post(f"{API}/workers",
                                        json=api.worker_body(id_number=demo_resident_id(years_ago(16), 4)))
    assert on_birthday.status_code == 201, on_birthday.text
    assert on_birthday.json()["worker"]["minor"] is True


async def test_minor_until_the_18th_birthday_exactly(api: Api, service_day: date) -> None:
    # Only the birth year is stored (people/identity.AgeFacts), but the rule is decided on the
    # exact day at registration (and by the daily refresh later): a minor until the birthday,
    # never a day less, and an adult from it.
    turns_18_tomorrow = demo_resident_id(years_ago(18, days=-1), 5)
    turned_18_today = demo_resident_id(years_ago(18), 6)
    turned_18_a_month_ago = demo_resident_id(years_ago(18, days=31), 7)
    minor = []
    for number in (turns_18_tomorrow, turned_18_today, turned_18_a_month_ago):
        r = await api.client.post(f"{API}/workers", json=api.worker_body(id_number=number))
        assert r.status_code == 201, r.text
        minor.append(r.json()["worker"]["minor"])
    assert minor == [True, False, False]


async def test_qingpu_county_code_for_someone_born_1975_is_accepted(api: Api) -> None:
    number = demo_resident_id(date(1975, 3, 1), 9, area="310229")
    r = await api.client.post(f"{API}/workers", json=api.worker_body(id_number=number))
    assert r.status_code == 201, r.text


async def test_residence_permit_prefixes_accepted(api: Api) -> None:
    for prefix in ["810000", "820000", "830000"]:
        number = permit_number(prefix, date(1990, 6, 1), 12)
        r = await api.client.post(f"{API}/workers",
                                  json=api.worker_body(id_type="hk_mo_tw_residence_permit", id_number=number))
        assert r.status_code == 201, (prefix, r.text)
        assert r.json()["worker"]["id_type"] == "hk_mo_tw_residence_permit"


async def test_residence_permit_with_a_mainland_prefix_is_refused(api: Api) -> None:
    number = permit_number("310118", date(1990, 6, 1), 12)
    r = await api.client.post(f"{API}/workers",
                              json=api.worker_body(id_type="hk_mo_tw_residence_permit", id_number=number))
    error = problem(r, 422, "id_number")
    assert "810000" in error["reason"] and "810000" in error["reason_en"]


async def test_residence_permit_number_given_as_resident_id_is_refused(api: Api) -> None:
    number = permit_number("810000", date(1990, 6, 1), 12)
    r = await api.client.post(f"{API}/workers", json=api.worker_body(id_type="resident_id", id_number=number))
    error = problem(r, 422, "id_number")
    assert "居住证" in error["reason"]


async def test_unknown_skill_is_refused(api: Api) -> None:
    r = await api.client.post(f"{API}/workers", json=api.worker_body(skills=["moving", "juggling"]))
    error = problem(r, 422, "skills[1]")
    assert "juggling" in error["reason_en"]


async def test_patch_with_unknown_skill_is_refused(api: Api) -> None:
    _, token = await api.worker()
    r = await api.client.patch(f"{API}/workers/me", headers=bearer(token), json={"skills": ["juggling"]})
    problem(r, 422, "skills[0]")


async def test_bad_phone_is_refused(api: Api) -> None:
    r = await api.client.post(f"{API}/workers", json=api.worker_body(phone="12345"))
    assert r.status_code in (400, 422)
    assert any(e["field"] == "phone" for e in r.json()["errors"]), r.text


# --- employers -----------------------------------------------------------------------


async def test_credit_code_check_digit(api: Api) -> None:
    good = credit_code("91310118MA1G00042")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    r = await api.client.post(f"{API}/employers", json=api.employer_body(credit_code=bad))
    error = problem(r, 422, "credit_code")
    assert error["reason_en"] == "the check digit is wrong"


async def test_letter_led_credit_codes_are_accepted(api: Api) -> None:
    for first17 in [
        "N2310118MA1G00042",  # rural collective economic organisation
        "Y1310118MA1G00042",  # registered by other authorities
        "53310000MJ0000001",  # a social organisation (civil affairs)
    ]:
        code = credit_code(first17)
        r = await api.client.post(f"{API}/employers", json=api.employer_body(credit_code=code))
        assert r.status_code == 201, (code, r.text)
        assert r.json()["employer"]["credit_code"] == code


async def test_commitment_must_be_accepted(api: Api, db: asyncpg.Connection[Any]) -> None:
    r = await api.client.post(f"{API}/employers", json=api.employer_body(commitment=False))
    error = problem(r, 422, "commitment")
    assert "承诺" in error["reason"]
    assert await db.fetchval("SELECT count(*) FROM users WHERE role = 'employer'") == 0


async def test_individual_employer_needs_an_id_number(api: Api) -> None:
    body = api.employer_body(kind="individual")
    del body["credit_code"]
    problem(await api.client.post(f"{API}/employers", json=body), 422, "id_number")


async def test_minor_cannot_be_an_employer(api: Api) -> None:
    body = api.employer_body(kind="individual", id_number=demo_resident_id(years_ago(17), 8))
    del body["credit_code"]
    problem(await api.client.post(f"{API}/employers", json=body), 422, "id_number")


# --- orders --------------------------------------------------------------------------


@pytest.fixture
async def employer(api: Api) -> str:
    admin = await api.admin()
    await api.station(admin)
    return (await api.employer())[1]


def _times(start_in: timedelta, length: timedelta) -> dict[str, str]:
    start = (now() + start_in).replace(microsecond=0)
    return {"starts_at": start.isoformat(), "ends_at": (start + length).isoformat()}


ORDER_RULES: list[tuple[dict[str, Any], str, str]] = [
    ({"headcount": 0}, "headcount", ">= 1"),
    ({"headcount": 201}, "headcount", "<= 200"),
    (_times(timedelta(hours=3), timedelta(hours=-1)), "ends_at", "after starts_at"),
    (_times(timedelta(hours=3), timedelta(hours=12, minutes=1)), "ends_at", "12 hours"),
    (_times(timedelta(hours=37), timedelta(hours=2)), "starts_at", "36 hours"),
    (_times(timedelta(hours=-1), timedelta(hours=4)), "starts_at", "past"),
    ({"skill": "juggling"}, "skill", "unknown skill"),
    ({"pay_cents": 2499}, "pay_cents", "25.00"),
    ({"pay_unit": "day", "pay_cents": 9999, **_times(timedelta(hours=2), timedelta(hours=4))},
     "pay_cents", "25.00"),
]


async def test_order_rules(api: Api, employer: str, db: asyncpg.Connection[Any]) -> None:
    """Each rule in turn (one test, one employer: the setup is the slow part)."""
    for over, field, fragment_en in ORDER_RULES:
        r = await api.client.post(f"{API}/orders", headers=bearer(employer), json=api.order_body(**over))
        error = problem(r, 422, field)
        assert fragment_en in error["reason_en"], (over, error)
    assert await db.fetchval("SELECT count(*) FROM orders") == 0


async def test_minimum_wage_message_names_the_minimum(api: Api, employer: str) -> None:
    r = await api.client.post(f"{API}/orders", headers=bearer(employer), json=api.order_body(pay_cents=2400))
    error = problem(r, 422, "pay_cents")
    assert "25.00" in error["reason"] and "25.00" in r.json()["detail"]
    assert "2025-07-01" in error["reason_en"]


async def test_pay_at_the_minimum_is_accepted(api: Api, employer: str) -> None:
    hourly = await api.client.post(f"{API}/orders", headers=bearer(employer), json=api.order_body(pay_cents=2500))
    assert hourly.status_code == 201, hourly.text
    # 10,000 fen for 4 hours is exactly 25.00 per hour.
    daily = await api.client.post(f"{API}/orders", headers=bearer(employer), json=api.order_body(
        pay_unit="day", pay_cents=10_000, **_times(timedelta(hours=2), timedelta(hours=4))))
    assert daily.status_code == 201, daily.text
    piece = await api.client.post(f"{API}/orders", headers=bearer(employer),
                                  json=api.order_body(pay_unit="piece", pay_cents=100, pieces_per_hour=25))
    assert piece.status_code == 201, piece.text  # 1.00 a piece x 25 an hour is 25.00 an hour


async def test_order_limits_at_their_edges_are_accepted(api: Api, employer: str) -> None:
    edges = [{"headcount": 1}, {"headcount": 200},
             _times(timedelta(hours=35, minutes=50), timedelta(hours=8)),  # the day's cap
             _times(timedelta(minutes=-5), timedelta(hours=2))]
    for over in edges:
        r = await api.client.post(f"{API}/orders", headers=bearer(employer), json=api.order_body(**over))
        assert r.status_code == 201, (over, r.text)


async def test_naive_time_is_refused(api: Api, employer: str) -> None:
    start = (now() + timedelta(hours=2)).replace(tzinfo=None, microsecond=0)
    r = await api.client.post(f"{API}/orders", headers=bearer(employer), json=api.order_body(
        starts_at=start.isoformat(), ends_at=(start + timedelta(hours=2)).isoformat()))
    assert r.status_code in (400, 422)
    assert any(e["field"] == "starts_at" for e in r.json()["errors"]), r.text


# --- check-ins -----------------------------------------------------------------------


async def test_check_in_outside_the_radius_says_how_far(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    station = await api.station(admin, radius=500)
    _, token = await api.worker()
    # 0.01 degree of latitude is about 1,112 m.
    r = await api.client.post(f"{API}/checkins", headers=bearer(token), json={
        "station_id": station["id"], "lat": 31.161, "lon": 121.117,
        "available_until": (now() + timedelta(hours=3)).isoformat()})
    error = problem(r, 422, "lat")
    metres = int(re.search(r"(\d+) m from", error["reason_en"]).group(1))  # type: ignore[union-attr]
    assert 1100 <= metres <= 1125
    assert str(metres) in error["reason"] and "500" in error["reason"]
    assert await db.fetchval("SELECT count(*) FROM checkins") == 0


async def test_self_check_in_needs_a_location(api: Api) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    _, token = await api.worker()
    r = await api.client.post(f"{API}/checkins", headers=bearer(token), json={
        "station_id": station["id"], "available_until": (now() + timedelta(hours=3)).isoformat()})
    problem(r, 422, "lat")


async def test_available_until_bounds(api: Api) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    _, token = await api.worker()
    for until, fragment_en in [(timedelta(minutes=-1), "future"), (timedelta(hours=25), "24 hours")]:
        r = await api.client.post(f"{API}/checkins", headers=bearer(token), json={
            "station_id": station["id"], "lat": 31.151, "lon": 121.117,
            "available_until": (now() + until).isoformat()})
        assert fragment_en in problem(r, 422, "available_until")["reason_en"]


async def test_one_open_check_in_per_worker(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    other = await api.station(admin, lat=31.152, lon=121.118)
    _, operator = await api.operator(admin, [other["id"]])
    worker, token = await api.worker()
    first = await api.checkin(token, station["id"])
    again = await api.client.post(f"{API}/checkins", headers=bearer(token), json={
        "station_id": station["id"], "lat": 31.151, "lon": 121.117,
        "available_until": (now() + timedelta(hours=3)).isoformat()})
    problem(again, 409, "worker_id")
    by_operator = await api.client.post(f"{API}/checkins", headers=bearer(operator), json={
        "station_id": other["id"], "worker_id": worker["id"],
        "available_until": (now() + timedelta(hours=3)).isoformat()})
    problem(by_operator, 409, "worker_id")
    assert await db.fetchval("SELECT count(*) FROM checkins") == 1
    await api.client.post(f"{API}/checkins/{first['id']}/checkout", headers=bearer(token))
    second = await api.checkin(token, station["id"])
    assert second["id"] != first["id"] and second["status"] == "waiting"


# --- malformed bodies: 400 -----------------------------------------------------------


MALFORMED = [
    (b'{"name": "x",', "truncated"),
    (b"not json at all", "malformed"),
    (b"\xff\xfe\x00", "malformed"),
    (b"[1, 2, 3]", "object"),
    (b'"just a string"', "object"),
    (b"", "empty"),
]


async def test_malformed_json_is_400(api: Api, db: asyncpg.Connection[Any]) -> None:
    for content, fragment in MALFORMED:
        r = await api.client.post(f"{API}/workers", content=content,
                                  headers={"content-type": "application/json"})
        body = problem(r, 400)
        assert fragment in body["detail_en"].lower(), (content, body)
    assert await db.fetchval("SELECT count(*) FROM users WHERE role = 'worker'") == 0


WRONG_TYPES: list[tuple[dict[str, Any], str]] = [
    ({"headcount": "three"}, "headcount"),
    ({"pay_cents": 30.5}, "pay_cents"),
    ({"lat": "north"}, "lat"),
    ({"starts_at": {"at": "noon"}}, "starts_at"),
    ({"title": ["a"]}, "title"),
    ({"surprise": 1}, "surprise"),
]


async def test_wrong_types_and_unknown_fields_are_400(api: Api, employer: str) -> None:
    for over, field in WRONG_TYPES:
        r = await api.client.post(f"{API}/orders", headers=bearer(employer), json=api.order_body(**over))
        body = problem(r, 400)
        assert [e["field"] for e in body["errors"]] == [field], (over, body)


async def test_missing_field_is_400_naming_it(api: Api) -> None:
    body = api.worker_body()
    del body["id_number"]
    r = await api.client.post(f"{API}/workers", json=body)
    assert [e["field"] for e in problem(r, 400)["errors"]] == ["id_number"]


# --- duplicates: 409 -----------------------------------------------------------------


async def test_duplicate_phone_is_409_across_roles(api: Api, db: asyncpg.Connection[Any]) -> None:
    worker, _ = await api.worker()
    again = await api.client.post(f"{API}/workers", json=api.worker_body(phone=worker["phone"]))
    assert problem(again, 409, "phone")["reason_en"] == "this phone number is already registered"
    as_employer = await api.client.post(f"{API}/employers", json=api.employer_body(phone=worker["phone"]))
    problem(as_employer, 409, "phone")
    assert await db.fetchval("SELECT count(*) FROM users WHERE phone = $1", worker["phone"]) == 1
    assert await db.fetchval("SELECT count(*) FROM employers") == 0


async def test_duplicate_identity_number_is_409(api: Api, db: asyncpg.Connection[Any]) -> None:
    body = api.worker_body()
    assert (await api.client.post(f"{API}/workers", json=body)).status_code == 201
    r = await api.client.post(f"{API}/workers", json=api.worker_body(id_number=body["id_number"]))
    problem(r, 409, "id_number")
    assert await db.fetchval("SELECT count(*) FROM workers") == 1
    assert await db.fetchval("SELECT count(*) FROM users WHERE role = 'worker'") == 1


async def test_duplicate_credit_code_is_409(api: Api, db: asyncpg.Connection[Any]) -> None:
    body = api.employer_body()
    assert (await api.client.post(f"{API}/employers", json=body)).status_code == 201
    r = await api.client.post(f"{API}/employers", json=api.employer_body(credit_code=body["credit_code"]))
    problem(r, 409, "credit_code")
    assert await db.fetchval("SELECT count(*) FROM users WHERE role = 'employer'") == 1


async def test_duplicate_individual_employer_id_is_409(api: Api) -> None:
    number = demo_resident_id(date(1970, 1, 1), 99)
    for expected in (201, 409):
        body = api.employer_body(kind="individual", id_number=number)
        del body["credit_code"]
        r = await api.client.post(f"{API}/employers", json=body)
        assert r.status_code == expected, r.text
    problem(r, 409, "id_number")
