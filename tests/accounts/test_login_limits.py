"""Log-in limits that fit an exam hall behind one NAT address, and one client address for
every limit, read through the trusted proxies only."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django_ratelimit.core import is_ratelimited

from accounts.network import client_ip
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

HALL = "203.0.113.7"


def _log_in(username: str, password: str = PASSWORD, **extra) -> int:
    response = Client().post(
        reverse("account_login"), {"login": username, "password": password}, REMOTE_ADDR=HALL, **extra
    )
    return response.status_code


def test_two_hundred_candidates_log_in_from_one_address_within_a_minute():
    candidates = [UserFactory(username=f"c{n:03d}", phone_verified=True) for n in range(200)]

    statuses = [_log_in(candidate.username) for candidate in candidates]

    assert statuses == [302] * 200


def test_ten_typos_by_others_do_not_lock_the_hall_out():
    UserFactory(username="careful", phone_verified=True)
    for n in range(10):
        UserFactory(username=f"typist{n}", phone_verified=True)
        assert _log_in(f"typist{n}", "wrong-password") == 200  # the form again, with its error

    assert _log_in("careful") == 302


def test_failed_log_ins_are_limited_per_account():
    UserFactory(username="target", phone_verified=True)
    UserFactory(username="neighbour", phone_verified=True)
    for _ in range(5):
        _log_in("target", "guess")

    # the sixth guess is refused even from another address, with the right password too
    form = {"login": "target", "password": PASSWORD}
    refused = Client().post(reverse("account_login"), form, REMOTE_ADDR="198.51.100.9")
    assert refused.status_code in (200, 429)
    assert "_auth_user_id" not in refused.client.session
    assert _log_in("neighbour") == 302


def _request(remote="10.0.0.5", **headers):
    return RequestFactory().get("/", REMOTE_ADDR=remote, headers=headers)


def test_without_trusted_proxies_a_client_cannot_choose_its_address():
    assert client_ip(_request(**{"X-Forwarded-For": "1.2.3.4", "X-Real-IP": "5.6.7.8"})) == "10.0.0.5"


def test_behind_one_trusted_proxy_the_address_it_appended_counts(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1

    assert client_ip(_request(**{"X-Forwarded-For": "6.6.6.6, 198.51.100.20"})) == "198.51.100.20"


def test_a_trusted_header_is_read_and_its_absence_is_no_error(settings):
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"

    assert client_ip(_request(**{"X-Real-IP": "198.51.100.30"})) == "198.51.100.30"
    assert client_ip(_request()) == "10.0.0.5"
    assert client_ip(_request(**{"X-Real-IP": "not-an-address"})) == "10.0.0.5"


def _limited(request) -> bool:
    return is_ratelimited(request, group="test-client-ip", key="ip", rate="1/m", increment=True)


def test_django_ratelimit_counts_the_same_address_and_survives_a_missing_header(settings):
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"

    # a request without the header is counted by its connection (it was a 500)
    assert _limited(_request()) is False
    assert _limited(_request()) is True
    # two clients behind the proxy are two budgets
    assert _limited(_request(**{"X-Real-IP": "198.51.100.41"})) is False
    assert _limited(_request(**{"X-Real-IP": "198.51.100.42"})) is False


def test_django_ratelimit_ignores_a_header_nobody_trusted():
    assert _limited(_request(**{"X-Real-IP": "198.51.100.51"})) is False
    assert _limited(_request(**{"X-Real-IP": "198.51.100.52"})) is True
