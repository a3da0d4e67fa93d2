"""The office's pages over HTTP: the published pages read the same for a signed-in person as
for a stranger (no name, nothing personal: a proxy may cache them), in Chinese and English;
pages for other roles stay closed."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.pages_http.forms import sign_in


async def test_public_pages_carry_nothing_personal(api: Api) -> None:
    worker, _ = await api.worker(name="周师傅")
    stranger = await api.client.get("/public/wages")
    assert stranger.status_code == 200 and "最低工资" in stranger.text
    await sign_in(api.client, worker["phone"], "worker-pass")
    for path in ("/public/wages", "/public/blacklist"):
        r = await api.client.get(path)
        assert r.status_code == 200, r.text
        assert "周师傅" not in r.text and worker["phone"] not in r.text and "退出" not in r.text
    api.client.cookies.set("gs_lang", "en")
    r = await api.client.get("/public/wages")
    assert "Minimum wage" in r.text and "Guidance per job type" in r.text
    r = await api.client.get("/public/blacklist")
    assert "What is published, and why" in r.text


async def test_office_pages_need_their_role(api: Api) -> None:
    worker, _ = await api.worker()
    await sign_in(api.client, worker["phone"], "worker-pass")
    assert (await api.client.get("/worker/training")).status_code == 200
    assert (await api.client.get("/worker/notices")).status_code == 200
    r = await api.client.get("/admin/notices", follow_redirects=False)
    assert r.status_code in (303, 403), r.text
