"""Django admin: staff see masked ID numbers, never the plain or encrypted value."""

from __future__ import annotations

import pytest

from accounts.models import Role
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
