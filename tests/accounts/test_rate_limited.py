"""A second log-in within 30 s while the phone code is pending: 429 with a clear message."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_the_web_form_answers_429(client, sms_outbox):
    UserFactory(username="pending", phone_verified=False)
    first = client.post(reverse("account_login"), {"login": "pending", "password": PASSWORD})
    assert first.status_code == 302

    again = Client()  # the same person again, from a page opened before (a fresh session)
    second = again.post(reverse("account_login"), {"login": "pending", "password": PASSWORD})

    assert second.status_code == 429
    assert "操作过于频繁" in second.content.decode()
    assert second["Retry-After"] == "60"


def test_the_headless_api_answers_429(client, sms_outbox):
    UserFactory(username="pending", phone_verified=False)
    body = json.dumps({"username": "pending", "password": PASSWORD})
    url = "/_allauth/app/v1/auth/login"
    client.post(url, body, content_type="application/json")

    second = client.post(url, body, content_type="application/json")

    assert second.status_code == 429
    assert second.json()["errors"][0]["message"].startswith("操作过于频繁")
