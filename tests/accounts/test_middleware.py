"""RequireMFAMiddleware: one test per branch of who must set up TOTP, and where."""

from __future__ import annotations

import json

import pytest
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from accounts.middleware import RequireMFAMiddleware
from accounts.models import Role
from tests.factories import AuthorityFactory, MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

ACTIVATE_TOTP = "/accounts/2fa/totp/activate/"


def _passed(request) -> HttpResponse:
    return HttpResponse("passed")


def _call(user, path="/admin/", *, passed_mfa=False, **headers) -> tuple[HttpResponse, object]:
    request = RequestFactory().get(path, headers=headers)
    request.user = user
    request.session = SessionStore()
    if passed_mfa:
        record_authentication(request, user, "mfa", type="totp")
    request._messages = FallbackStorage(request)
    return RequireMFAMiddleware(_passed)(request), request


def _member(role: str, *, organisation=None, **user_kwargs):
    user = UserFactory(**user_kwargs)
    MembershipFactory(user=user, organisation=organisation or AuthorityFactory(), role=role)
    return user


def _add_totp(user) -> None:
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "not-used-here"})


def test_activation_url_is_allauths():
    assert reverse("mfa_activate_totp") == ACTIVATE_TOTP


def test_anonymous_visitor_passes():
    response, _ = _call(AnonymousUser())
    assert response.content == b"passed"


def test_worker_is_not_redirected():
    response, _ = _call(_member(Role.WORKER, organisation=OrganisationFactory()))
    assert response.content == b"passed"


@pytest.mark.parametrize("role", [Role.TRAINER, Role.EXAMINER])
def test_trainer_and_examiner_are_not_redirected(role):
    response, _ = _call(_member(role, organisation=OrganisationFactory()))
    assert response.content == b"passed"


@pytest.mark.parametrize("role", [Role.REGULATOR, Role.ADMINISTRATOR])
def test_regulator_or_administrator_without_totp_is_redirected_with_a_message(role):
    # given
    user = _member(role)

    # when
    response, request = _call(user, "/admin/pages/")

    # then
    assert response.status_code == 302
    assert response["Location"] == ACTIVATE_TOTP
    assert [str(m) for m in get_messages(request)] == ["您的账户权限较高，请先启用两步验证（身份验证器应用）后再继续。"]


def test_regulator_with_only_recovery_codes_is_redirected():
    user = _member(Role.REGULATOR)
    Authenticator.objects.create(user=user, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "x"})

    response, _ = _call(user)

    assert response["Location"] == ACTIVATE_TOTP


def test_regulator_with_totp_in_a_session_that_passed_it_passes():
    user = _member(Role.REGULATOR)
    _add_totp(user)

    response, _ = _call(user, passed_mfa=True)

    assert response.content == b"passed"


@pytest.mark.parametrize("role", [Role.REGULATOR, Role.ADMINISTRATOR])
def test_regulator_with_totp_in_a_password_only_session_is_asked_for_the_code(role):
    # given an authenticator, but a session that never passed it
    user = _member(role)
    _add_totp(user)

    # when
    response, request = _call(user, "/admin/pages/?q=1")

    # then
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/reauthenticate/?next=%2Fadmin%2Fpages%2F%3Fq%3D1"
    assert [str(m) for m in get_messages(request)] == ["您的账户权限较高，请输入身份验证器应用中的验证码后再继续。"]


def test_a_second_factor_passed_by_another_user_in_the_session_does_not_count():
    user = _member(Role.REGULATOR)
    _add_totp(user)
    other = UserFactory()
    request = RequestFactory().get("/admin/")
    request.user = user
    request.session = SessionStore()
    record_authentication(request, other, "mfa", type="totp")
    request._messages = FallbackStorage(request)

    response = RequireMFAMiddleware(_passed)(request)

    assert response.status_code == 302


def test_regulator_of_an_inactive_authority_is_not_redirected():
    user = _member(Role.REGULATOR, organisation=AuthorityFactory(is_active=False))

    response, _ = _call(user)

    assert response.content == b"passed"


def test_superuser_without_totp_is_redirected():
    response, _ = _call(UserFactory(is_superuser=True, is_staff=True), "/django-admin/")

    assert response.status_code == 302
    assert response["Location"] == ACTIVATE_TOTP


def test_superuser_with_totp_passes_once_the_session_passed_it():
    user = UserFactory(is_superuser=True, is_staff=True)
    _add_totp(user)

    assert _call(user, "/django-admin/", passed_mfa=True)[0].content == b"passed"
    assert _call(user, "/django-admin/")[0]["Location"].startswith("/accounts/2fa/reauthenticate/")


@pytest.mark.parametrize(
    "path",
    [
        ACTIVATE_TOTP,
        "/accounts/logout/",
        "/accounts/2fa/",
        "/_allauth/browser/v1/auth/session",
        "/static/css/site.css",
        "/favicon.ico",
        "/robots.txt",
        "/media/photos/2026/a.jpg",
        "/healthz",
        "/v/abc123",
        "/verify/",
        "/i18n/setlang/",
    ],
)
def test_exempt_paths_pass_for_a_regulator_without_totp(path):
    response, _ = _call(_member(Role.REGULATOR), path)
    assert response.content == b"passed"


def test_api_request_of_a_regulator_without_totp_gets_403_json():
    # when
    response, request = _call(_member(Role.REGULATOR), "/api/v1/registrations")

    # then
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"detail": "您的账户权限较高，请先启用两步验证（身份验证器应用）后再继续。"}
    assert list(get_messages(request)) == []


def test_api_request_of_a_regulator_with_totp_passes_once_the_session_passed_it():
    user = _member(Role.REGULATOR)
    _add_totp(user)

    assert _call(user, "/api/v1/registrations", passed_mfa=True)[0].content == b"passed"
    refused, _ = _call(user, "/api/v1/registrations")
    assert refused.status_code == 403
    assert json.loads(refused.content) == {"detail": "您的账户权限较高，请输入身份验证器应用中的验证码后再继续。"}


def test_through_the_stack_a_logged_in_regulator_is_sent_to_totp_setup(client):
    # given
    user = _member(Role.REGULATOR)
    client.force_login(user)

    # when
    response = client.get("/django-admin/")
    api_response = client.get("/api/v1/me")

    # then
    assert response.status_code == 302
    assert response["Location"] == ACTIVATE_TOTP
    assert api_response.status_code == 403
    assert api_response.json() == {"detail": "您的账户权限较高，请先启用两步验证（身份验证器应用）后再继续。"}


def test_through_the_stack_a_logged_in_worker_reaches_the_page(client):
    user = _member(Role.WORKER, organisation=OrganisationFactory())
    client.force_login(user)

    response = client.get("/api/v1/me")

    assert response.status_code == 200
