"""Find a worker at the desk by phone number, card number or identity document number."""

from __future__ import annotations

import re
from typing import Any

import asyncpg
from stdnum import luhn

from gigstation.people.workers import WorkerView, get_worker
from gigstation.platform.errors import Invalid, NotFound
from gigstation.platform.pii import PiiCipher

__all__ = ["find_worker"]

_PHONE = re.compile(r"^1[3-9][0-9]{9}$")
# The desk card's personal number (10 digits; a scanner types it with the "GS" of its QR code).
_CARD = re.compile(r"^(?:GS)?([1-9][0-9]{9})$")
_BY_CARD = "SELECT user_id FROM workers WHERE card_number = $1"
_BY_PHONE = "SELECT w.user_id FROM workers w JOIN users u ON u.id = w.user_id WHERE u.phone = $1"
# The same keyed blind index registration stores: the number itself is never queried.
_BY_DOCUMENT = "SELECT user_id FROM workers WHERE id_index = $1"


async def find_worker(conn: asyncpg.Connection[Any], cipher: PiiCipher, query: str) -> WorkerView:
    """A phone number (11 digits), a desk card's number (10 digits, or its QR code's text) or a
    document number as printed on the ID."""
    text = "".join(query.split())
    if not text:
        raise Invalid.of_field("q", "请输入手机号、服务卡号或证件号", "type a phone, card or document number")
    card = _CARD.match(text.replace("-", "").upper())
    if _PHONE.match(text):
        worker_id = await conn.fetchval(_BY_PHONE, text)
    elif card:
        if not luhn.is_valid(card.group(1)):
            raise Invalid.of_field("q", "服务卡号有误，请核对", "this card number is mistyped: check it")
        worker_id = await conn.fetchval(_BY_CARD, card.group(1))
    else:
        worker_id = await conn.fetchval(_BY_DOCUMENT, cipher.blind_index(text, "identity"))
    if worker_id is None:
        raise NotFound("没有找到这位劳动者，请核对号码或先帮他注册",
                       "no worker with this number: check it, or register the person first")
    return await get_worker(conn, worker_id)
