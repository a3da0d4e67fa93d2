"""The foundation's main path end to end: admin, station, operator, worker, employer, order."""

from __future__ import annotations

from tests.api.conftest import API, Api, bearer


async def test_whole_foundation_path(api: Api) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    _, operator = await api.operator(admin, [station["id"]])
    worker, worker_token = await api.worker()
    assert worker["id_number_masked"].count("*") == 16
    employer, employer_token = await api.employer()
    order = await api.order(employer_token)
    assert order["status"] == "open" and order["station_id"] == station["id"]
    checkin = await api.checkin(worker_token, station["id"])
    assert checkin["status"] == "waiting" and checkin["distance_m"] == 0
    r = await api.client.get(f"{API}/stations/{station['id']}/board", headers=bearer(operator))
    assert r.status_code == 200
    board = r.json()
    assert [w["worker_id"] for w in board["waiting"]] == [worker["id"]]
    assert [o["id"] for o in board["open_orders"]] == [order["id"]]
    assert employer["kind"] == "company"
