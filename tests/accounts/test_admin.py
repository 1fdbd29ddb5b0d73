"""Django admin: staff see masked ID numbers, never the plain or encrypted value."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Membership, Organisation, Role, User
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

VALID_ID = "11010519491231002X"


def test_user_list_and_change_page_show_only_the_masked_id_number(admin_client):
    # given
    person = UserFactory(username="wangwu", real_name="王五", id_number=VALID_ID, phone="13912345678")
    MembershipFactory(user=person, organisation=OrganisationFactory(), role=Role.TRAINER)

    # when
    listing = admin_client.get("/django-admin/accounts/user/")
    change = admin_client.get(f"/django-admin/accounts/user/{person.pk}/change/")

    # then
    assert listing.status_code == 200
    assert change.status_code == 200
    for response in (listing, change):
        html = response.content.decode()
        assert "110***********002X" in html
        assert VALID_ID not in html
        assert person.id_number_hash not in html
    assert "139****5678" in listing.content.decode()
    assert 'name="id_number"' not in change.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/django-admin/accounts/organisation/",
        "/django-admin/accounts/organisation/add/",
        "/django-admin/accounts/membership/",
        "/django-admin/accounts/membership/add/",
        "/django-admin/accounts/auditevent/",
        "/django-admin/accounts/user/add/",
    ],
)
def test_admin_pages_render(admin_client, path):
    assert admin_client.get(path).status_code == 200


# --- Roles go through the audited services from every admin screen ----------------------


def _events(action: str) -> list[tuple[int | None, str, dict]]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk").values_list("actor_id", "object_id", "data"))


def _user_change_post(person, *, memberships: list[dict], new: list[dict]) -> dict:
    """What the user change form posts: the person's fields as they are, the roles they
    hold (as read-only rows, optionally ticked for deletion) and new role rows."""
    data = {
        "username": person.username,
        "real_name": person.real_name,
        "education": person.education,
        "phone": person.phone or "",
        "email": person.email,
        "is_active": "on",
        "memberships-TOTAL_FORMS": str(len(memberships) + len(new)),
        "memberships-INITIAL_FORMS": str(len(memberships)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate([*memberships, *new]):
        for key, value in row.items():
            data[f"memberships-{index}-{key}"] = value
        data[f"memberships-{index}-user"] = str(person.pk)
    return data


def test_a_role_added_on_the_membership_add_form_is_granted_through_the_service(admin_client):
    # given a person and a training organisation
    person = UserFactory(username="zhaoliu")
    organisation = OrganisationFactory(code="px-01")
    root = User.objects.get(username="root")

    # when the administrator adds a membership on the Django admin add form
    response = admin_client.post(
        "/django-admin/accounts/membership/add/",
        {"user": person.pk, "organisation": organisation.pk, "role": Role.TRAINER},
    )

    # then the role is held and the grant is audited with who granted it
    assert response.status_code == 302
    membership = Membership.objects.get(user=person)
    assert (membership.organisation, membership.role) == (organisation, Role.TRAINER)
    assert _events("accounts.membership.granted") == [
        (root.pk, str(membership.pk), {"user": person.pk, "organisation": "px-01", "role": "trainer"})
    ]


def test_a_membership_cannot_be_edited_in_place_on_its_change_form(admin_client):
    # given a trainer
    membership = MembershipFactory(role=Role.TRAINER)

    # when the administrator posts a new role to the membership's change form
    response = admin_client.post(
        f"/django-admin/accounts/membership/{membership.pk}/change/",
        {"user": membership.user_id, "organisation": membership.organisation_id, "role": Role.REGULATOR},
    )

    # then it is refused and nothing changed
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.role == Role.TRAINER
    assert not AuditEvent.objects.exists()


def test_deleting_a_membership_in_the_admin_revokes_it_through_the_service(admin_client):
    # given a regulator
    membership = MembershipFactory(role=Role.REGULATOR, organisation=OrganisationFactory(code="bj-ajj"))
    holder = membership.user_id

    # when the administrator deletes the membership on its delete page
    response = admin_client.post(f"/django-admin/accounts/membership/{membership.pk}/delete/", {"post": "yes"})

    # then the role is gone and the revocation is audited
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert [(pk, data) for _actor, pk, data in _events("accounts.membership.revoked")] == [
        (str(membership.pk), {"user": holder, "organisation": "bj-ajj", "role": "regulator"})
    ]


def test_the_bulk_delete_action_on_memberships_revokes_each_through_the_service(admin_client):
    # given three memberships, two of them selected
    first, second, kept = MembershipFactory(), MembershipFactory(), MembershipFactory()

    # when the administrator runs "delete selected" on the two
    response = admin_client.post(
        "/django-admin/accounts/membership/",
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
    )

    # then both are revoked, each with its own audit event, and the third is kept
    assert response.status_code == 302
    assert list(Membership.objects.values_list("pk", flat=True)) == [kept.pk]
    assert [pk for _actor, pk, _data in _events("accounts.membership.revoked")] == [str(first.pk), str(second.pk)]


def test_a_role_added_on_the_user_change_form_is_granted_through_the_service(admin_client):
    # given a person who is a trainer somewhere
    person = UserFactory(username="sunqi", real_name="孙七")
    held = MembershipFactory(user=person, role=Role.TRAINER)
    site = OrganisationFactory(code="kd-01", kind="exam_site")

    # when the administrator adds an examiner row in the user's change form
    response = admin_client.post(
        f"/django-admin/accounts/user/{person.pk}/change/",
        _user_change_post(
            person,
            memberships=[{"id": str(held.pk)}],
            new=[{"organisation": str(site.pk), "role": Role.EXAMINER}],
        ),
    )

    # then the new role is granted and audited, and the held one is untouched
    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(Membership.objects.filter(user=person).values_list("organisation__code", "role")) == {
        (held.organisation.code, "trainer"),
        ("kd-01", "examiner"),
    }
    assert [data for _actor, _pk, data in _events("accounts.membership.granted")] == [
        {"user": person.pk, "organisation": "kd-01", "role": "examiner"}
    ]
    assert _events("accounts.membership.revoked") == []


def test_held_roles_are_read_only_on_the_user_change_form(admin_client):
    # given a trainer
    person = UserFactory(username="zhouba")
    held = MembershipFactory(user=person, role=Role.TRAINER)

    # when a post to the user's change form tries to turn the role into regulator
    response = admin_client.post(
        f"/django-admin/accounts/user/{person.pk}/change/",
        _user_change_post(person, memberships=[{"id": str(held.pk), "role": Role.REGULATOR}], new=[]),
    )

    # then the role stays as it was and nothing is audited
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.role == Role.TRAINER
    assert not AuditEvent.objects.filter(action__startswith="accounts.membership").exists()


def test_a_role_deleted_on_the_user_change_form_is_revoked_through_the_service(admin_client):
    # given a person with two roles
    person = UserFactory(username="wujiu")
    dropped = MembershipFactory(user=person, role=Role.TRAINER)
    kept = MembershipFactory(user=person, role=Role.EXAMINER)

    # when the administrator ticks "delete" on one of them
    response = admin_client.post(
        f"/django-admin/accounts/user/{person.pk}/change/",
        _user_change_post(person, memberships=[{"id": str(dropped.pk), "DELETE": "on"}, {"id": str(kept.pk)}], new=[]),
    )

    # then only that one is revoked, with an audit event
    assert response.status_code == 302
    assert list(Membership.objects.filter(user=person).values_list("pk", flat=True)) == [kept.pk]
    assert [pk for _actor, pk, _data in _events("accounts.membership.revoked")] == [str(dropped.pk)]


def test_deleting_a_user_in_the_admin_revokes_their_roles_through_the_service(admin_client):
    # given a person with two roles
    person = UserFactory(username="zhengshi")
    roles = [MembershipFactory(user=person, role=Role.TRAINER), MembershipFactory(user=person, role=Role.EXAMINER)]

    # when the administrator deletes the person
    response = admin_client.post(f"/django-admin/accounts/user/{person.pk}/delete/", {"post": "yes"})

    # then the person is gone and each role's revocation is audited
    assert response.status_code == 302
    assert not User.objects.filter(pk=person.pk).exists()
    assert [pk for _actor, pk, _data in _events("accounts.membership.revoked")] == [str(m.pk) for m in roles]


def test_deleting_an_organisation_in_the_admin_revokes_its_members_roles_through_the_service(admin_client):
    # given an organisation with two members and another organisation's member
    organisation = OrganisationFactory()
    members = [MembershipFactory(organisation=organisation), MembershipFactory(organisation=organisation)]
    elsewhere = MembershipFactory()

    # when the administrator deletes the organisation with the bulk action
    response = admin_client.post(
        "/django-admin/accounts/organisation/",
        {"action": "delete_selected", "_selected_action": [organisation.pk], "post": "yes"},
    )

    # then its members' roles are revoked one by one, audited; the other member keeps theirs
    assert response.status_code == 302
    assert not Organisation.objects.filter(pk=organisation.pk).exists()
    assert list(Membership.objects.values_list("pk", flat=True)) == [elsewhere.pk]
    assert [pk for _actor, pk, _data in _events("accounts.membership.revoked")] == [str(m.pk) for m in members]


def test_wagtail_refuses_to_delete_a_user_who_holds_a_role(admin_client):
    # given a trainer
    membership = MembershipFactory(role=Role.TRAINER)
    person = membership.user

    # when the administrator deletes them on Wagtail's user screen
    response = admin_client.post(reverse("wagtailusers_users:delete", args=[person.pk]))

    # then it is refused: the person and the role are still there, nothing audited
    assert response.status_code == 302
    assert User.objects.filter(pk=person.pk).exists()
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert not AuditEvent.objects.exists()


def test_wagtail_refuses_to_bulk_delete_users_when_one_holds_a_role(admin_client):
    # given a trainer and a person without a role
    membership = MembershipFactory(role=Role.TRAINER)
    plain = UserFactory()

    # when the administrator bulk-deletes both on Wagtail's user listing
    response = admin_client.post(
        f"/admin/bulk/{User._meta.app_label}/{User._meta.model_name}/delete/?id={membership.user_id}&id={plain.pk}"
    )

    # then nothing is deleted
    assert response.status_code == 302
    assert User.objects.filter(pk__in=[membership.user_id, plain.pk]).count() == 2
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_wagtail_still_deletes_a_user_without_a_role(admin_client):
    # given a person without any role
    person = UserFactory()

    # when the administrator deletes them on Wagtail's user screen
    response = admin_client.post(reverse("wagtailusers_users:delete", args=[person.pk]))

    # then they are deleted
    assert response.status_code == 302
    assert not User.objects.filter(pk=person.pk).exists()


def test_no_admin_screen_edits_certificates():
    # given the Django admin's registered models
    from django.contrib import admin

    # when / then no certificates model is among them: certificates change only
    # through the authority desk, which calls the lifecycle services
    assert [model for model in admin.site._registry if model._meta.app_label == "certificates"] == []
