"""Logging for the service: plain text or one JSON object per line, each with the request id
of the request being served, and no phone number or identity number in any line.

``GIGSTATION_LOG_FORMAT=json`` switches to JSON; ``GIGSTATION_LOG_LEVEL`` sets the level.
The request id is set by the HTTP policy middleware (``api/http_policy``) and returned to
the client in ``X-Request-ID``, so a complaint about one answer finds its log lines.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import traceback
from datetime import UTC, datetime
from typing import Any, TextIO

__all__ = ["GRANIAN_LOGGING", "REQUEST_ID", "JsonFormatter", "Scrubber", "configure_logging", "scrub"]

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("gigstation_request_id", default="")
"""The id of the request this task serves ('' outside requests)."""

_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
# A mainland mobile number (also inside longer text, e.g. a bucket name), an 18-character
# resident ID or residence permit, and 8/9-character travel permits with a letter prefix.
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_PERMIT = re.compile(r"(?<![0-9A-Za-z])[HMhm]\d{8,10}(?![0-9A-Za-z])")
_STANDARD = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime", "request_id"}


def scrub(text: str) -> str:
    """``text`` with anything shaped like a phone or identity number replaced."""
    if not any(c.isdigit() for c in text):
        return text
    text = _PHONE.sub("<phone>", text)
    text = _RESIDENT_ID.sub("<id-number>", text)
    return _PERMIT.sub("<id-number>", text)


class Scrubber(logging.Filter):
    """Adds the request id to every record and scrubs personal numbers from its text.

    A second line of defence: the code logs no personal data on purpose (a test greps a
    whole simulated day's log), and this catches what a library might print."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = REQUEST_ID.get()
        if record.args:
            try:
                record.msg = record.getMessage()
            except (TypeError, ValueError):
                record.msg = str(record.msg)
            record.args = None
        record.msg = scrub(str(record.msg))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", "") or REQUEST_ID.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, int | float | bool | None) else scrub(str(value))
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
            entry["trace"] = scrub("".join(traceback.format_exception(*record.exc_info)))
        return json.dumps(entry, ensure_ascii=False)


GRANIAN_LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "loggers": {
        "_granian": {"handlers": [], "propagate": True},
        # Our access line (gigstation.access) has the route template and the request id.
        "granian.access": {"handlers": [], "propagate": True, "level": "WARNING"},
    },
}
"""Granian's own loggers, sent to the root handler (so they are JSON too when asked)."""


class _ScrubbedText(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))  # tracebacks included


def configure_logging(fmt: str = "text", level: str = "warning", stream: TextIO | None = None) -> None:
    """Route every logger (ours, Litestar's, the server's) through one scrubbing handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(Scrubber())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(_ScrubbedText(_TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Servers' own loggers propagate to the root, so their lines get the same treatment.
    # pgserver narrates every pg_ctl call at INFO: only its warnings are worth a line.
    logging.getLogger("pgserver").setLevel(max(logging.WARNING, root.level))
    for name in ("_granian", "granian", "granian.access", "uvicorn", "uvicorn.error", "uvicorn.access", "litestar"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
