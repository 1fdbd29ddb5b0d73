"""GET /api/v1/me for app clients (allauth headless session token) and browsers."""

from __future__ import annotations

import pytest

from accounts.models import Role
from tests.factories import AuthorityFactory, ExamSiteFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

VALID_ID = "11010519491231002X"
APP_LOGIN = "/_allauth/app/v1/auth/login"
DEMO_PASSWORD = "Demo-2026!"


@pytest.fixture
def worker():
    return UserFactory(username="wangwu", real_name="欧阳娜娜", id_number=VALID_ID, phone="13912345678")


def _app_login(client, username: str, password: str = DEMO_PASSWORD):
    return client.post(APP_LOGIN, {"username": username, "password": password}, content_type="application/json")


def test_app_login_returns_a_session_token(client, worker):
    # when
    response = _app_login(client, "wangwu")

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["data"]["user"]["username"] == "wangwu"
    assert isinstance(body["meta"]["session_token"], str)
    assert body["meta"]["is_authenticated"] is True


def test_me_with_session_token_returns_the_masked_profile(client, worker):
    # given
    MembershipFactory(user=worker, organisation=ExamSiteFactory(), role=Role.EXAMINER)
    MembershipFactory(user=worker, organisation=ExamSiteFactory(), role=Role.EXAMINER)
    token = _app_login(client, "wangwu").json()["meta"]["session_token"]
    client.cookies.clear()  # an app client has no cookie, only the token

    # when
    response = client.get("/api/v1/me", headers={"X-Session-Token": token})

    # then
    assert response.status_code == 200
    assert response.json() == {
        "username": "wangwu",
        "real_name": "欧阳娜娜",
        "name_masked": "欧阳**",
        "id_number_masked": "110***********002X",
        "phone_masked": "139****5678",
        "roles": ["examiner"],
    }
    assert VALID_ID not in response.content.decode()


def test_me_with_a_browser_session(client, worker):
    client.force_login(worker)

    response = client.get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["id_number_masked"] == "110***********002X"


def test_me_lists_roles_sorted(client):
    user = UserFactory(real_name="张三")
    MembershipFactory(user=user, organisation=AuthorityFactory(), role=Role.WORKER)
    MembershipFactory(user=user, organisation=ExamSiteFactory(), role=Role.EXAMINER)
    client.force_login(user)

    assert client.get("/api/v1/me").json()["roles"] == ["examiner", "worker"]


def test_me_of_a_user_without_identity_gives_empty_strings(client):
    user = UserFactory(username="nobody", real_name="", id_number="", sex="", birth_date=None, phone=None)
    client.force_login(user)

    assert client.get("/api/v1/me").json() == {
        "username": "nobody",
        "real_name": "",
        "name_masked": "",
        "id_number_masked": "",
        "phone_masked": "",
        "roles": [],
    }


def test_me_without_credentials_is_401_json(client):
    response = client.get("/api/v1/me")

    assert response.status_code == 401
    assert response.json() == {"detail": "需要登录。"}


def test_me_with_an_unknown_session_token_is_401_json(client):
    response = client.get("/api/v1/me", headers={"X-Session-Token": "not-a-real-token"})

    assert response.status_code == 401
    assert response.json() == {"detail": "需要登录。"}


def test_app_login_with_a_wrong_password_gives_no_token(client, worker):
    response = _app_login(client, "wangwu", "wrong-password")

    assert response.status_code == 400
    assert "session_token" not in response.json().get("meta", {})


def test_me_with_the_token_of_a_regulator_without_totp_is_403(client):
    # given
    regulator = UserFactory(username="reg")
    MembershipFactory(user=regulator, organisation=AuthorityFactory(), role=Role.REGULATOR)
    token = _app_login(client, "reg").json()["meta"]["session_token"]
    client.cookies.clear()

    # when
    response = client.get("/api/v1/me", headers={"X-Session-Token": token})

    # then
    assert response.status_code == 403
    assert response.json() == {"detail": "您的账户权限较高，请先启用两步验证（身份验证器应用）后再继续。"}


@pytest.mark.parametrize("credential", [{"phone": "+8613912345678"}, {"email": "wangwu@example.com"}])
def test_app_login_by_phone_in_e164_or_by_email(client, worker, credential):
    # allauth's headless API takes phone numbers in E.164 only (+86...)
    response = client.post(APP_LOGIN, {**credential, "password": DEMO_PASSWORD}, content_type="application/json")

    assert response.status_code == 200
    assert response.json()["data"]["user"]["username"] == "wangwu"
