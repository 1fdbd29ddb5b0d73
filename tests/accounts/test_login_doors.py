"""Every log-in goes through allauth, and the powerful work only in a session that passed TOTP."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.urls import reverse

from accounts.models import Role
from tests.factories import PASSWORD, AuthorityFactory, MembershipFactory, UserFactory, with_totp

pytestmark = pytest.mark.django_db


def _regulator_with_totp(username="reg"):
    user = with_totp(UserFactory(username=username, phone_verified=True))
    MembershipFactory(user=user, organisation=AuthorityFactory(), role=Role.REGULATOR)
    return user


@pytest.mark.parametrize("door", ["/admin/login/", "/django-admin/login/"])
def test_the_admin_login_pages_send_to_allauths_and_keep_next(client, door):
    response = client.get(door, {"next": "/admin/pages/"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fpages%2F"


@pytest.mark.parametrize("door", ["/admin/login/", "/django-admin/login/"])
def test_a_foreign_next_is_dropped(client, door):
    assert client.get(door, {"next": "https://evil.example/"})["Location"] == "/accounts/login/"


@pytest.mark.parametrize("door", ["/admin/login/", "/django-admin/login/"])
def test_a_password_posted_to_an_admin_login_page_opens_no_session(client, door):
    # given a superuser with TOTP, whose password the attacker knows
    with_totp(UserFactory(username="boss", is_superuser=True, is_staff=True))

    # when the password alone is posted to the admin's own form
    response = client.post(door, {"username": "boss", "password": PASSWORD})

    # then nobody is logged in
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get("/django-admin/")["Location"].startswith("/django-admin/login/")


def test_wagtail_password_reset_is_off(client):
    assert client.get("/admin/password_reset/").status_code == 404


def test_unauthenticated_wagtail_admin_goes_to_allauth(client):
    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0] == "/accounts/login/?next=%2Fadmin%2F"


def test_a_password_only_session_of_a_regulator_with_totp_reaches_nothing(client):
    # given a session opened with the password alone (as the old admin forms did)
    _regulator_with_totp()
    assert client.login(username="reg", password=PASSWORD)

    # then every staff door asks for the code, and the API refuses
    for path in ("/admin/", "/django-admin/", "/authority/verifications/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/2fa/reauthenticate/"), path
    assert client.get("/api/v1/me").status_code == 403


def test_the_code_opens_the_session(client, totp_code):
    # given a password-only session
    user = _regulator_with_totp()
    assert client.login(username="reg", password=PASSWORD)
    secret = decrypt(Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"])

    # when the code is entered on the page the middleware sends them to
    response = client.post(reverse("mfa_reauthenticate"), {"code": totp_code(secret)})

    # then the site opens
    assert response.status_code == 302
    assert client.get("/api/v1/me").status_code == 200


def test_allauth_login_of_a_regulator_with_totp_asks_for_the_code(client, totp_code):
    user = _regulator_with_totp()

    response = client.post(reverse("account_login"), {"login": "reg", "password": PASSWORD})

    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get("/api/v1/me").status_code in (401, 403)
    secret = decrypt(Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"])
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert client.get("/api/v1/me").status_code == 200


def test_a_worker_needs_no_second_factor(client):
    UserFactory(username="w", phone_verified=True)
    assert client.login(username="w", password=PASSWORD)

    assert client.get("/api/v1/me").status_code == 200


@pytest.mark.parametrize("door", ["/admin/login/", "/django-admin/login/"])
def test_someone_logged_in_without_admin_access_is_refused_not_looped(client, door):
    UserFactory(username="w", phone_verified=True)
    assert client.login(username="w", password=PASSWORD)

    assert client.get(door, {"next": "/admin/"}).status_code == 403
