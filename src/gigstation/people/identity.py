"""Identity documents accepted by the real-name register, and the one masking rule.

Pure functions: no database, no HTTP. Error messages never contain the number itself,
so an `InvalidIdentity` can be logged or returned to a client without leaking it.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Literal, get_args

import msgspec
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

__all__ = [
    "ADULT_AGE",
    "MINIMUM_WORKING_AGE",
    "AgeFacts",
    "IdType",
    "IdentityInfo",
    "InvalidIdentity",
    "age_facts",
    "age_on",
    "mask",
    "validate_credit_code",
    "validate_identity",
]

IdType = Literal[
    "resident_id",
    "hk_mo_tw_residence_permit",
    "hk_mo_travel_permit",
    "tw_travel_permit",
    "social_security_card",
]

# Labour Law of the PRC art. 15 and 58 (see shared/data/labour-rules.json "age").
MINIMUM_WORKING_AGE = 16
ADULT_AGE = 18

_ID_TYPES: frozenset[str] = frozenset(get_args(IdType))

# Province-level codes of GB/T 2260 that appear as the first two digits of a resident
# ID. Only whole provinces are checked, never the six-digit county: counties are
# renamed and abolished all the time while people keep their numbers for life, and
# stdnum's county table dates counties by birth year, which wrongly rejects people born
# before their county code existed (e.g. 310229 Qingpu County, 1982-1999, for someone
# born in 1975). No province-level code has been withdrawn since the 1980 standard;
# 46 (Hainan, 1988) and 50 (Chongqing, 1997) were added and people from before the
# split kept 44/51 numbers, which stay valid here. 71 is Taiwan's code in GB/T 2260.
# fmt: off
_PROVINCE_CODES: frozenset[str] = frozenset({
    "11", "12", "13", "14", "15",
    "21", "22", "23",
    "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46",
    "50", "51", "52", "53", "54",
    "61", "62", "63", "64", "65",
    "71",
})
# fmt: on
# Residence permits for Hong Kong, Macao and Taiwan residents (2018) use the resident
# ID layout with these fixed "area" prefixes instead of a mainland county.
_RESIDENCE_PERMIT_PREFIXES: dict[str, str] = {
    "810000": "Hong Kong",
    "820000": "Macao",
    "830000": "Taiwan",
}
# No living person was born before 1900; an earlier year is a typo (or the century
# error stdnum warns about), not a person we would lock out.
_EARLIEST_BIRTH = date(1900, 1, 1)

_RESIDENT_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")

# Mainland Travel Permit for Hong Kong and Macao Residents (回乡证). Source: Ministry of
# Public Security, "港澳居民来往内地通行证号码规则" (mirrored at
# http://lhoil.com/law/law_view.asp?id=324224): 11 characters, H (Hong Kong) or
# M (Macao), an 8-digit lifelong number, then 2 digits counting renewals (00, 01, ...);
# "the first 9 characters stay the same across renewals". The card issued since 2013
# prints only the 9-character form (H/M + lifelong number) with the renewal count in a
# separate box (zh.wikipedia "港澳居民来往内地通行证", as cited by the util-helpers
# isHMCard validator). The 2024 permit for non-Chinese permanent residents has 9
# characters starting HA / MA (NIA sample description, quoted at
# https://www.cnblogs.com/libras/p/18335064). We accept all three and keep only the
# lifelong part, so one person has one number whichever permit they type in.
_HK_MO_PERMIT = re.compile(
    r"(?P<life>[HM][0-9]{8})(?P<renewals>[0-9]{2})?|(?P<foreign>[HM]A[0-9]{7})"
)

# Mainland Travel Permit for Taiwan Residents (台胞证). Source: China News Service,
# 2008-09-12, "台胞证9月25日起实行'一人一号、终身不变'": since 1992 the number was an
# 8-digit lifelong number, 2 digits counting issues and an issuing-office code in
# brackets, e.g. 0561682001(D); from June 2006 some offices dropped the bracket; from
# 25 September 2008 every permit carries only the 8 digits (the 2015 card keeps them).
# Old forms are accepted and reduced to the 8-digit lifelong number, for the same
# reason as above.
_TW_PERMIT = re.compile(r"(?P<life>[0-9]{8})(?:[0-9]{2}(?:\([0-9A-Z]\))?)?")

# GB 32100-2015 alphabet: digits and upper-case letters except I, O, Z, S, V.
_CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Registration authorities published so far (1 establishment offices, 2 foreign
# affairs, 3 justice, 4 culture, 5 civil affairs, 6 tourism, 7 religion, 8 trade
# unions, 9 market regulation, A CMC reform office, N agriculture, Y others). A new
# authority must be added here; that is a one-line change, rejecting a typo is not.
_CREDIT_CODE_AUTHORITIES = frozenset("123456789ANY")


class InvalidIdentity(ValueError):
    """A document number or credit code that cannot be accepted, with reasons in zh and en."""

    def __init__(self, field: str, reason_zh: str, reason_en: str) -> None:
        super().__init__(f"{field}: {reason_en} ({reason_zh})")
        self.field = field
        self.reason_zh = reason_zh
        self.reason_en = reason_en


class IdentityInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A validated identity document; `minor` is False when the document has no birth date.

    The travel permits do not encode a birth date, so `birth_date` and `age` are None
    for them and the caller has to establish age from the document itself.
    """

    id_type: IdType
    number: str
    birth_date: date | None
    age: int | None
    minor: bool

    def __repr__(self) -> str:
        # Reprs end up in logs and tracebacks; the full number must not.
        return (
            f"IdentityInfo(id_type={self.id_type!r}, number={mask(self.number)!r}, "
            f"birth_date=<hidden>, age={self.age!r}, minor={self.minor!r})"
        )


