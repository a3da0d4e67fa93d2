"""Signing in through the login form, and the CSRF token the forms carry."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import AsyncTestClient

__all__ = ["CSRF", "sign_in"]

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def sign_in(c: AsyncTestClient[Any], phone: str, password: str) -> str:
    """Sign in through the login form; returns the CSRF token for later posts (renewed at sign-in)."""
    page = await c.get("/login")
    match = CSRF.search(page.text)
    assert match is not None
    r = await c.post("/login", data={"phone": phone, "password": password, "_csrf_token": match.group(1)},
                     follow_redirects=False)
    assert r.status_code == 303, r.text
    renewed = r.cookies.get("gs_csrf")
    assert renewed and renewed != match.group(1), "sign-in must renew the CSRF token"
    return renewed
