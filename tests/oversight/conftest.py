"""The API fixtures of tests/api, shared with the oversight tests."""

from tests.api.conftest import api, client

__all__ = ["api", "client"]
