"""Logging in on the web with a password, by username, e-mail or phone number."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Demo-2026!"


@pytest.fixture
def member():
    return UserFactory(username="lisi", email="lisi@example.com", phone="13800001111", phone_verified=True)


def test_login_page_has_the_fields_an_end_to_end_test_fills(client):
    response = client.get(reverse("account_login"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="login"' in html
    assert 'name="password"' in html
    assert '<button class="btn block" type="submit">登录</button>' in html
    assert "<title>登录 · 考证</title>" in html
    assert '<label for="id_login">用户名、手机号或邮箱</label>' in html
    assert f'href="{reverse("account_signup")}"' in html


@pytest.mark.parametrize("login", ["lisi", "lisi@example.com", "LISI@example.com", "13800001111", "+86 138 0000 1111"])
def test_login_with_password_by_username_email_or_phone(client, member, login):
    # when
    response = client.post(reverse("account_login"), {"login": login, "password": PASSWORD})

    # then
    assert response.status_code == 302
    assert response["Location"] == "/me/"
    assert client.session["_auth_user_id"] == str(member.pk)


@pytest.mark.parametrize("login", ["lisi", "lisi@example.com", "13800001111"])
def test_login_with_a_wrong_password_is_refused(client, member, login):
    # when
    response = client.post(reverse("account_login"), {"login": login, "password": "wrong-password"})

    # then
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "_auth_user_id" not in client.session


def test_login_by_an_unknown_phone_is_refused(client, member):
    response = client.post(reverse("account_login"), {"login": "13999999999", "password": PASSWORD})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_login_with_an_unverified_phone_asks_for_the_sms_code_first(client, sms_outbox):
    # given an account whose phone was never verified
    user = UserFactory(username="zhaoliu", phone="13700002222", phone_verified=False)

    # when
    response = client.post(reverse("account_login"), {"login": "zhaoliu", "password": PASSWORD})

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("account_verify_phone")
    assert "_auth_user_id" not in client.session
    assert [sms.phone for sms in sms_outbox] == ["13700002222"]
    assert user.phone_verified is False