def age_on(birth: date, today: date) -> int:
    """Return the age in whole years on `today`."""
    # A 29 February birthday is reached on 1 March in common years: (2, 28) < (2, 29).
    before_birthday = (today.month, today.day) < (birth.month, birth.day)
    return today.year - birth.year - before_birthday


def mask(number: str) -> str:
    """Hide all but the first and the last character (only the last below 4 characters).

    Why so little shows (docs/architecture.md, "Hardening, part B"): a resident ID is
    6 area + 8 birth-date + 3 sequence digits + 1 check digit, and a residence permit's
    "area" is one of just 3 prefixes. The database keeps only the birth year in clear
    (through :func:`age_facts`), so an attacker holding a dump and guessing the area still
    has hundreds of days x 1000 sequence numbers / 11 (the visible check digit) candidates
    for every person; showing the last 4 characters would leave far fewer. Length is kept
    so the shape stays recognisable.
    """
    if len(number) >= 4:
        return number[0] + "*" * (len(number) - 2) + number[-1]
    if len(number) >= 2:
        return "*" * (len(number) - 1) + number[-1]
    return "*" * len(number)


class AgeFacts(msgspec.Struct, frozen=True):
    """What the age rules need, and no more: stored instead of the birth date.

    Each is the day from which a rule holds, kept to the year: ``adult_from`` is None for an
    adult, and for a minor 1 January after the year of their 18th birthday.
    ``priority_age_from`` is 1 January of the year of the 50th birthday once it is reached,
    and until then 1 January after that year. So a database dump shows the birth year and
    whether each rule held on the day it was written, never the month or day. The exact day
    is applied by `people.age_rules.refresh_age_facts`, which opens the sealed number once a
    day for the people whose birthday falls in the current year; travel-permit holders (no
    birth date in the number) reach it on 1 January instead.
    """

    adult_from: date | None
    priority_age_from: date


def _anniversary(birth: date, years: int) -> date:
    # A 29 February birthday is reached on 1 March in common years (see age_on).
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:
        return date(birth.year + years, 3, 1)


