"""Swagger UI works with the network to anything but the server blocked (journey 6)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.web.conftest import Browser, Seed, shot


def test_swagger_renders_the_operations_offline(web: Browser, seed: Seed) -> None:
    page = web.page(1366)
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto("/schema/swagger")
    page.locator(".opblock").first.wait_for(timeout=20_000)
    assert page.locator(".opblock").count() >= 40
    expect(page.get_by_text("/api/v1/offers/{offer_id}/accept-for-worker")).to_be_visible()
    expect(page.locator(".info .title").get_by_text("gigstation API")).to_be_visible()
    # Everything came from the server itself (the harness blocks and records anything else).
    assert any(u.endswith("/static/vendor/swagger-ui/swagger-ui-bundle.js") for u in requested)
    assert all(u.startswith(web.server.url) or u.startswith("data:") for u in requested), requested
    shot(page, "swagger-1366", full_page=False)
