"""Log lines never hold a phone or identity number, in either format."""

from __future__ import annotations

import io
import json
import logging

import pytest

from gigstation.platform.logs import REQUEST_ID, configure_logging


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_numbers_are_scrubbed_and_the_request_id_is_on_every_line(fmt: str) -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        configure_logging(fmt, "info", stream)
        token = REQUEST_ID.set("abc123def4567890")
        try:
            log = logging.getLogger("gigstation.test")
            log.info("login failed for %s with %s", "13912345678", "31022919700101001X")
            try:
                raise ValueError("bad phone 13812345678")
            except ValueError:
                log.exception("while handling")
        finally:
            REQUEST_ID.reset(token)
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    text = stream.getvalue()
    assert "13912345678" not in text and "31022919700101001X" not in text and "13812345678" not in text
    assert "<phone>" in text and "<id-number>" in text
    if fmt == "json":
        entries = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
        assert all(e["request_id"] == "abc123def4567890" for e in entries) and entries[1]["error"] == "ValueError"
    else:
        assert "[abc123def4567890]" in text