def _year_up(day: date) -> date:
    # Always the next 1 January, even for a 1 January birthday: keeping that one day would
    # tell a dump who was born on it. The daily refresh applies the rule on the day itself.
    return date(day.year + 1, 1, 1)


def age_facts(birth: date, today: date) -> AgeFacts:
    """The age facts stored for a person born on ``birth``, as of ``today``."""
    adult = _anniversary(birth, ADULT_AGE)
    fifty = _anniversary(birth, 50)
    return AgeFacts(
        adult_from=None if adult <= today else _year_up(adult),
        priority_age_from=date(fifty.year, 1, 1) if fifty <= today else _year_up(fifty),
    )


def validate_identity(id_type: IdType, number: str, today: date) -> IdentityInfo:
    """Check a document number of the given type and return its normalised form and age facts."""
    if id_type not in _ID_TYPES:
        raise InvalidIdentity("id_type", "不支持的证件类型", "unsupported identity document type")
    normalised = _normalise(number)
    if not normalised:
        raise InvalidIdentity("id_number", "请输入证件号码", "the document number is empty")
    if id_type == "resident_id":
        return _resident_id(id_type, normalised, today)
    if id_type == "social_security_card":
        # Social Insurance Law art. 58: the social security number is the citizen ID
        # number. The 9-character card number is a card serial that changes on
        # reissue and carries no birth date, so it cannot prove age and is refused.
        # Hong Kong, Macao and Taiwan residents insured on the mainland are numbered
        # by their residence permit, which has the same layout.
        if normalised[:6] in _RESIDENCE_PERMIT_PREFIXES:
            return _residence_permit(id_type, normalised, today)
        return _resident_id(id_type, normalised, today)
    if id_type == "hk_mo_tw_residence_permit":
        return _residence_permit(id_type, normalised, today)
    if id_type == "hk_mo_travel_permit":
        return _hk_mo_travel_permit(normalised)
    return _tw_travel_permit(normalised)


def validate_credit_code(code: str) -> str:
    """Check a unified social credit code (GB 32100-2015) and return it normalised."""
    normalised = _normalise(code)
    if len(normalised) != 18:
        raise InvalidIdentity(
            "credit_code",
            "统一社会信用代码应为18位",
            "a unified social credit code has 18 characters",
        )
    if any(c not in _CREDIT_CODE_ALPHABET for c in normalised):
        raise InvalidIdentity(
            "credit_code",
            "统一社会信用代码只能包含数字和大写字母（不含I、O、Z、S、V）",
            "a unified social credit code uses digits and capital letters except I, O, Z, S, V",
        )
    if normalised[0] not in _CREDIT_CODE_AUTHORITIES:
        raise InvalidIdentity(
            "credit_code",
            "第1位登记管理部门代码无效",
            "the first character is not a registration authority code",
        )
    if normalised[1] == "0":
        # Every authority numbers its entity types from 1; the standard allows
        # letters here too, so nothing else is excluded.
        raise InvalidIdentity(
            "credit_code",
            "第2位机构类别代码无效",
            "the second character is not an entity type code",
        )
    # stdnum's validate() insists on digits in the first 8 places and would refuse
    # valid N... and Y... codes; its check-digit function handles the full alphabet.
    if uscc.calc_check_digit(normalised[:17]) != normalised[17]:
        raise InvalidIdentity("credit_code", "校验位错误", "the check digit is wrong")
    return normalised


def _normalise(number: str) -> str:
    # NFKC turns full-width digits and brackets typed with a Chinese input method into
    # ASCII; spaces pasted inside a number are never part of it.
    folded = unicodedata.normalize("NFKC", number)
    return "".join(folded.split()).upper()


