"""Roles and organisations: the permission checks other apps rely on, one test per branch."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import Organisation, Role
from accounts.selectors import has_role, organisations_of, roles_of
from tests.factories import AuthorityFactory, ExamSiteFactory, MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_roles_of_lists_each_role_once():
    # given an examiner at two sites who also trains at an organisation
    user = UserFactory()
    MembershipFactory(user=user, organisation=ExamSiteFactory(), role=Role.EXAMINER)
    MembershipFactory(user=user, organisation=ExamSiteFactory(), role=Role.EXAMINER)
    MembershipFactory(user=user, organisation=OrganisationFactory(), role=Role.TRAINER)

    # when / then
    assert roles_of(user) == {"examiner", "trainer"}


def test_roles_of_runs_one_query(django_assert_num_queries):
    user = UserFactory()
    MembershipFactory(user=user, role=Role.TRAINER)
    with django_assert_num_queries(1):
        roles_of(user)


def test_roles_of_ignores_inactive_organisations():
    user = UserFactory()
    MembershipFactory(user=user, organisation=OrganisationFactory(is_active=False), role=Role.TRAINER)
    assert roles_of(user) == set()


def test_roles_of_anonymous_and_inactive_users_is_empty():
    inactive = UserFactory(is_active=False)
    MembershipFactory(user=inactive, role=Role.TRAINER)
    assert roles_of(AnonymousUser()) == set()
    assert roles_of(None) == set()
    assert roles_of(inactive) == set()


def test_roles_of_a_superuser_without_membership_is_empty():
    assert roles_of(UserFactory(is_superuser=True)) == set()


def test_organisations_of_returns_the_active_organisations_for_a_role():
    # given
    user = UserFactory()
    site_a = ExamSiteFactory(name="甲考点")
    site_b = ExamSiteFactory(name="乙考点")
    closed = ExamSiteFactory(name="停用考点", is_active=False)
    trainer_org = OrganisationFactory()
    for site in (site_a, site_b, closed):
        MembershipFactory(user=user, organisation=site, role=Role.EXAMINER)
    MembershipFactory(user=user, organisation=trainer_org, role=Role.TRAINER)
    MembershipFactory(user=UserFactory(), organisation=ExamSiteFactory(), role=Role.EXAMINER)

    # when
    sites = organisations_of(user, role=Role.EXAMINER)

    # then
    assert sorted(sites.values_list("name", flat=True)) == ["乙考点", "甲考点"]
    assert list(organisations_of(user, role=Role.TRAINER)) == [trainer_org]
    assert list(organisations_of(user, role=Role.REGULATOR)) == []


def test_organisations_of_anonymous_is_empty():
    assert list(organisations_of(AnonymousUser(), role=Role.EXAMINER)) == []


def test_organisations_of_is_a_queryset_that_can_be_filtered_further():
    user = UserFactory()
    MembershipFactory(user=user, organisation=AuthorityFactory(region="北京市"), role=Role.REGULATOR)
    MembershipFactory(user=user, organisation=AuthorityFactory(region="上海市"), role=Role.REGULATOR)
    result = organisations_of(user, role=Role.REGULATOR).filter(kind=Organisation.Kind.AUTHORITY, region="上海市")
    assert [org.region for org in result] == ["上海市"]


def test_has_role_anywhere():
    user = UserFactory()
    MembershipFactory(user=user, organisation=ExamSiteFactory(), role=Role.EXAMINER)
    assert has_role(user, Role.EXAMINER) is True
    assert has_role(user, Role.REGULATOR) is False


def test_has_role_at_a_given_organisation():
    # given an examiner at one site
    user = UserFactory()
    site = ExamSiteFactory()
    other_site = ExamSiteFactory()
    MembershipFactory(user=user, organisation=site, role=Role.EXAMINER)

    # when / then
    assert has_role(user, Role.EXAMINER, organisation=site) is True
    assert has_role(user, Role.EXAMINER, organisation=other_site) is False
    assert has_role(user, Role.TRAINER, organisation=site) is False


def test_has_role_is_false_at_an_inactive_organisation():
    user = UserFactory()
    site = ExamSiteFactory(is_active=False)
    MembershipFactory(user=user, organisation=site, role=Role.EXAMINER)
    assert has_role(user, Role.EXAMINER, organisation=site) is False


def test_has_role_is_false_for_anonymous_inactive_and_bare_superusers():
    site = ExamSiteFactory()
    inactive = UserFactory(is_active=False)
    MembershipFactory(user=inactive, organisation=site, role=Role.EXAMINER)
    assert has_role(AnonymousUser(), Role.EXAMINER) is False
    assert has_role(inactive, Role.EXAMINER, organisation=site) is False
    assert has_role(UserFactory(is_superuser=True), Role.EXAMINER, organisation=site) is False
