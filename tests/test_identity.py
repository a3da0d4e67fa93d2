"""Identity document validation, credit codes and masking."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from gigstation.people.identity import (
    IdentityInfo,
    InvalidIdentity,
    age_facts,
    age_on,
    mask,
    validate_credit_code,
    validate_identity,
)

TODAY = date(2026, 11, 23)

# Check digits are computed here from the published algorithms, independently of the
# code under test, so a shared mistake cannot make both sides agree.
_RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
# fmt: off
PROVINCES = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71",
]
# fmt: on


def ric_number(body17: str) -> str:
    total = sum(int(d) * w for d, w in zip(body17, _RIC_WEIGHTS, strict=True))
    return body17 + "10X98765432"[total % 11]


def resident_id(area: str, birth: date, sequence: int = 1) -> str:
    return ric_number(f"{area}{birth:%Y%m%d}{sequence:03d}")


def credit_code(body17: str) -> str:
    total = sum(_CREDIT_ALPHABET.index(c) * w for c, w in zip(body17, _CREDIT_WEIGHTS, strict=True))
    return body17 + _CREDIT_ALPHABET[-total % 31]


def birthday(years_ago: int, today: date = TODAY) -> date:
    return today.replace(year=today.year - years_ago)


def assert_bilingual(error: InvalidIdentity, field: str) -> None:
    assert error.field == field
    assert error.reason_zh and error.reason_en
    assert error.reason_zh != error.reason_en
    assert any("\u4e00" <= c <= "\u9fff" for c in error.reason_zh)
    assert error.reason_en.isascii()


# --- resident ID -----------------------------------------------------------------

areas = st.builds(
    lambda province, rest: province + rest,
    st.sampled_from(PROVINCES),
    st.integers(0, 9999).map(lambda n: f"{n:04d}"),
)
working_age_births = st.dates(min_value=date(1900, 1, 1), max_value=birthday(16))


@given(area=areas, birth=working_age_births, sequence=st.integers(0, 999))
def test_resident_id_with_correct_check_digit_round_trips(
    area: str, birth: date, sequence: int
) -> None:
    number = resident_id(area, birth, sequence)
    info = validate_identity("resident_id", number, TODAY)
    assert info.number == number
    assert info.birth_date == birth
    assert info.age == age_on(birth, TODAY)
    assert info.minor == (info.age < 18)


@given(
    area=areas,
    birth=working_age_births,
    sequence=st.integers(0, 999),
    position=st.integers(0, 17),
    data=st.data(),
)
def test_any_single_substitution_is_rejected(
    area: str, birth: date, sequence: int, position: int, data: st.DataObject
) -> None:
    number = resident_id(area, birth, sequence)
    allowed = "0123456789X" if position == 17 else "0123456789"
    replacement = data.draw(st.sampled_from([c for c in allowed if c != number[position]]))
    altered = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(InvalidIdentity) as caught:
        validate_identity("resident_id", altered, TODAY)
    assert caught.value.field == "id_number"


def test_qingpu_county_number_for_someone_born_1975_is_accepted() -> None:
    # 310229 was Qingpu County from 1982 until it became a district in 1999; people
    # born there before 1982 were numbered with it all the same.
    number = resident_id("310229", date(1975, 3, 14), 21)
    assert not ric.is_valid(number)  # the stdnum behaviour this module works around
    info = validate_identity("resident_id", number, TODAY)
    assert info.birth_date == date(1975, 3, 14)
    assert info.age == 51
    assert info.minor is False


def test_stdnum_documented_example_is_accepted() -> None:
    info = validate_identity("resident_id", "360426199101010071", TODAY)
    assert info.birth_date == date(1991, 1, 1)


def test_number_is_normalised_upper_case_and_stripped() -> None:
    number = ric_number("11010519491231002")
    assert number.endswith("X")
    typed = "  " + number[:6] + " " + number[6:-1] + number[-1].lower() + "\n"
    assert validate_identity("resident_id", typed, TODAY).number == number


def test_full_width_digits_from_chinese_input_methods_are_accepted() -> None:
    number = resident_id("440106", date(1990, 6, 1))
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number)
    assert validate_identity("resident_id", full_width, TODAY).number == number


def test_under_sixteen_is_refused_naming_the_minimum_age() -> None:
    number = resident_id("310101", birthday(15))
    with pytest.raises(InvalidIdentity) as caught:
        validate_identity("resident_id", number, TODAY)
    assert_bilingual(caught.value, "id_number")
    assert "16" in caught.value.reason_zh
    assert "16" in caught.value.reason_en


@pytest.mark.parametrize(("years", "minor"), [(16, True), (17, True), (18, False), (60, False)])
def test_sixteen_and_seventeen_are_minors(years: int, minor: bool) -> None:
    birth = birthday(years) - timedelta(days=100)
    info = validate_identity("resident_id", resident_id("320102", birth), TODAY)
    assert info.age == years
    assert info.minor is minor


def test_sixteenth_birthday_is_the_first_day_of_working_age() -> None:
    birth = date(2010, 11, 23)
    number = resident_id("510104", birth)
    with pytest.raises(InvalidIdentity):
        validate_identity("resident_id", number, date(2026, 11, 22))
    info = validate_identity("resident_id", number, date(2026, 11, 23))
    assert (info.age, info.minor) == (16, True)


def test_eighteenth_birthday_ends_minority() -> None:
    number = resident_id("510104", date(2008, 11, 23))
    assert validate_identity("resident_id", number, date(2026, 11, 22)).minor is True
    assert validate_identity("resident_id", number, date(2026, 11, 23)).minor is False


def test_29_february_birthday_is_reached_on_1_march_in_common_years() -> None:
    birth = date(2008, 2, 29)
    number = resident_id("420102", birth)
    # 2024 is a leap year: the 16th birthday falls on 29 February itself.
    with pytest.raises(InvalidIdentity):
        validate_identity("resident_id", number, date(2024, 2, 28))
    assert validate_identity("resident_id", number, date(2024, 2, 29)).age == 16
    # 2026 is a common year: 18 is reached on 1 March, not on 28 February.
    assert validate_identity("resident_id", number, date(2026, 2, 28)).minor is True
    info = validate_identity("resident_id", number, date(2026, 3, 1))
    assert (info.age, info.minor, info.birth_date) == (18, False, birth)


def test_age_on() -> None:
    assert age_on(date(1990, 5, 10), date(2026, 5, 9)) == 35
    assert age_on(date(1990, 5, 10), date(2026, 5, 10)) == 36
    assert age_on(date(2000, 2, 29), date(2001, 2, 28)) == 0
    assert age_on(date(2000, 2, 29), date(2001, 3, 1)) == 1
    assert age_on(TODAY, TODAY) == 0


def test_future_birth_date_is_refused() -> None:
    number = resident_id("310101", TODAY + timedelta(days=1))
    with pytest.raises(InvalidIdentity) as caught:
        validate_identity("resident_id", number, TODAY)
    assert_bilingual(caught.value, "id_number")
    assert "future" in caught.value.reason_en


@pytest.mark.parametrize("birth_digits", ["20230230", "19991301", "19990100", "00000101"])
def test_impossible_birth_date_is_refused(birth_digits: str) -> None:
    number = ric_number(f"310101{birth_digits}001")
    with pytest.raises(InvalidIdentity) as caught:
        validate_identity("resident_id", number, TODAY)
    assert_bilingual(caught.value, "id_number")
    assert "birth date" in caught.value.reason_en


def test_birth_before_1900_is_refused() -> None:
    with pytest.raises(InvalidIdentity, match="1900"):
        validate_identity("resident_id", resident_id("310101", date(1899, 12, 31)), TODAY)


@pytest.mark.parametrize(
    ("number", "reason_en"),
    [
        ("31010119900101001", "18 characters"),
        ("3101011990010100123", "18 characters"),
        ("", "empty"),
        ("31010119900101001A", "digits"),
        ("3101011990X101001X", "digits"),
        ("31010119900101-011", "digits"),
        ("310101900101001", "15-digit"),
    ],
)
def test_wrong_length_or_characters_are_refused(number: str, reason_en: str) -> None:
    with pytest.raises(InvalidIdentity) as caught:
        validate_identity("resident_id", number, TODAY)
    assert_bilingual(caught.value, "id_number")
    assert reason_en in caught.value.reason_en


def test_wrong_check_digit_is_refused_bilingually() -> None:
    number = resident_id("310101", date(1990, 1, 1))
    wrong = number[:-1] + ("1" if number[-1] != "1" else "2")
    with pytest.raises(InvalidIdentity) as caught:
        validate_identity("resident_id", wrong, TODAY)
    assert_bilingual(caught.value, "id_number")
    assert caught.value.reason_zh == "校验位错误"
    assert "check digit" in caught.value.reason_en
    # The message may be logged, so it must not carry the number.
    assert wrong not in str(caught.value)


@pytest.mark.parametrize("area", ["000000", "100000", "160101", "990101", "720000", "910101"])
def test_area_outside_any_province_is_refused(area: str) -> None:
    with pytest.raises(InvalidIdentity, match="province"):
        validate_identity("resident_id", resident_id(area, date(1990, 1, 1)), TODAY)


def test_residence_permit_number_under_resident_id_points_to_the_right_type() -> None:
    with pytest.raises(InvalidIdentity, match="residence permit"):
        validate_identity("resident_id", resident_id("810000", date(1990, 1, 1)), TODAY)


def test_unknown_id_type_is_refused() -> None:
    with pytest.raises(InvalidIdentity) as caught:
        validate_identity("passport", "E12345678", TODAY)  # type: ignore[arg-type]
    assert_bilingual(caught.value, "id_type")


def test_repr_masks_the_number() -> None:
    number = resident_id("310101", date(1990, 7, 15))
    info = validate_identity("resident_id", number, TODAY)
    assert number not in repr(info)
    assert "19900715" not in repr(info)
    assert "1990" not in repr(info)


def test_identity_info_is_frozen() -> None:
    info = validate_identity("resident_id", resident_id("310101", date(1990, 1, 1)), TODAY)
    with pytest.raises(AttributeError):
        info.age = 1  # type: ignore[misc]


# --- residence permits and social security -------------------------------------


@pytest.mark.parametrize("prefix", ["810000", "820000", "830000"])
def test_residence_permits_are_accepted(prefix: str) -> None:
    number = resident_id(prefix, date(1988, 8, 8), 123)
    info = validate_identity("hk_mo_tw_residence_permit", number, TODAY)
    assert info == IdentityInfo(
        id_type="hk_mo_tw_residence_permit",
        number=number,
        birth_date=date(1988, 8, 8),
        age=38,
        minor=False,
    )


@given(
    prefix=st.sampled_from(["810000", "820000", "830000"]),
    birth=working_age_births,
    sequence=st.integers(0, 999),
)
def test_residence_permit_round_trip(prefix: str, birth: date, sequence: int) -> None:
    info = validate_identity(
        "hk_mo_tw_residence_permit", resident_id(prefix, birth, sequence), TODAY
    )
    assert info.birth_date == birth


@pytest.mark.parametrize("prefix", ["310101", "810001", "840000", "810100", "710000"])
def test_other_prefixes_are_not_residence_permits(prefix: str) -> None:
    with pytest.raises(InvalidIdentity) as caught:
        validate_identity("hk_mo_tw_residence_permit", resident_id(prefix, date(1988, 8, 8)), TODAY)
    assert_bilingual(caught.value, "id_number")
    assert "810000" in caught.value.reason_en


def test_residence_permit_applies_the_age_rules() -> None:
    with pytest.raises(InvalidIdentity, match="16"):
        validate_identity("hk_mo_tw_residence_permit", resident_id("820000", birthday(14)), TODAY)
    young = validate_identity(
        "hk_mo_tw_residence_permit", resident_id("820000", birthday(17)), TODAY
    )
    assert young.minor is True


@pytest.mark.parametrize("area", ["310229", "810000"])
def test_social_security_number_is_the_identity_number(area: str) -> None:
    number = resident_id(area, date(1979, 4, 1))
    info = validate_identity("social_security_card", number, TODAY)
    assert (info.id_type, info.number, info.birth_date) == (
        "social_security_card",
        number,
        date(1979, 4, 1),
    )


def test_social_security_card_serial_is_refused() -> None:
    with pytest.raises(InvalidIdentity, match="18 characters"):
        validate_identity("social_security_card", "A12345678", TODAY)


def test_social_security_applies_the_age_rules() -> None:
    with pytest.raises(InvalidIdentity, match="16"):
        validate_identity("social_security_card", resident_id("310101", birthday(12)), TODAY)


# --- travel permits --------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("H12345678", "H12345678"),
        ("m87654321", "M87654321"),
        ("H1234567803", "H12345678"),  # booklet-era form: lifelong number + renewals
        ("M 1234 5678 00", "M12345678"),
        ("HA1234567", "HA1234567"),  # non-Chinese permanent residents (2024)
    ],
)
def test_hk_mo_travel_permit_accepted(typed: str, number: str) -> None:
    info = validate_identity("hk_mo_travel_permit", typed, TODAY)
    assert info == IdentityInfo(
        id_type="hk_mo_travel_permit", number=number, birth_date=None, age=None, minor=False
    )


@pytest.mark.parametrize(
    "typed",
    [
        "H1234567",
        "H123456789",
        "H123456789012",
        "X12345678",
        "12345678",
        "HH1234567",
        "H1234567A",
        "HA12345678",
    ],
)
def test_hk_mo_travel_permit_refused(typed: str) -> None:
    with pytest.raises(InvalidIdentity) as caught:
        validate_identity("hk_mo_travel_permit", typed, TODAY)
    assert_bilingual(caught.value, "id_number")


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("12345678", "12345678"),
        ("0561682001", "05616820"),  # 2006-2008 form: lifelong number + issue count
        ("0561682001(D)", "05616820"),  # 1992-2008 form with issuing-office code
        ("0561682001（b）", "05616820"),  # full-width brackets from a Chinese IME
    ],
)
def test_tw_travel_permit_accepted(typed: str, number: str) -> None:
    info = validate_identity("tw_travel_permit", typed, TODAY)
    assert (info.number, info.birth_date, info.age, info.minor) == (number, None, None, False)


@pytest.mark.parametrize(
    "typed", ["1234567", "123456789", "12345678901", "A1234567", "0561682001()", "12345678(D)"]
)
def test_tw_travel_permit_refused(typed: str) -> None:
    with pytest.raises(InvalidIdentity) as caught:
        validate_identity("tw_travel_permit", typed, TODAY)
    assert_bilingual(caught.value, "id_number")


# --- unified social credit codes -------------------------------------------------


def test_published_example_credit_code_is_accepted() -> None:
    assert validate_credit_code("91110000600037341L") == "91110000600037341L"


def test_shanghai_enterprise_credit_code_is_accepted() -> None:
    code = credit_code("91310000MA1FL4TD3")
    assert code.startswith("9131")
    assert validate_credit_code(code.lower()) == code
    assert validate_credit_code(f" {code[:8]} {code[8:]} ") == code


@pytest.mark.parametrize(
    "body", ["N2310101MF1234567", "Y1310115MJ0000012", "52310000501777123", "A1110000MB0012345"]
)
def test_letter_led_and_other_authority_codes_are_accepted(body: str) -> None:
    code = credit_code(body)
    assert validate_credit_code(code) == code


def test_stdnum_alone_would_refuse_agricultural_collectives() -> None:
    code = credit_code("N2310101MF1234567")
    assert not uscc.is_valid(code)
    assert validate_credit_code(code) == code


def test_wrong_credit_code_check_digit_is_refused() -> None:
    code = credit_code("91310000MA1FL4TD3")
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(InvalidIdentity) as caught:
        validate_credit_code(wrong)
    assert_bilingual(caught.value, "credit_code")
    assert "check digit" in caught.value.reason_en
    assert wrong not in str(caught.value)


@pytest.mark.parametrize(
    ("code", "reason_en"),
    [
        ("9131000060003734", "18 characters"),
        ("91310000I00037341L", "capital letters"),
        ("91310000600037341O", "capital letters"),
        ("01310000600037341L", "registration authority"),
        ("B1310000600037341L", "registration authority"),
        ("90310000600037341L", "entity type"),
    ],
)
def test_malformed_credit_codes_are_refused(code: str, reason_en: str) -> None:
    with pytest.raises(InvalidIdentity) as caught:
        validate_credit_code(code)
    assert_bilingual(caught.value, "credit_code")
    assert reason_en in caught.value.reason_en


credit_bodies = st.builds(
    lambda first, second, rest: first + second + rest,
    st.sampled_from("123456789ANY"),
    st.sampled_from(_CREDIT_ALPHABET[1:]),
    st.text(alphabet=_CREDIT_ALPHABET, min_size=15, max_size=15),
)


@given(body=credit_bodies)
def test_credit_code_round_trip_over_the_full_alphabet(body: str) -> None:
    code = credit_code(body)
    assert validate_credit_code(code) == code


@given(body=credit_bodies, position=st.integers(0, 17), data=st.data())
def test_single_substitution_in_credit_code_is_rejected(
    body: str, position: int, data: st.DataObject
) -> None:
    code = credit_code(body)
    replacement = data.draw(st.sampled_from([c for c in _CREDIT_ALPHABET if c != code[position]]))
    with pytest.raises(InvalidIdentity):
        validate_credit_code(code[:position] + replacement + code[position + 1 :])


# --- masking ---------------------------------------------------------------------


def test_mask_resident_id_shows_the_first_and_the_last_character_only() -> None:
    number = resident_id("310229", date(1975, 3, 14), 21)
    masked = mask(number)
    assert masked == number[0] + "*" * 16 + number[-1]
    assert "19750314" not in masked


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("", ""),
        ("7", "*"),
        ("12", "*2"),
        ("123", "**3"),
        ("1234", "1**4"),
        ("H12345678", "H*******8"),
        ("12345678", "1******8"),
        ("12345678901234", "1************4"),
    ],
)
def test_mask_short_numbers_hide_at_least_half(number: str, masked: str) -> None:
    assert mask(number) == masked


@given(st.text(max_size=40))
def test_mask_preserves_length_hides_half_and_is_idempotent(number: str) -> None:
    masked = mask(number)
    assert len(masked) == len(number)
    assert masked.count("*") * 2 >= len(number)
    assert mask(masked) == masked
    visible = [i for i, c in enumerate(masked) if c != "*"]
    assert all(masked[i] == number[i] for i in visible)
    assert len(visible) <= 2


# --- age facts (what is stored instead of the birth date) ---------------------------


@given(st.dates(date(1900, 1, 1), date(2012, 12, 31)), st.dates(date(2020, 1, 1), date(2040, 12, 31)))
def test_age_facts_are_years_and_never_early(birth: date, today: date) -> None:
    facts = age_facts(birth, today)
    if facts.adult_from is not None:
        assert (facts.adult_from.month, facts.adult_from.day) == (1, 1) and facts.adult_from > today
        assert age_on(birth, facts.adult_from) >= 18  # never an adult too early
        # At most a year late (the daily refresh applies the birthday itself).
        assert facts.adult_from - _plus_years(birth, 18) <= timedelta(days=366)
    else:
        assert age_on(birth, today) >= 18
    assert (facts.priority_age_from.month, facts.priority_age_from.day) == (1, 1)
    if facts.priority_age_from > today:
        assert age_on(birth, facts.priority_age_from) >= 50 and age_on(birth, today) < 50
    else:
        assert age_on(birth, today) >= 50 and facts.priority_age_from.year == _plus_years(birth, 50).year


@given(st.dates(date(1950, 1, 1), date(2010, 12, 31)), st.dates(date(1950, 1, 1), date(2010, 12, 31)),
       st.dates(date(2026, 1, 1), date(2030, 12, 31)))
def test_age_facts_tell_the_birth_year_and_the_outcome_only(birth: date, other: date, today: date) -> None:
    # Two people born in the same year for whom each rule gives the same answer today are
    # stored alike: a dump cannot tell their month or day of birth (issue 17).
    other = other.replace(year=birth.year) if (other.month, other.day) != (2, 29) else other.replace(day=28,
                                                                                                   year=birth.year)
    same_outcome = ((age_on(birth, today) >= 18) == (age_on(other, today) >= 18)
                    and (age_on(birth, today) >= 50) == (age_on(other, today) >= 50))
    if same_outcome:
        assert age_facts(other, today) == age_facts(birth, today)


def test_29_february_birthday_turns_adult_on_1_march() -> None:
    assert age_facts(date(2012, 2, 29), date(2029, 6, 1)).adult_from == date(2031, 1, 1)  # the year, no month
    assert age_facts(date(2012, 2, 29), date(2030, 2, 28)).adult_from is not None  # the daily refresh's answers
    assert age_facts(date(2012, 2, 29), date(2030, 3, 1)).adult_from is None


def _plus_years(birth: date, years: int) -> date:
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:  # 29 February in a common year
        return date(birth.year + years, 3, 1)
