"""allauth's pages in the site's own layout (templates/allauth/layouts/base.html)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url_name",
    ["account_email", "account_change_password", "mfa_index", "account_logout", "account_change_phone"],
)
def test_account_management_pages_render_in_the_site_layout(client, url_name):
    user = UserFactory(phone_verified=True)
    client.force_login(user)

    response = client.get(reverse(url_name))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="account-page"' in html
    assert '<a class="brand" href="/">考证</a>' in html


@pytest.mark.parametrize("url_name", ["account_login", "account_signup", "account_reset_password"])
def test_entrance_pages_render_in_the_site_layout(client, url_name):
    response = client.get(reverse(url_name))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="account-page"' in html
    assert '<html lang="zh-hans">' in html
