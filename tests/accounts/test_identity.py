"""ID-number rules and masking: pure functions, no database."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.identity import (
    IdNumber,
    InvalidIdNumber,
    age_on,
    check_character,
    mask_id_number,
    mask_name,
    mask_phone,
    normalize_id_number,
    parse_id_number,
)


def test_parse_id_number_reads_birth_date_sex_and_region():
    # given the worked example of GB 11643 (check character X)
    raw = "11010519491231002X"

    # when
    parsed = parse_id_number(raw)

    # then
    assert parsed == IdNumber(
        value="11010519491231002X", birth_date=dt.date(1949, 12, 31), sex="F", region_code="110105"
    )


def test_parse_id_number_odd_sequence_digit_is_male():
    # given a valid number whose 17th digit is odd
    first17 = "44030819900307123"
    raw = first17 + check_character(first17)

    # when
    parsed = parse_id_number(raw)

    # then
    assert raw == "440308199003071235"
    assert parsed.sex == "M"
    assert parsed.birth_date == dt.date(1990, 3, 7)


def test_parse_id_number_accepts_lower_case_x_and_spaces():
    # given a number typed with a lower-case x and spaces
    raw = " 110105 19491231 002x "

    # when
    parsed = parse_id_number(raw)

    # then
    assert parsed.value == "11010519491231002X"


def test_check_character_can_be_x():
    assert check_character("11010519491231002") == "X"


def test_normalize_id_number_handles_none_like_input():
    assert normalize_id_number("") == ""
    assert normalize_id_number(" 11010519491231002x") == "11010519491231002X"


@pytest.mark.parametrize(
    "raw",
    [
        "110105194912310021",  # check character should be X
        "440308199003071234",  # last digit off by one
    ],
)
def test_parse_id_number_rejects_wrong_check_character(raw):
    with pytest.raises(InvalidIdNumber) as excinfo:
        parse_id_number(raw)
    assert str(excinfo.value) == "checksum"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "1101051949123100",
        "1101051949123100211",
        "11010519491231002XX",
        "11010519491231002Y",
        "X10105194912310021",
        "ABCDEFGHIJKLMNOPQR",
    ],
)
def test_parse_id_number_rejects_bad_format(raw):
    with pytest.raises(InvalidIdNumber) as excinfo:
        parse_id_number(raw)
    assert str(excinfo.value) == "format"


@pytest.mark.parametrize(
    "birth",
    [
        "19900230",  # 30 February
        "19901301",  # month 13
        "19900000",  # day and month 0
        "20230229",  # not a leap year
        "18991231",  # before 1900
    ],
)
def test_parse_id_number_rejects_bad_birth_dates(birth):
    # given a number whose check character is right but whose date is not a date
    first17 = f"110101{birth}123"
    raw = first17 + check_character(first17)

    # when / then
    with pytest.raises(InvalidIdNumber) as excinfo:
        parse_id_number(raw)
    assert str(excinfo.value) == "birth_date"


def test_parse_id_number_accepts_29_february_of_a_leap_year():
    first17 = "11010120000229001"
    parsed = parse_id_number(first17 + check_character(first17))
    assert parsed.birth_date == dt.date(2000, 2, 29)


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (dt.date(2026, 5, 16), 17),  # the day before the 18th birthday
        (dt.date(2026, 5, 17), 18),  # the birthday itself counts
        (dt.date(2026, 5, 18), 18),
        (dt.date(2027, 5, 16), 18),
        (dt.date(2008, 5, 17), 0),
    ],
)
def test_age_on_around_a_birthday(on, expected):
    assert age_on(dt.date(2008, 5, 17), on) == expected


def test_age_on_for_a_leap_day_birthday():
    birth = dt.date(2008, 2, 29)
    assert age_on(birth, dt.date(2026, 2, 28)) == 17
    assert age_on(birth, dt.date(2026, 3, 1)) == 18
    assert age_on(birth, dt.date(2028, 2, 29)) == 20


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("张三", "张*"),
        ("李小龙", "李**"),
        ("欧阳娜娜", "欧阳**"),
        ("司马相如", "司马**"),
        ("王", "*"),
        (" 张三 ", "张*"),
        ("Li Lei", "L* L**"),
        ("", ""),
    ],
)
def test_mask_name(name, expected):
    assert mask_name(name) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("11010519491231002X", "110***********002X"),
        ("440308199003071235", "440***********1235"),
        ("1234567", "*******"),
        ("", ""),
    ],
)
def test_mask_id_number(value, expected):
    assert mask_id_number(value) == expected


def test_mask_id_number_never_reveals_birth_date():
    masked = mask_id_number("440308199003071235")
    assert "19900307" not in masked
    assert len(masked) == 18


@pytest.mark.parametrize(
    ("phone", "expected"),
    [("13912345678", "139****5678"), ("", ""), ("12345", "*****")],
)
def test_mask_phone(phone, expected):
    assert mask_phone(phone) == expected
