import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from courses.study_time import HEARTBEAT_MAX_GAP, Credit, clean_position, credit_heartbeat

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def credit(previous, now, credited_until=None, lesson_remaining=3600, day_remaining=3600) -> Credit:
    return credit_heartbeat(
        previous=previous,
        now=now,
        credited_until=credited_until,
        lesson_remaining=lesson_remaining,
        day_remaining=day_remaining,
    )


def test_first_heartbeat_starts_the_clock():
    assert credit(None, T0) == Credit(seconds=0, clock=T0, credited_until=None)


def test_elapsed_whole_seconds_are_credited():
    assert credit(T0, at(30)) == Credit(seconds=30, clock=at(30), credited_until=at(30))


def test_the_max_gap_itself_is_credited():
    assert HEARTBEAT_MAX_GAP == dt.timedelta(seconds=60)
    assert credit(T0, at(60)) == Credit(seconds=60, clock=at(60), credited_until=at(60))


def test_a_longer_gap_credits_nothing_and_restarts_the_clock():
    assert credit(T0, at(61)) == Credit(seconds=0, clock=at(61), credited_until=None)


def test_fractions_of_a_second_carry_to_the_next_heartbeat():
    first = credit(T0, at(30.6))
    second = credit(first.clock, at(61.2), credited_until=first.credited_until)

    assert (first.seconds, first.clock) == (30, at(30))
    assert (second.seconds, second.clock) == (31, at(61))


def test_a_duplicate_or_earlier_heartbeat_credits_nothing_and_keeps_the_clock():
    assert credit(at(30), at(30)) == Credit(seconds=0, clock=at(30), credited_until=None)
    assert credit(at(30), at(10)) == Credit(seconds=0, clock=at(30), credited_until=None)


def test_time_already_credited_to_another_lesson_is_not_credited_again():
    assert credit(T0, at(30), credited_until=at(20)) == Credit(seconds=10, clock=at(30), credited_until=at(30))
    assert credit(T0, at(30), credited_until=at(30)) == Credit(seconds=0, clock=at(30), credited_until=at(30))


def test_credit_is_capped_by_what_is_left_on_the_lesson_and_the_day():
    assert credit(T0, at(30), lesson_remaining=12) == Credit(seconds=12, clock=at(30), credited_until=at(12))
    assert credit(T0, at(30), day_remaining=5) == Credit(seconds=5, clock=at(30), credited_until=at(5))
    assert credit(T0, at(30), lesson_remaining=0) == Credit(seconds=0, clock=at(30), credited_until=None)


def test_position_keeps_short_keys_with_finite_numbers():
    assert clean_position({"scroll": 0.42, "video": 123}) == {"scroll": 0.42, "video": 123}
    assert clean_position(None) is None


@pytest.mark.parametrize(
    "position",
    [[0.4], "0.4", {"scroll": "0.4"}, {"scroll": True}, {"scroll": float("nan")}, {"k" * 33: 1}, {"": 1}]
    + [{f"k{n}": n for n in range(9)}],
)
def test_position_refuses_anything_else(position):
    with pytest.raises(ValidationError) as excinfo:
        clean_position(position)

    assert excinfo.value.messages == ["学习位置格式不正确。"]
