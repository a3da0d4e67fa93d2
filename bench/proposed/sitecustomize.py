"""Experiment only (loaded via PYTHONPATH by ':patched' bench configs; src is untouched).

Emulates two proposed src changes to measure them before anyone edits src/:
1. role guards as ``async def`` (Litestar runs a sync guard in a worker thread:
   one thread hand-off per request);
2. the rate limiter's ``check_throttle_handler`` as ``async def`` (same: a sync one is
   run through ``sync_to_thread`` on every request, not only on /auth/login).
"""

import gigstation.api.security as _sec
from gigstation.api.security import Forbidden, Unauthorized, principal_of


def _roles(*allowed):
    async def guard(connection, _):
        who = principal_of(connection)
        if who is None:
            raise Unauthorized("请先登录", "sign in first")
        if who.role not in allowed:
            raise Forbidden("当前账号无权进行此操作", f"only {', '.join(allowed)} may do this")

    return guard


_sec.roles = _roles

import gigstation.api.app as _app  # noqa: E402
from litestar.middleware.rate_limit import RateLimitConfig as _RLC  # noqa: E402


def _rate_limit_config(**kw):
    sync = kw.get("check_throttle_handler")
    if sync is not None:
        async def check(request):
            return sync(request)

        kw["check_throttle_handler"] = check
    return _RLC(**kw)


_app.RateLimitConfig = _rate_limit_config
