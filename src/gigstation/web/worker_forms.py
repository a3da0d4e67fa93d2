"""What the worker forms offer to pick: skills with icons, ID types, free-until and distance chips."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from gigstation.platform import reference
from gigstation.platform.errors import Invalid
from gigstation.platform.reference import Skill
from gigstation.web.i18n import Lang, when

__all__ = [
    "COMMON_SKILLS",
    "DISTANCES",
    "ID_TYPES",
    "PRESENCE_COOKIE",
    "SKILL_ICONS",
    "SKILL_PINYIN",
    "skill_options",
    "sorted_skills",
    "until_choices",
    "until_options",
    "until_to_datetime",
]

PRESENCE_COOKIE = "gs_presence"
"""This browser's presence pass (stations/presence.py): the station page sets it when a QR's
code is valid, the check-in page spends it."""

SKILL_ICONS: dict[str, str] = {
    "moving": "📦", "loading": "🚚", "warehouse": "🏭", "forklift": "🛻", "delivery": "🛵",
    "driver": "🚐", "cleaning": "🧹", "housekeeping": "🏠", "elderly_care": "🧓", "childcare": "👶",
    "kitchen_helper": "🥬", "dishwashing": "🍽️", "waiter": "🍵", "cook": "🍳",
    "construction_helper": "🧱", "painting": "🖌️", "carpentry": "🪚", "plumbing": "🔧",
    "electrician": "💡", "welding": "🔥", "security": "🛡️", "greening": "🌳", "farm_work": "🌾",
    "event_staff": "🎪", "promotion": "📣", "data_entry": "⌨️",
}

ID_TYPES: list[tuple[str, str, str]] = [
    ("resident_id", "居民身份证", "Resident ID card"),
    ("social_security_card", "社会保障卡", "Social security card"),
    ("hk_mo_tw_residence_permit", "港澳台居民居住证", "HK/Macao/Taiwan residence permit"),
    ("hk_mo_travel_permit", "港澳居民来往内地通行证", "HK/Macao travel permit"),
    ("tw_travel_permit", "台湾居民来往大陆通行证", "Taiwan travel permit"),
]

DISTANCES: list[int] = [3_000, 5_000, 10_000, 20_000]
_UNTIL_HOURS = (12, 15, 18, 21)


# Hanyu pinyin of each job type's Chinese name, syllables apart, so lists read in dictionary
# (音序) order as people here expect, not by the English code. A test holds every skill of
# the taxonomy to having one.
SKILL_PINYIN: dict[str, str] = {
    "moving": "ban yun", "loading": "zhuang xie", "warehouse": "cang chu li huo",
    "forklift": "cha che si ji", "delivery": "pei song", "driver": "jia shi yuan",
    "cleaning": "bao jie", "housekeeping": "jia zheng fu wu", "elderly_care": "yang lao hu li",
    "childcare": "yu ying", "kitchen_helper": "bang chu", "dishwashing": "xi wan",
    "waiter": "fu wu yuan", "cook": "chu shi", "construction_helper": "jian zhu xiao gong",
    "painting": "you qi fen shua", "carpentry": "mu gong", "plumbing": "shui nuan",
    "electrician": "dian gong", "welding": "han gong", "security": "bao an",
    "greening": "lv hua yang hu", "farm_work": "nong huo cai zhai", "event_staff": "hui zhan huo dong",
    "promotion": "cu xiao dao gou", "data_entry": "shu ju lu ru",
}
COMMON_SKILLS: tuple[str, ...] = ("moving", "loading", "cleaning", "warehouse", "delivery", "kitchen_helper")
"""Shown first: the day-labour staples of a station's board (搬运, 装卸, 保洁, 仓储, 配送, 帮厨)."""


def sorted_skills(first: tuple[str, ...] | list[str] = COMMON_SKILLS) -> tuple[list[Skill], list[Skill]]:
    """(the ``first`` job types in that order, every other one in pinyin order)."""
    every = reference.skills()
    top = [every[c] for c in dict.fromkeys(first) if c in every]
    rest = sorted((s for c, s in every.items() if c not in first),
                  key=lambda s: (SKILL_PINYIN.get(s.code, "~"), s.code))
    return top, rest


def skill_options(lang: str) -> list[tuple[str, str]]:
    """(code, "📦 搬运") for every skill: the common ones first, then in pinyin order."""
    top, rest = sorted_skills()
    return [(s.code, f"{SKILL_ICONS.get(s.code, '🔨')} {s.en if lang == 'en' else s.zh}") for s in top + rest]


def until_options(now: datetime, tz: str) -> list[str]:
    """The "free until" chips: 12:00, 15:00, 18:00, 21:00 while at least an hour ahead; late in
    the day, whole hours two and four hours on (past midnight they mean tomorrow)."""
    local = now.astimezone(ZoneInfo(tz))
    chips = [f"{h:02d}:00" for h in _UNTIL_HOURS if local.replace(hour=h, minute=0) > local + timedelta(hours=1)]
    for ahead in (2, 4):
        if len(chips) >= 2:
            break
        chip = f"{(local + timedelta(hours=ahead)).hour:02d}:00"
        if chip not in chips:
            chips.append(chip)
    return chips


def until_choices(now: datetime, tz: str, lang: Lang = "zh") -> list[tuple[str, str]]:
    """The "free until" chips as (value, label): every one after now, and 明天 on those that
    fall tomorrow (a check-in at 21:30 is offered 23:00 and 明天 01:00, never 21:00)."""
    return [(v, when(until_to_datetime(v, now, tz), tz, now, lang)) for v in until_options(now, tz)]


def until_to_datetime(value: str, now: datetime, tz: str) -> datetime:
    """Today's (or, if already past, tomorrow's) HH:MM in the station's zone."""
    try:
        parsed = time.fromisoformat(value)
    except ValueError as exc:
        raise Invalid.of_field("until", "请选择几点前有空", "choose until when you are free") from exc
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    at = datetime.combine(local.date(), parsed.replace(second=0, microsecond=0), zone)
    if at <= local:
        at += timedelta(days=1)
    return at
