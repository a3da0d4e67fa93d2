"""Issue 16, item 3: the wage complaint as a case both sides follow. The worker opens it with
details and adds to it, the employer answers on the order page ("已付" or a reply), the
operator sees both and closes it with an outcome; each stage has its due date and 逾期 shows
on the operator's list; nothing on a case is edited or deleted, so closed cases keep it all."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from gigstation.oversight.complaints import add_workdays
from tests.api.conftest import API, Api, bearer
from tests.api.test_assignments import Job, act, shift_into_past, staffed
from tests.pages_http.forms import sign_in


async def _disputed_job(api: Api, db: asyncpg.Connection[Any]) -> tuple[Job, str, dict[str, Any]]:
    job = await staffed(api, workers=1)
    await shift_into_past(db, job.order["id"], 8)
    op, _ = await api.operator(job.admin, [job.station["id"]])
    return job, job.assignments[0]["id"], op


async def test_worker_employer_and_operator_follow_one_case_to_its_close(
    api: Api, db: asyncpg.Connection[Any]
) -> None:
    job, aid, op = await _disputed_job(api, db)
    worker = job.workers[0][0]
    csrf = await sign_in(api.client, worker["phone"], "worker-pass")
    ask = await api.client.get(f"/worker/jobs/{aid}/dispute")
    assert 'name="reason"' in ask.text and "说说情况（可不填）" in ask.text
    r = await api.client.post(f"/worker/jobs/{aid}/dispute", data={"_csrf_token": csrf,
                              "reason": "说好干完当天给，到现在没给"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = await api.client.get("/worker/jobs")
    assert "说好干完当天给，到现在没给" in page.text and "待单位答复" in page.text
    assert "劳动争议调解仲裁法第十四条" in page.text  # each stage names its rule
    r = await api.client.post(f"/worker/jobs/{aid}/complaint", data={"_csrf_token": csrf, "note": "欠300元"},
                              follow_redirects=False)
    assert r.status_code == 303, r.text
    # The employer sees the case on the order page and answers "paid" with a note.
    csrf = await sign_in(api.client, job.employer["phone"], "employer-pass")
    order = f"/employer/orders/{job.order['id']}"
    page = await api.client.get(order)
    assert "欠300元" in page.text and f'href="#case-{aid}"' in page.text and "待您答复" in page.text
    empty = await api.client.post(f"{order}/crew/{aid}/complaint", data={"_csrf_token": csrf, "note": "", "paid": "0"})
    assert empty.status_code == 422 and "请写下要说的话" in empty.text
    r = await api.client.post(f"{order}/crew/{aid}/complaint",
                              data={"_csrf_token": csrf, "note": "已微信转账300元", "paid": "1"},
                              follow_redirects=False)
    assert r.status_code == 303, r.text
    # The worker sees the answer and the new state.
    await sign_in(api.client, worker["phone"], "worker-pass")
    page = await api.client.get("/worker/jobs")
    assert "单位说明已付" in page.text and "已微信转账300元" in page.text and "单位已答复" in page.text
    # The operator sees both sides and closes the case with its outcome.
    csrf = await sign_in(api.client, op["phone"], "operator-pass")
    base = f"/operator/stations/{job.station['id']}/complaints"
    page = await api.client.get(base)
    assert "欠300元" in page.text and "已微信转账300元" in page.text and f"{base}/{aid}/close" in page.text
    bad = await api.client.post(f"{base}/{aid}/close", data={"_csrf_token": csrf, "outcome": "whatever"})
    assert bad.status_code == 422
    r = await api.client.post(f"{base}/{aid}/close", data={"_csrf_token": csrf, "outcome": "paid",
                              "note": "劳动者当面确认收到"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = await api.client.get(r.headers["location"])
    assert "最近结案的工资投诉" in page.text and "已付清" in page.text and "按期办结" in page.text
    for said in ("说好干完当天给，到现在没给", "欠300元", "已微信转账300元", "劳动者当面确认收到"):
        assert said in page.text  # the closed case keeps its whole history
    figures = await api.client.get(f"/operator/stations/{job.station['id']}/figures")
    assert "按期办结率" in figures.text and "100%" in figures.text.split('id="case-figures"')[1].split("</dl>")[0]
    # Closed: nobody adds to it any more, and its messages cannot be changed or removed.
    csrf = await sign_in(api.client, worker["phone"], "worker-pass")
    page = await api.client.get("/worker/jobs")
    assert "已结案" in page.text and "已付清" in page.text and f"/worker/jobs/{aid}/complaint" not in page.text
    late = await api.client.post(f"/worker/jobs/{aid}/complaint", data={"_csrf_token": csrf, "note": "还有话说"})
    assert late.status_code == 409 and "投诉已处理完毕" in late.text
    for sql in ("UPDATE complaint_events SET note = 'x'", "DELETE FROM complaint_events"):
        with pytest.raises(asyncpg.CheckViolationError) as exc:
            await db.execute(sql)
        assert exc.value.constraint_name == "complaint_history_append_only"
    assert await db.fetchval("SELECT count(*) FROM complaint_events WHERE assignment_id = $1", uuid.UUID(aid)) == 3


async def test_an_employer_sees_and_answers_only_their_own_cases(api: Api, db: asyncpg.Connection[Any]) -> None:
    job, aid, _ = await _disputed_job(api, db)
    assert (await act(api, job.workers[0][1], aid, "dispute", {"reason": "没收到工资"})).status_code == 200
    other, other_token = await api.employer()
    r = await api.client.get(f"{API}/assignments/{aid}/complaint", headers=bearer(other_token))
    assert r.status_code == 404
    r = await api.client.post(f"{API}/assignments/{aid}/complaint/messages", headers=bearer(other_token),
                              json={"note": "与我无关", "paid": True})
    assert r.status_code == 404
    csrf = await sign_in(api.client, other["phone"], "employer-pass")
    assert (await api.client.get(f"/employer/orders/{job.order['id']}")).status_code == 404
    r = await api.client.post(f"/employer/orders/{job.order['id']}/crew/{aid}/complaint",
                              data={"_csrf_token": csrf, "note": "与我无关", "paid": "1"})
    assert r.status_code == 404
    assert await db.fetchval("SELECT count(*) FROM complaint_events") == 0
    # The employer of the job does see it, through the API too.
    r = await api.client.get(f"{API}/assignments/{aid}/complaint", headers=bearer(job.employer_token))
    assert r.status_code == 200 and r.json()["status"] == "open" and r.json()["due_at"] is not None


async def test_a_case_past_its_stage_shows_overdue_and_closes_late(api: Api, db: asyncpg.Connection[Any]) -> None:
    job, aid, op = await _disputed_job(api, db)
    assert (await act(api, job.workers[0][1], aid, "dispute", {"reason": "没收到工资"})).status_code == 200
    sid = job.station["id"]
    listed = (await api.client.get(f"{API}/stations/{sid}/complaints", headers=bearer(job.operator))).json()["items"]
    assert [c["overdue"] for c in listed] == [False]
    # Four days without an answer: past the employer's 3 days (GIGSTATION_CASE_ANSWER_DAYS).
    await db.execute("UPDATE assignments SET disputed_at = disputed_at - interval '4 days' WHERE id = $1",
                     uuid.UUID(aid))
    listed = (await api.client.get(f"{API}/stations/{sid}/complaints", headers=bearer(job.operator))).json()["items"]
    assert [c["overdue"] for c in listed] == [True]
    case = (await api.client.get(f"{API}/assignments/{aid}/complaint", headers=bearer(job.operator))).json()
    assert [(s["stage"], s["overdue"]) for s in case["stages"]] == [("answer", True), ("close", False)]
    await sign_in(api.client, op["phone"], "operator-pass")
    page = await api.client.get(f"/operator/stations/{sid}/complaints")
    assert "逾期" in page.text and "已逾期" in page.text
    # An answer through the API moves the case on; the station's 15 days run out later.
    r = await api.client.post(f"{API}/assignments/{aid}/complaint/messages", headers=bearer(job.employer_token),
                              json={"note": "下周一支付"})
    assert r.status_code == 200 and r.json()["status"] == "answered", r.text
    assert r.json()["stages"][0]["late"] is True and r.json()["overdue"] is False
    await db.execute("UPDATE assignments SET disputed_at = disputed_at - interval '12 days' WHERE id = $1",
                     uuid.UUID(aid))
    r = await api.client.post(f"{API}/assignments/{aid}/complaint/close", headers=bearer(job.operator),
                              json={"outcome": "partly_paid", "note": "付了一半"})
    assert r.status_code == 200, r.text
    assert r.json()["closed_on_time"] is False and r.json()["outcome"] == "partly_paid"
    again = await api.client.post(f"{API}/assignments/{aid}/complaint/close", headers=bearer(job.operator),
                                  json={"outcome": "paid"})
    assert again.status_code == 409 and again.json()["code"] == "case_closed"
    figures = await api.client.get(f"/operator/stations/{sid}/figures")
    nums = figures.text.split('id="case-figures"')[1].split("</dl>")[0]
    assert "0%" in nums and "100%" not in nums
    # The office's district figures count it too: per station and for the district, in the
    # API, the performance page and its export.
    admin = await api.admin()
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
    report = (await api.client.get(f"{API}/reports/district", params={"from": today, "to": today},
                                   headers=bearer(admin))).json()
    for line in (next(s for s in report["stations"] if s["station_id"] == sid), report["district"]):
        assert (line["complaints_closed"], line["complaints_closed_on_time"], line["closed_on_time_share"],
                line["complaints_open_overdue"]) == (1, 0, 0.0, 0), line
    csv = await api.client.get(f"{API}/reports/district", params={"from": today, "to": today, "format": "csv"},
                               headers=bearer(admin))
    assert "按期办结率 closed on time share" in csv.text


def test_working_days_skip_the_weekend() -> None:
    friday = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)  # 10:00 on a Friday in Shanghai
    assert add_workdays(friday, 1, "Asia/Shanghai").date().isoformat() == "2026-12-07"
    assert add_workdays(friday, 60, "Asia/Shanghai").weekday() < 5
    assert (add_workdays(friday, 5, "Asia/Shanghai") - friday).days == 7
