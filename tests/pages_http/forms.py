"""Signing in through the login form, and the CSRF token the forms carry."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import AsyncTestClient

__all__ = ["CSRF", "sign_in"]

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def sign_in(c: AsyncTestClient[Any], phone: str, password: str) -> str:
    """Sign in through the login form; returns a CSRF token for later posts."""
    page = await c.get("/login")
    match = CSRF.search(page.text)
    assert match is not None
    r = await c.post("/login", data={"phone": phone, "password": password, "_csrf_token": match.group(1)},
                     follow_redirects=False)
    assert r.status_code == 303, r.text
    return match.group(1)
