"""Staff pages over HTTP (Litestar's test client, no browser), on the API tests' app.

Apart from tests/web on purpose: those drive Playwright's sync API, whose event loop stays
open for the session and would stop pytest-asyncio running async tests after them.
"""

from tests.api.conftest import api, client

__all__ = ["api", "client"]
