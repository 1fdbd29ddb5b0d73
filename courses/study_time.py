"""How a heartbeat turns into credited study time: pure rules, no database.

Study hours are counted from the server's clock between heartbeats, never from what
the browser claims. A heartbeat only proves the learner was on the lesson since the
previous one if that one was recent; a longer silence means they were away.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

#: A gap longer than this between two heartbeats on a lesson credits nothing.
HEARTBEAT_MAX_GAP = dt.timedelta(seconds=60)
#: At most this much study time is credited to one learner per local day.
DAILY_CAP_SECONDS = 8 * 60 * 60

_POSITION_MAX_KEYS = 8
_POSITION_MAX_KEY_LENGTH = 32


@dataclass(frozen=True)
class Credit:
    """What one heartbeat earns, and where the clocks stand afterwards."""

    seconds: int
    #: The lesson's new ``last_heartbeat_at``.
    clock: dt.datetime
    #: The learner's new ``StudyDay.credited_until``.
    credited_until: dt.datetime | None


def credit_heartbeat(
    *,
    previous: dt.datetime | None,
    now: dt.datetime,
    credited_until: dt.datetime | None,
    lesson_remaining: int,
    day_remaining: int,
) -> Credit:
    """Credit the whole seconds since ``previous`` (the lesson's last heartbeat).

    The first heartbeat, or one after a gap longer than ``HEARTBEAT_MAX_GAP``, only
    (re)starts the clock. Fractions of a second are carried to the next heartbeat by
    advancing the clock by whole seconds only. Time already credited to another lesson
    (up to ``credited_until``) is not credited again. The result never exceeds what
    is left on the lesson or on the day.
    """
    if previous is None or now - previous > HEARTBEAT_MAX_GAP:
        return Credit(seconds=0, clock=now, credited_until=credited_until)
    if now <= previous:
        # A duplicate or out-of-order heartbeat: the clock never runs backwards.
        return Credit(seconds=0, clock=previous, credited_until=credited_until)
    start = max(previous, credited_until) if credited_until is not None else previous
    whole = max(0, math.floor((now - start).total_seconds()))
    seconds = max(0, min(whole, lesson_remaining, day_remaining))
    clock = max(previous, min(start + dt.timedelta(seconds=whole), now))
    if seconds:
        credited_until = start + dt.timedelta(seconds=seconds)
    return Credit(seconds=seconds, clock=clock, credited_until=credited_until)


def clean_position(position: Any) -> dict[str, float] | None:
    """A resume position such as ``{"scroll": 0.42}`` or ``{"video": 123.4}``.

    Only a few short keys with finite numbers are kept: it is stored per learner and
    lesson, so the browser must not be able to store anything else in it.
    """
    if position is None:
        return None
    message = _("学习位置格式不正确。")
    if not isinstance(position, dict) or len(position) > _POSITION_MAX_KEYS:
        raise ValidationError(message, code="invalid_position")
    cleaned: dict[str, float] = {}
    for key, value in position.items():
        if not isinstance(key, str) or not 0 < len(key) <= _POSITION_MAX_KEY_LENGTH:
            raise ValidationError(message, code="invalid_position")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValidationError(message, code="invalid_position")
        cleaned[key] = value
    return cleaned
