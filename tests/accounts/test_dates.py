"""accounts.dates: calendar arithmetic, pure, no database."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from accounts.dates import add_months, add_years, months_before

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_add_years_keeps_the_calendar_day():
    # given an ordinary day / when years are added or taken away
    # then the month and day stay
    assert add_years(dt.date(2026, 3, 10), 6) == dt.date(2032, 3, 10)
    assert add_years(dt.date(2026, 3, 10), -3) == dt.date(2023, 3, 10)
    assert add_years(dt.date(2026, 3, 10), 0) == dt.date(2026, 3, 10)


def test_add_years_from_29_february_to_a_common_year_gives_28_february():
    # given a leap day
    leap_day = dt.date(2028, 2, 29)
    # when years are added that land in common years, then it falls back to the 28th
    assert add_years(leap_day, 1) == dt.date(2029, 2, 28)
    assert add_years(leap_day, 6) == dt.date(2034, 2, 28)
    assert add_years(leap_day, -3) == dt.date(2025, 2, 28)


def test_add_years_from_29_february_to_a_leap_year_keeps_29_february():
    # given a leap day / when whole leap cycles are added or taken away / then it stays
    assert add_years(dt.date(2028, 2, 29), 4) == dt.date(2032, 2, 29)
    assert add_years(dt.date(2028, 2, 29), -4) == dt.date(2024, 2, 29)


def test_add_years_across_a_century_that_is_not_a_leap_year():
    # given 29 February 2096 / when four years are added
    # then 2100 (divisible by 100, not by 400) has no 29 February
    assert add_years(dt.date(2096, 2, 29), 4) == dt.date(2100, 2, 28)
    assert add_years(dt.date(1996, 2, 29), 4) == dt.date(2000, 2, 29)


def test_add_months_clamps_to_the_end_of_the_month():
    # given the last day of long months / when months are added
    # then the day becomes the last day of a shorter target month
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2026, 3, 31), 1) == dt.date(2026, 4, 30)
    assert add_months(dt.date(2026, 8, 31), -2) == dt.date(2026, 6, 30)


def test_add_months_crosses_year_ends_both_ways():
    # given days near a year end / when months carry over / then the year changes with them
    assert add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)
    assert add_months(dt.date(2026, 1, 15), -1) == dt.date(2025, 12, 15)
    assert add_months(dt.date(2026, 12, 1), 12) == dt.date(2027, 12, 1)
    assert add_months(dt.date(1965, 1, 10), 721) == dt.date(2025, 2, 10)


def test_add_months_does_not_clamp_back_to_the_starting_day():
    # given 31 January / when one month and then one more are added
    # then the second step starts from 29 February: clamping is not undone
    assert add_months(add_months(dt.date(2024, 1, 31), 1), 1) == dt.date(2024, 3, 29)
    assert add_months(dt.date(2024, 1, 31), 2) == dt.date(2024, 3, 31)


def test_add_years_is_twelve_months():
    # given a leap day, a month end and an ordinary day / when / then both agree
    for day in (dt.date(2028, 2, 29), dt.date(2026, 1, 31), dt.date(2026, 7, 4)):
        assert add_years(day, 3) == add_months(day, 36)


def test_months_before_clamps_the_day_and_keeps_the_wall_clock_time():
    # given moments in Shanghai time
    # when months are counted back
    # then the day is clamped and the time and zone stay
    assert months_before(dt.datetime(2026, 3, 31, 9, 0, tzinfo=SHANGHAI), 1) == dt.datetime(
        2026, 2, 28, 9, 0, tzinfo=SHANGHAI
    )
    assert months_before(dt.datetime(2024, 2, 29, 23, 59, tzinfo=SHANGHAI), 12) == dt.datetime(
        2023, 2, 28, 23, 59, tzinfo=SHANGHAI
    )
    assert months_before(dt.datetime(2026, 5, 20, tzinfo=SHANGHAI), 12) == dt.datetime(2025, 5, 20, tzinfo=SHANGHAI)


def test_a_date_stays_a_date_and_a_datetime_stays_a_datetime():
    # given a date and a naive datetime / when months are moved / then the type is kept
    assert type(add_months(dt.date(2026, 1, 1), 1)) is dt.date
    assert type(months_before(dt.datetime(2026, 1, 1, 8, 30), 1)) is dt.datetime
    assert months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
