"""Safeguards on the operator's pages over HTTP: overdue pay on the board, and wage complaints
as cases with their timeline status and escalation."""

from __future__ import annotations

from typing import Any

import asyncpg

from tests.api.conftest import Api
from tests.api.test_assignments import act, shift_into_past, staffed
from tests.pages_http.forms import sign_in


async def test_board_overdue_and_complaint_case(api: Api, db: asyncpg.Connection[Any]) -> None:
    job = await staffed(api, workers=1)
    worker, token = job.workers[0]
    aid = job.assignments[0]["id"]
    sid = job.station["id"]
    op, _ = await api.operator(job.admin, [sid])
    csrf = await sign_in(api.client, op["phone"], "operator-pass")
    board = await api.client.get(f"/operator/stations/{sid}")
    assert board.status_code == 200 and "没有逾期未确认的工资" in board.text
    await shift_into_past(db, job.order["id"], 16 * 24 + 8)
    board = await api.client.get(f"/operator/stations/{sid}")
    assert "逾期未确认工资" in board.text and worker["name"] in board.text
    assert "没有逾期未确认的工资" not in board.text
    assert (await act(api, token, aid, "dispute", {"reason": "工资未付"})).status_code == 200
    page = await api.client.get(f"/operator/stations/{sid}/complaints")
    assert "待单位答复" in page.text and "投诉提出" in page.text
    assert (await act(api, job.employer_token, aid, "complaint/answer", {"note": "月底前支付"})).status_code == 200
    page = await api.client.get(f"/operator/stations/{sid}/complaints")
    assert "单位已答复" in page.text and "月底前支付" in page.text
    empty = await api.client.post(f"/operator/stations/{sid}/complaints/{aid}/escalate",
                                  data={"_csrf_token": csrf, "note": ""})
    assert empty.status_code == 422
    r = await api.client.post(f"/operator/stations/{sid}/complaints/{aid}/escalate",
                              data={"_csrf_token": csrf, "note": "逾期未付，上报"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = await api.client.get(f"/operator/stations/{sid}/complaints?done=escalated")
    assert "已上报区劳动监察" in page.text and "逾期未付，上报" in page.text
    assert "上报区劳动监察</button>" not in page.text
