"""Exam bans: imposed for a term (three years after revocation for fraud or an accident),
read by eligibility checks, never deleted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from accounts import selectors, services
from accounts.models import AuditEvent, ExamBan
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_impose_exam_ban_runs_three_years_and_is_audited():
    # given
    user = UserFactory()
    regulator = UserFactory()

    # when
    ban = services.impose_exam_ban(
        user=user, reason="fraud", starts_on=dt.date(2026, 3, 1), actor=regulator, source="certificates.certificate:7"
    )

    # then
    assert (ban.starts_on, ban.ends_on) == (dt.date(2026, 3, 1), dt.date(2029, 3, 1))
    event = AuditEvent.objects.get(action="accounts.exam_ban.imposed")
    assert (event.actor, event.object_id) == (regulator, str(ban.pk))
    assert event.data["until"] == "2029-03-01"


def test_impose_exam_ban_twice_for_one_source_returns_the_first():
    # given
    user = UserFactory()
    first = services.impose_exam_ban(user=user, reason="accident", starts_on=dt.date(2026, 1, 1), source="x:1")

    # when
    second = services.impose_exam_ban(user=user, reason="accident", starts_on=dt.date(2026, 6, 1), source="x:1")

    # then
    assert second.pk == first.pk
    assert ExamBan.objects.count() == 1


def test_impose_exam_ban_from_29_february_ends_on_28_february():
    ban = services.impose_exam_ban(user=UserFactory(), reason="other", starts_on=dt.date(2028, 2, 29))

    assert ban.ends_on == dt.date(2031, 2, 28)


def test_impose_exam_ban_refuses_an_unknown_reason_and_writes_nothing():
    with pytest.raises(ValidationError) as excinfo:
        services.impose_exam_ban(user=UserFactory(), reason="whim", starts_on=dt.date(2026, 1, 1))

    assert "reason" in excinfo.value.message_dict
    assert ExamBan.objects.count() == 0
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("on", "banned"),
    [
        (dt.date(2025, 12, 31), False),  # before it starts
        (dt.date(2026, 1, 1), True),  # first day
        (dt.date(2028, 12, 31), True),  # last day
        (dt.date(2029, 1, 1), False),  # the day it ends is free again
    ],
)
def test_active_exam_ban_covers_its_term_only(on, banned):
    # given
    user = UserFactory()
    services.impose_exam_ban(user=user, reason="fraud", starts_on=dt.date(2026, 1, 1))

    # then
    assert (selectors.active_exam_ban(user, on=on) is not None) is banned


def test_a_lifted_ban_no_longer_applies():
    # given
    user = UserFactory()
    ban = services.impose_exam_ban(user=user, reason="fraud", starts_on=dt.date(2026, 1, 1))
    ban.lifted_at = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    ban.save(update_fields=["lifted_at"])

    # then
    assert selectors.active_exam_ban(user, on=dt.date(2026, 6, 1)) is None
