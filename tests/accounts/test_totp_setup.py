"""Setting TOTP up: the secret holds still until it is activated, the browser's own requests
never restart the set-up, and the code box and its error suit a phone and read in Chinese."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from accounts.models import Role
from tests.factories import PASSWORD, AuthorityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def regulator_client(client):
    user = UserFactory(username="reg", phone_verified=True)
    MembershipFactory(user=user, organisation=AuthorityFactory(), role=Role.REGULATOR)
    assert client.post(reverse("account_login"), {"login": "reg", "password": PASSWORD}).status_code == 302
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})  # allauth asks before set-up
    client.user = user
    return client


def test_the_favicon_and_a_reload_keep_the_secret_on_screen(regulator_client):
    # given the set-up page with its secret
    first = regulator_client.get(reverse("mfa_activate_totp")).context["form"].secret

    # when the browser fetches its favicon, then the page is loaded again
    favicon = regulator_client.get("/favicon.ico")
    again = regulator_client.get(reverse("mfa_activate_totp")).context["form"].secret

    # then the favicon request was not sent to the set-up, and the secret did not change
    assert favicon.status_code != 302
    assert again == first


def test_the_code_shown_for_the_secret_on_screen_activates_totp(regulator_client, totp_code):
    secret = regulator_client.get(reverse("mfa_activate_totp")).context["form"].secret
    regulator_client.get("/favicon.ico")

    response = regulator_client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})

    assert response.status_code == 302
    assert Authenticator.objects.filter(user=regulator_client.user, type=Authenticator.Type.TOTP).exists()
    # the set-up counts as this session's second factor: no second code asked for
    assert regulator_client.get("/api/v1/me").status_code == 200


def test_the_code_box_brings_up_the_number_pad_and_the_phones_code(regulator_client):
    html = regulator_client.get(reverse("mfa_activate_totp")).content.decode()

    assert 'inputmode="numeric"' in html
    assert 'autocomplete="one-time-code"' in html


def test_a_wrong_code_says_the_code_is_wrong(regulator_client):
    regulator_client.get(reverse("mfa_activate_totp"))

    html = regulator_client.post(reverse("mfa_activate_totp"), {"code": "000000"}).content.decode()

    assert "验证码错误" in html
    assert "错误代码" not in html
    assert not Authenticator.objects.filter(user=regulator_client.user).exists()
