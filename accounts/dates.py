"""Calendar arithmetic for rules that count in months and years.

Validity, review dates, exam bans, retirement ages and the life of a passed exam part
are all "the same day N months (or years) later". When that day does not exist, the
date falls back to the last day of the target month: 31 January plus one month is 28
(or 29) February, and 29 February plus one year is 28 February. A later day would hand
a period a day or more beyond the one the regulation grants, so the period ends early,
never late; and adding a year always equals adding twelve months.

Pure functions, no database. Datetimes keep their wall-clock time and time zone.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import TypeVar

#: A date, or a datetime (a subclass): what goes in comes back out.
Day = TypeVar("Day", bound=dt.date)


def add_months(day: Day, months: int) -> Day:
    """The same day ``months`` calendar months later (earlier when negative); the day of
    the month is clamped to the target month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: Day, years: int) -> Day:
    """The same calendar day ``years`` later (earlier when negative); 29 February falls
    back to the 28th in a year that has none."""
    return add_months(day, years * 12)


def months_before(moment: Day, months: int) -> Day:
    """The same wall-clock moment ``months`` calendar months earlier (day clamped)."""
    return add_months(moment, -months)


def day_bounds(day: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The aware start of ``day`` in ``tz`` and of the day after: a day's half-open range."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
