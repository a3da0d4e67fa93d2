"""The worker registration page takes every document the API takes (a travel permit needs a
birth date, which the form asks for), and never dead-ends on a field it does not show."""

from __future__ import annotations

from tests.api.conftest import Api, next_phone
from tests.pages_http.forms import CSRF


async def _register(api: Api, **fields: str) -> tuple[int, str]:
    page = await api.client.get("/worker/register")
    csrf = CSRF.search(page.text)
    assert csrf is not None
    assert 'name="birth_date"' in page.text
    data = {"name": "陈阿姨", "phone": next_phone(), "password": "worker-pass-1", "skills": "cleaning",
            "_csrf_token": csrf.group(1), **fields}
    r = await api.client.post("/worker/register", data=data, follow_redirects=False)
    return r.status_code, r.text


async def test_a_travel_permit_without_birth_date_is_asked_for_it_on_the_form(api: Api) -> None:
    status, text = await _register(api, id_type="hk_mo_travel_permit", id_number="H12345678")
    assert status == 422
    assert 'href="#f-birth_date"' in text and 'id="f-birth_date-error"' in text
    assert "出生日期" in text


async def test_a_travel_permit_with_birth_date_registers(api: Api) -> None:
    status, text = await _register(api, id_type="hk_mo_travel_permit", id_number="H12345678",
                                   birth_date="1980-05-17")
    assert status == 303, text
