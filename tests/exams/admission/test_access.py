"""Exam access checks: one test per branch."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import Role
from exams.practical.access import can_score_at, examiner_site_ids, is_examiner
from tests.factories import ExamSiteFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_anonymous_is_nothing():
    site = ExamSiteFactory()

    assert is_examiner(AnonymousUser()) is False
    assert can_score_at(AnonymousUser(), site) is False
    assert examiner_site_ids(AnonymousUser()) == []


def test_examiner_at_the_site_may_score_there_only():
    site, other = ExamSiteFactory(), ExamSiteFactory()
    examiner = MembershipFactory(organisation=site, role=Role.EXAMINER).user

    assert is_examiner(examiner) is True
    assert can_score_at(examiner, site) is True
    assert can_score_at(examiner, other) is False
    assert examiner_site_ids(examiner) == [site.pk]


def test_other_roles_at_the_site_may_not_score():
    site = ExamSiteFactory()
    trainer = MembershipFactory(organisation=site, role=Role.TRAINER).user

    assert is_examiner(trainer) is False
    assert can_score_at(trainer, site) is False


def test_inactive_examiner_may_not_score():
    site = ExamSiteFactory()
    examiner = MembershipFactory(organisation=site, role=Role.EXAMINER, user=UserFactory(is_active=False)).user

    assert can_score_at(examiner, site) is False


def test_examiner_of_an_inactive_site_may_not_score():
    site = ExamSiteFactory(is_active=False)
    examiner = MembershipFactory(organisation=site, role=Role.EXAMINER).user

    assert can_score_at(examiner, site) is False


def test_superuser_may_score_anywhere():
    admin = UserFactory(is_superuser=True)

    assert is_examiner(admin) is True
    assert can_score_at(admin, ExamSiteFactory()) is True
