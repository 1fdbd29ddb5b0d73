"""The signed-in user is read with their roles in one query on PostgreSQL (accounts.backends),
and the MFA rule and every role check see the same roles as before."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.backends import ModelBackend, user_with_roles
from accounts.models import Role
from accounts.selectors import roles_of
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, lose_this_database_connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_the_user_comes_with_the_roles_of_active_organisations_only():
    user = UserFactory()
    MembershipFactory(user=user, role=Role.TRAINER)
    MembershipFactory(user=user, role=Role.EXAMINER)
    MembershipFactory(user=user, role=Role.TRAINER)  # a second organisation, same role
    MembershipFactory(user=user, role=Role.REGULATOR, organisation=OrganisationFactory(is_active=False))
    MembershipFactory(role=Role.ADMINISTRATOR)  # someone else's

    with CaptureQueriesContext(connection) as queries:
        read = user_with_roles(user.pk)
        roles = roles_of(read)

    assert len(queries.captured_queries) == 1
    assert (read.pk, read.username) == (user.pk, user.username)
    assert roles == {Role.TRAINER, Role.EXAMINER} == roles_of(user)  # the separate query agrees


def test_an_unknown_or_inactive_user_is_not_signed_in():
    inactive = UserFactory(is_active=False)

    assert user_with_roles(10**9) is None
    assert user_with_roles("not a number") is None
    assert ModelBackend().get_user(inactive.pk) is None
    assert ModelBackend().get_user(UserFactory().pk) is not None


def test_a_signed_in_request_reads_no_roles_separately(client):
    user = UserFactory()
    MembershipFactory(user=user, role=Role.TRAINER)
    client.force_login(user)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/me")

    assert response.status_code == 200
    assert sorted(response.json()["roles"]) == [Role.TRAINER]
    membership_reads = [q["sql"] for q in queries.captured_queries if "accounts_membership" in q["sql"]]
    assert len(membership_reads) == 1
    assert "active_roles" in membership_reads[0]


def test_a_regulator_without_totp_is_still_stopped_by_the_mfa_rule(client):
    regulator = MembershipFactory(role=Role.REGULATOR).user
    client.force_login(regulator)

    response = client.get("/api/v1/me")

    assert response.status_code == 403


@pytest.mark.django_db(transaction=True)
def test_a_signed_in_request_sends_no_health_check_and_survives_a_lost_database_connection(client):
    user = UserFactory()
    MembershipFactory(user=user, role=Role.TRAINER)
    client.force_login(user)
    assert client.get("/api/v1/me").status_code == 200
    backend_pid = lose_this_database_connection()

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["roles"] == [Role.TRAINER]
    assert connection.connection.info.backend_pid != backend_pid
    assert not [q for q in queries.captured_queries if (q["sql"] or "").strip().upper() == "SELECT 1"]


def test_the_user_is_read_as_stored_and_the_id_number_only_when_asked():
    user = UserFactory(id_number="110101199003071234", real_name="王五")

    read = user_with_roles(user.pk)
    with CaptureQueriesContext(connection) as asked:
        id_number = read.id_number

    assert (read.real_name, read.password, read.date_joined) == (user.real_name, user.password, user.date_joined)
    assert id_number == "110101199003071234"  # decrypted, read by one more query
    assert len(asked.captured_queries) == 1
