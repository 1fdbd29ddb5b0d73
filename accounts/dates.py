"""Calendar arithmetic that the rules share: certificates, bans and eligibility count in
years and months, not in days.

Pure functions, no database. A day that the target month lacks is clamped to its last
day (31 March + 1 month is 30 April; 29 February + 1 year is 28 February), the
reading the authorities use for validity periods.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import TypeVar

_Day = TypeVar("_Day", dt.date, dt.datetime)


def add_months(day: _Day, months: int) -> _Day:
    """The same day of the month ``months`` later (earlier when negative), clamped."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: _Day, years: int) -> _Day:
    """The same calendar day ``years`` later; 29 February falls back to the 28th."""
    return add_months(day, 12 * years)


def months_before(moment: _Day, months: int) -> _Day:
    """The same wall-clock moment ``months`` calendar months earlier (day clamped)."""
    return add_months(moment, -months)


def day_bounds(day: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The aware start of ``day`` in ``tz`` and of the day after: a day's half-open range."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
