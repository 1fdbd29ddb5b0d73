"""Practical selectors: the examiner's roster, scoped to their sites, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Role
from exams.admission.models import ExamKind
from exams.practical import selectors
from tests.factories import ExamSessionFactory, MembershipFactory, RegistrationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_practical_roster_is_the_days_registrations_at_the_examiners_sites(practical, django_assert_num_queries):
    # given: a registration at the same site tomorrow and one at another site today
    rubric = practical.session.rubric
    tomorrow = ExamSessionFactory(
        kind=ExamKind.PRACTICAL,
        rubric=rubric,
        site=practical.site,
        starts_at=timezone.now() + dt.timedelta(days=1),
        ends_at=timezone.now() + dt.timedelta(days=1, hours=2),
    )
    RegistrationFactory(session=tomorrow, operation_type=practical.operation_type)
    elsewhere = ExamSessionFactory(kind=ExamKind.PRACTICAL, rubric=rubric)
    RegistrationFactory(session=elsewhere, operation_type=practical.operation_type)

    # when / then: one query for the sites, one for the roster with everything it shows
    with django_assert_num_queries(2):
        roster = [
            (r.pk, r.candidate.real_name, r.session.site.name, getattr(r, "practical_result", None))
            for r in selectors.practical_roster(practical.examiner, timezone.localdate())
        ]
    assert [row[0] for row in roster] == [practical.registration.pk]


def test_practical_roster_for_a_superuser_covers_every_site(practical):
    admin = UserFactory(is_superuser=True)

    roster = selectors.practical_roster(admin, timezone.localdate())

    assert list(roster) == [practical.registration]


def test_practical_roster_ignores_memberships_in_other_roles(practical):
    clerk = MembershipFactory(organisation=practical.site, role=Role.TRAINER).user

    assert list(selectors.practical_roster(clerk, timezone.localdate())) == []
