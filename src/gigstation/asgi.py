"""Entry point for multi-process servers: settings come from the environment."""

from __future__ import annotations

import os

from litestar import Litestar

from gigstation.application import create_app
from gigstation.platform.config import MIN_SECRET_BYTES, Settings
from gigstation.platform.logs import configure_logging
from gigstation.platform.processes import PARENT_PID_ENV, die_with_parent

__all__ = ["MissingSecret", "app_from_env"]


class MissingSecret(RuntimeError):
    """An outside server started without a token secret."""


def app_from_env() -> Litestar:
    """ASGI factory: ``uvicorn --factory gigstation.asgi:app_from_env``.

    Each process of a multi-worker server calls this. Without ``GIGSTATION_SECRET_KEY``
    each would invent its own secret and refuse the others' tokens, so it refuses to
    start instead (``gigstation serve`` makes one secret and hands it to its workers).
    """
    parent = os.environ.get(PARENT_PID_ENV)
    if parent and int(parent) != os.getpid():
        die_with_parent(int(parent))
    settings = Settings.from_env()
    configure_logging(settings.log_format, settings.log_level)
    if not settings.secret_key:
        raise MissingSecret(
            f"未设置 GIGSTATION_SECRET_KEY（至少 {MIN_SECRET_BYTES} 字节）；多进程服务器的每个进程必须用同一个密钥 / "
            f"GIGSTATION_SECRET_KEY is not set (at least {MIN_SECRET_BYTES} bytes): every process of a "
            "multi-worker server must share one token secret, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    return create_app(settings)
