"""A regulator's first log-in: sent to set up TOTP, in the site's own pages, then let through."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from accounts.models import Role
from tests.factories import PASSWORD, AuthorityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_regulator_sets_up_totp_and_is_then_let_through(client, totp_code):
    # given a regulator without a second factor, logged in with a password
    regulator = UserFactory(username="reg", phone_verified=True)
    MembershipFactory(user=regulator, organisation=AuthorityFactory(), role=Role.REGULATOR)
    login = client.post(reverse("account_login"), {"login": "reg", "password": PASSWORD})
    assert login.status_code == 302

    # when they open any page they are sent to TOTP activation (after confirming the password)
    assert client.get("/django-admin/")["Location"] == reverse("mfa_activate_totp")
    to_reauth = client.get(reverse("mfa_activate_totp"))
    assert to_reauth.status_code == 302
    assert to_reauth["Location"].startswith(reverse("account_reauthenticate"))
    reauth_page = client.get(to_reauth["Location"])
    assert reauth_page.status_code == 200
    assert 'class="account-page"' in reauth_page.content.decode()
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))

    # then the activation page renders in the site's layout, in Chinese
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="account-page"' in html
    assert "激活身份验证器应用" in html
    assert '<form class="card" method="post" action="/accounts/2fa/totp/activate/">' in html

    # when they enter the code from their authenticator app
    secret = page.context["form"].secret
    activated = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})

    # then TOTP is on and the rest of the site opens up
    assert activated.status_code == 302
    assert Authenticator.objects.filter(user=regulator, type=Authenticator.Type.TOTP).count() == 1
    assert client.get("/api/v1/me").status_code == 200
