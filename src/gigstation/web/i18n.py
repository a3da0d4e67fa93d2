"""Language (cookie ``gs_lang``, Chinese by default) and the formatting filters pages use.

Every visible string goes through ``t(zh, en)``; money is integer fen shown in 元, times in
the station's zone. The filters read ``lang`` and ``tz`` from the template context.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from gigstation.platform import clock

__all__ = [
    "LANG_COOKIE",
    "Lang",
    "day",
    "hm",
    "install",
    "km",
    "lang_of",
    "money",
    "pay",
    "span",
    "translator",
    "until",
    "when",
]

Lang = Literal["zh", "en"]
LANG_COOKIE = "gs_lang"
_WEEKDAYS_ZH = "一二三四五六日"
_UNITS = {"hour": ("小时", "hour"), "day": ("天", "day"), "piece": ("件", "piece")}


def lang_of(cookies: dict[str, str]) -> Lang:
    """The reader's language from the cookie; Chinese unless English was chosen."""
    return "en" if cookies.get(LANG_COOKIE) == "en" else "zh"


def translator(lang: Lang) -> Callable[[str, str], str]:
    """``t(zh, en)`` for one language."""

    def t(zh: str, en: str) -> str:
        return en if lang == "en" else zh

    return t


def money(fen: int | None) -> str:
    """¥30 for whole yuan, ¥30.50 otherwise."""
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}¥{yuan}" if cents == 0 else f"{sign}¥{yuan}.{cents:02d}"


def pay(fen: int, unit: str, lang: Lang = "zh") -> str:
    """¥30/小时 or ¥30/hour."""
    zh, en = _UNITS.get(unit, (unit, unit))
    return f"{money(fen)}/{en if lang == 'en' else zh}"


def _local(dt: datetime, tz: str) -> datetime:
    return dt.astimezone(ZoneInfo(tz))


def hm(dt: datetime | None, tz: str) -> str:
    """14:30 in the station's zone."""
    return "" if dt is None else _local(dt, tz).strftime("%H:%M")


def until(start: datetime | None, end: datetime | None, tz: str, lang: Lang = "zh") -> str:
    """The end of work as read after its start: 02:00, 次日 02:00 (02:00 next day), or a date."""
    if start is None or end is None:
        return ""
    last = _local(end, tz)
    days = (last.date() - _local(start, tz).date()).days
    if days <= 0:
        return f"{last:%H:%M}"
    if days == 1:
        return f"{last:%H:%M} next day" if lang == "en" else f"次日 {last:%H:%M}"
    return f"{day(last.date(), tz, lang)} {last:%H:%M}"


def span(start: datetime | None, end: datetime | None, tz: str, lang: Lang = "zh") -> str:
    """22:00–次日 02:00 (22:00–02:00 next day): work that runs past midnight says so, because
    "22:00–02:00" alone reads as a job that ends before it starts."""
    if start is None or end is None:
        return ""
    return f"{_local(start, tz):%H:%M}–{until(start, end, tz, lang)}"


def when(dt: datetime | None, tz: str, now: datetime, lang: Lang = "zh") -> str:
    """14:30 today, 明天 03:50 / tomorrow 03:50, else the date and time."""
    if dt is None:
        return ""
    local, today = _local(dt, tz), _local(now, tz).date()
    if local.date() == today:
        return local.strftime("%H:%M")
    if (local.date() - today).days == 1:
        return ("tomorrow " if lang == "en" else "明天 ") + local.strftime("%H:%M")
    return f"{day(local, tz, lang)} {local.strftime('%H:%M')}"


def day(value: datetime | date | None, tz: str, lang: Lang = "zh") -> str:
    """12月1日 周二 / Tue 1 Dec."""
    if value is None:
        return ""
    d = _local(value, tz).date() if isinstance(value, datetime) else value
    if lang == "en":
        return f"{d.strftime('%a')} {d.day} {d.strftime('%b')}"
    return f"{d.month}月{d.day}日 周{_WEEKDAYS_ZH[d.weekday()]}"


def km(metres: int | float | None, lang: Lang = "zh") -> str:
    """850 米 / 1.2 公里 (850 m / 1.2 km)."""
    if metres is None:
        return ""
    if metres < 1000:
        return f"{round(metres)} m" if lang == "en" else f"{round(metres)} 米"
    text = f"{metres / 1000:.1f}".removesuffix(".0")
    return f"{text} km" if lang == "en" else f"{text} 公里"


def _ctx_lang(ctx: Context) -> Lang:
    return "en" if ctx.get("lang") == "en" else "zh"


def _ctx_tz(ctx: Context, tz: str | None) -> str:
    return tz or str(ctx.get("tz") or "Asia/Shanghai")


def install(env: Environment) -> None:
    """Register the filters on a Jinja environment."""

    @pass_context
    def pay_f(ctx: Context, fen: int, unit: str) -> str:
        return pay(fen, unit, _ctx_lang(ctx))

    @pass_context
    def hm_f(ctx: Context, dt: datetime | None, tz: str | None = None) -> str:
        return hm(dt, _ctx_tz(ctx, tz))

    @pass_context
    def span_f(ctx: Context, start: datetime | None, end: datetime | None, tz: str | None = None) -> str:
        return span(start, end, _ctx_tz(ctx, tz), _ctx_lang(ctx))

    @pass_context
    def until_f(ctx: Context, start: datetime | None, end: datetime | None, tz: str | None = None) -> str:
        return until(start, end, _ctx_tz(ctx, tz), _ctx_lang(ctx))

    @pass_context
    def day_f(ctx: Context, value: datetime | date | None, tz: str | None = None) -> str:
        return day(value, _ctx_tz(ctx, tz), _ctx_lang(ctx))

    @pass_context
    def when_f(ctx: Context, dt: datetime | None, tz: str | None = None) -> str:
        return when(dt, _ctx_tz(ctx, tz), clock.now(), _ctx_lang(ctx))

    @pass_context
    def km_f(ctx: Context, metres: int | float | None) -> str:
        return km(metres, _ctx_lang(ctx))

    filters: dict[str, Any] = {"money": money, "pay": pay_f, "hm": hm_f, "day": day_f, "km": km_f,
                              "span": span_f, "until": until_f, "when": when_f}
    env.filters.update(filters)