def _resident_id(id_type: IdType, number: str, today: date) -> IdentityInfo:
    _check_id_shape(number)
    if number[:6] in _RESIDENCE_PERMIT_PREFIXES:
        raise InvalidIdentity(
            "id_number",
            "这是港澳台居民居住证号码，请选择证件类型“港澳台居民居住证”",
            "this is a Hong Kong, Macao or Taiwan residence permit number; choose that type",
        )
    if number[:2] not in _PROVINCE_CODES:
        raise InvalidIdentity(
            "id_number",
            "前两位不是有效的省级行政区划代码",
            "the first two digits are not a province code",
        )
    return _with_age(id_type, number, today)


def _residence_permit(id_type: IdType, number: str, today: date) -> IdentityInfo:
    _check_id_shape(number)
    if number[:6] not in _RESIDENCE_PERMIT_PREFIXES:
        raise InvalidIdentity(
            "id_number",
            "港澳台居民居住证号码应以810000、820000或830000开头",
            "a residence permit number starts with 810000, 820000 or 830000",
        )
    return _with_age(id_type, number, today)


def _check_id_shape(number: str) -> None:
    if len(number) == 15 and number.isdigit():
        # 15-digit cards stopped being valid on 1 January 2013.
        raise InvalidIdentity(
            "id_number",
            "15位旧身份证号码已停用，请输入18位号码",
            "15-digit identity numbers are no longer valid; enter the 18-character number",
        )
    if len(number) != 18:
        raise InvalidIdentity("id_number", "证件号码应为18位", "the number must have 18 characters")
    if not _RESIDENT_ID_SHAPE.fullmatch(number):
        raise InvalidIdentity(
            "id_number",
            "证件号码前17位应为数字，最后一位为数字或X",
            "the first 17 characters must be digits and the last a digit or X",
        )
    # ISO 7064 MOD 11-2 (GB 11643-1999); catches every single-digit error and swap.
    if ric.calc_check_digit(number) != number[17]:
        raise InvalidIdentity("id_number", "校验位错误", "the check digit is wrong")


def _with_age(id_type: IdType, number: str, today: date) -> IdentityInfo:
    try:
        birth = ric.get_birth_date(number)
    except ValidationError:
        raise InvalidIdentity(
            "id_number",
            "第7-14位不是有效的出生日期",
            "characters 7-14 are not a valid birth date",
        ) from None
    if birth > today:
        raise InvalidIdentity("id_number", "出生日期晚于今天", "the birth date is in the future")
    if birth < _EARLIEST_BIRTH:
        raise InvalidIdentity(
            "id_number",
            "出生日期早于1900年，请检查号码",
            "the birth date is before 1900; check the number",
        )
    age = age_on(birth, today)
    if age < MINIMUM_WORKING_AGE:
        raise InvalidIdentity(
            "id_number",
            f"未满{MINIMUM_WORKING_AGE}周岁，依法不得招用",
            f"under the minimum working age of {MINIMUM_WORKING_AGE}; the law forbids hiring them",
        )
    return IdentityInfo(
        id_type=id_type,
        number=number,
        birth_date=birth,
        age=age,
        minor=age < ADULT_AGE,
    )


def _hk_mo_travel_permit(number: str) -> IdentityInfo:
    match = _HK_MO_PERMIT.fullmatch(number)
    if match is None:
        raise InvalidIdentity(
            "id_number",
            "港澳居民来往内地通行证号码应为H或M加8位数字",
            "a Hong Kong/Macao home return permit number is H or M followed by 8 digits",
        )
    lifelong = match.group("life") or match.group("foreign")
    return IdentityInfo(
        id_type="hk_mo_travel_permit", number=lifelong, birth_date=None, age=None, minor=False
    )


def _tw_travel_permit(number: str) -> IdentityInfo:
    match = _TW_PERMIT.fullmatch(number)
    if match is None:
        raise InvalidIdentity(
            "id_number",
            "台湾居民来往大陆通行证号码应为8位数字",
            "a Taiwan compatriot permit number has 8 digits",
        )
    return IdentityInfo(
        id_type="tw_travel_permit",
        number=match.group("life"),
        birth_date=None,
        age=None,
        minor=False,
    )
