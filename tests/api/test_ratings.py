"""Ratings after the work and the reliability figure operators see."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from gigstation.work.ratings import reliability_score
from tests.api.conftest import API, Api, bearer
from tests.api.test_assignments import act, audit_count, conflict, shift_into_past, staffed


async def test_both_sides_rate_once(api: Api, db: asyncpg.Connection[Any]) -> None:
    job = await staffed(api, started=db)
    (worker, wt), et = job.workers[0], job.employer_token
    aid = job.assignments[0]["id"]
    conflict(await act(api, wt, aid, "rating", {"stars": 5}), "not_completed")
    await act(api, et, aid, "complete")
    r = await act(api, wt, aid, "rating", {"stars": 4, "comment": "老板很爽快"})
    assert r.status_code == 201, r.text
    rating = r.json()
    assert rating["rater_id"] == worker["id"] and rating["ratee_id"] == job.employer["id"]
    assert (rating["stars"], rating["comment"]) == (4, "老板很爽快")
    r = await act(api, et, aid, "rating", {"stars": 2, "comment": "迟到半小时"})
    assert r.status_code == 201 and r.json()["ratee_id"] == worker["id"]
    # The very same rating again is the first one; a different one is refused.
    same = await act(api, wt, aid, "rating", {"stars": 4, "comment": "老板很爽快"})
    assert same.status_code == 201 and same.json() == rating
    conflict(await act(api, wt, aid, "rating", {"stars": 1}), "already_rated")
    assert await audit_count(db, "assignment.rate", aid) == 2
    told = await db.fetch("SELECT user_id FROM events WHERE kind = 'rating.received'")
    assert sorted(str(r["user_id"]) for r in told) == sorted([job.employer["id"], worker["id"]])


async def test_idempotency_key_replays_the_first_rating(api: Api, db: asyncpg.Connection[Any]) -> None:
    job = await staffed(api, started=db)
    aid = job.assignments[0]["id"]
    await act(api, job.employer_token, aid, "complete")
    headers = bearer(job.employer_token) | {"Idempotency-Key": "rate-1"}
    url = f"{API}/assignments/{aid}/rating"
    first = await api.client.post(url, headers=headers, json={"stars": 5})
    again = await api.client.post(url, headers=headers, json={"stars": 5})
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()
    reused = await api.client.post(url, headers=headers, json={"stars": 3})
    conflict(reused, "idempotency_key_reused")
    assert await db.fetchval("SELECT count(*) FROM ratings") == 1


async def test_no_rating_for_a_no_show(api: Api, db: asyncpg.Connection[Any]) -> None:
    job = await staffed(api)
    aid = job.assignments[0]["id"]
    await shift_into_past(db, job.order["id"], 3)
    assert (await act(api, job.employer_token, aid, "no-show")).status_code == 200
    conflict(await act(api, job.employer_token, aid, "rating", {"stars": 1}), "not_completed")
    conflict(await act(api, job.workers[0][1], aid, "rating", {"stars": 1}), "not_completed")


async def test_reliability_figures(api: Api, db: asyncpg.Connection[Any]) -> None:
    job = await staffed(api, workers=3, started=db)
    et = job.employer_token
    tokens = {w["id"]: t for w, t in job.workers}
    done, paid_less, absent = job.assignments
    for a in (done, paid_less):
        await act(api, et, a["id"], "complete")
    await act(api, et, paid_less["id"], "paid", {"amount_cents": 100})
    await act(api, tokens[paid_less["worker_id"]], paid_less["id"], "dispute", {"reason": "少付"})
    await act(api, et, done["id"], "rating", {"stars": 5})
    await act(api, tokens[done["worker_id"]], done["id"], "rating", {"stars": 2})
    await act(api, tokens[paid_less["worker_id"]], paid_less["id"], "rating", {"stars": 1})
    await shift_into_past(db, job.order["id"], 3)
    await act(api, et, absent["id"], "no-show")

    async def figures(path: str) -> dict[str, Any]:
        r = await api.client.get(f"{API}{path}", headers=bearer(job.operator))
        assert r.status_code == 200, r.text
        return dict(r.json())

    good = await figures(f"/workers/{done['worker_id']}/reliability")
    assert good == {"user_id": done["worker_id"], "side": "worker", "ratings_count": 1,
                    "average_stars": 5.0, "completed": 1, "no_shows": 0, "no_show_rate": 0.0,
                    "disputes": 0, "reliability": reliability_score(1, 5, 1, 0)}
    assert good["reliability"] == 92  # stars (5 + 8) / 3 = 4.33 -> 0.417; record 1 -> 0.5
    bad = await figures(f"/workers/{absent['worker_id']}/reliability")
    assert (bad["completed"], bad["no_shows"], bad["no_show_rate"]) == (0, 1, 1.0)
    assert bad["reliability"] == reliability_score(0, 0, 0, 1) == 62
    boss = await figures(f"/employers/{job.employer['id']}/reliability")
    assert boss == {"user_id": job.employer["id"], "side": "employer", "ratings_count": 2,
                    "average_stars": 1.5, "completed": 2, "no_shows": 1,
                    "no_show_rate": round(1 / 3, 4), "disputes": 1,
                    "reliability": reliability_score(2, 3, 2, 1)}


def test_reliability_formula() -> None:
    assert reliability_score(0, 0, 0, 0) == 88  # a newcomer
    assert reliability_score(10, 50, 10, 0) == 98
    assert reliability_score(10, 10, 0, 10) == 11
    assert all(0 <= reliability_score(n, n * s, c, b) <= 100
               for n in range(0, 6) for s in range(1, 6) for c in range(0, 6) for b in range(0, 6))


async def test_reliability_access(api: Api) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    _, operator = await api.operator(admin, [station["id"]])
    worker, worker_token = await api.worker()
    employer, employer_token = await api.employer()
    for side, subject, other in (("workers", worker["id"], employer["id"]),
                                 ("employers", employer["id"], worker["id"])):
        url = f"{API}/{side}/{{}}/reliability"
        for token, status in ((admin, 200), (operator, 200), (worker_token, 403),
                              (employer_token, 403)):
            r = await api.client.get(url.format(subject), headers=bearer(token))
            assert r.status_code == status, r.text
        assert (await api.client.get(url.format(subject))).status_code == 401
        # An unknown id, and a person of the other side, are the same 404.
        missing = await api.client.get(url.format(uuid.uuid4()), headers=bearer(operator))
        wrong_side = await api.client.get(url.format(other), headers=bearer(operator))
        assert missing.status_code == wrong_side.status_code == 404
        assert missing.json()["detail"] == wrong_side.json()["detail"]
