"""What the worker forms offer to pick: skills with icons, ID types, free-until and distance chips."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from gigstation.platform import reference
from gigstation.platform.errors import Invalid

__all__ = [
    "DISTANCES",
    "ID_TYPES",
    "SKILL_ICONS",
    "skill_options",
    "until_options",
    "until_to_datetime",
]

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


def skill_options(lang: str) -> list[tuple[str, str]]:
    """(code, "📦 搬运") for every skill in the taxonomy."""
    return [
        (code, f"{SKILL_ICONS.get(code, '🔨')} {s.en if lang == 'en' else s.zh}")
        for code, s in reference.skills().items()
    ]


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
