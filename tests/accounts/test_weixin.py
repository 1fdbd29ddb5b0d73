"""WeChat sign-in through allauth's weixin provider, with WeChat's OAuth API answered by
a fake transport under allauth's HTTP session (tests/accounts/conftest.py): the
exchange is real up to the socket, and no second person is ever made for one ID."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model

from accounts.models import Organisation, Role, User
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, make_id_number, with_totp

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
NEW_ID = make_id_number(dt.date(1985, 3, 4), serial=517, region="370302")
SIGNUP = {
    "username": "xiaowang",
    "phone": "13911112222",
    "real_name": "王小二",
    "id_number": NEW_ID,
    "education": "senior_middle",
}


def _authorize(client, *, process: str = "login") -> dict[str, list[str]]:
    """Press the WeChat button: allauth sends the browser to WeChat's authorisation page."""
    response = client.post(f"/accounts/weixin/login/?process={process}")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == "https://open.weixin.qq.com/connect/qrconnect"
    return parse_qs(location.query)


def _return_from_weixin(client, *, process: str = "login", code: str = "CODE_FROM_WEIXIN"):
    """WeChat sends the browser back with a code, which allauth exchanges server-side."""
    state = _authorize(client, process=process)["state"][0]
    return client.get("/accounts/weixin/login/callback/", {"code": code, "state": state})


def _linked(user: User) -> SocialAccount:
    return SocialAccount.objects.get(user=user, provider="weixin")


def test_the_login_page_offers_wechat(client):
    html = client.get("/accounts/login/").content.decode()
    assert '<form method="post" action="/accounts/weixin/login/?process=login">' in html
    assert "微信登录" in html


def test_the_authorisation_request_names_our_app_and_a_state(client):
    query = _authorize(client)
    assert query["appid"] == ["wx0123456789abcdef"]
    assert query["response_type"] == ["code"]
    assert query["scope"] == ["snsapi_login"]
    assert query["redirect_uri"] == ["http://testserver/accounts/weixin/login/callback/"]
    assert len(query["state"][0]) >= 12


def test_the_code_is_exchanged_with_our_secret_then_the_profile_read(client, fake_weixin):
    _return_from_weixin(client, code="CODE_42")

    token_call, profile_call = fake_weixin.calls
    assert token_call.url.startswith("https://api.weixin.qq.com/sns/oauth2/access_token")
    sent = parse_qs(urlsplit(token_call.url).query) or parse_qs(token_call.body or "")
    assert {key: value[0] for key, value in sent.items()} == {
        "appid": "wx0123456789abcdef",
        "secret": "test-weixin-secret",
        "code": "CODE_42",
        "grant_type": "authorization_code",
    }
    assert urlsplit(profile_call.url).path == "/sns/userinfo"
    assert parse_qs(urlsplit(profile_call.url).query) == {
        "access_token": ["ACCESS_TOKEN_1"],
        "openid": [fake_weixin.openid],
    }


def test_a_first_wechat_login_makes_nobody_and_asks_for_the_normal_signup(client, fake_weixin):
    # given
    people = User.objects.count()

    # when
    response = _return_from_weixin(client)

    # then
    assert response.status_code == 302
    assert response["Location"] == "/accounts/3rdparty/signup/"
    page = client.get("/accounts/3rdparty/signup/").content.decode()
    assert "<h1>完成注册</h1>" in page
    for name in ("username", "phone", "real_name", "id_number", "education"):
        assert f'name="{name}"' in page
    assert User.objects.count() == people
    assert SocialAccount.objects.count() == 0


def test_the_signup_after_wechat_makes_one_verified_person_linked_to_wechat(client, fake_weixin, sms_outbox):
    # given
    _return_from_weixin(client)

    # when
    response = client.post("/accounts/3rdparty/signup/", SIGNUP)

    # then the person exists with their identity, linked to this WeChat
    assert response.status_code == 302
    assert response["Location"] == "/accounts/phone/verify/"
    user = User.objects.get(username="xiaowang")
    assert (user.real_name, user.id_number, user.phone, user.phone_verified) == ("王小二", NEW_ID, "13911112222", False)
    assert _linked(user).uid == fake_weixin.openid
    # and the phone is verified by code before anything else
    assert [(sms.phone, sms.kind) for sms in sms_outbox] == [("13911112222", "verification")]


def test_an_id_number_that_has_an_account_is_not_told_and_not_taken(client, fake_weixin):
    # given someone already holds an account with this ID number
    owner = UserFactory(id_number=NEW_ID)
    _return_from_weixin(client)

    # when the WeChat user signs up with it
    response = client.post("/accounts/3rdparty/signup/", SIGNUP)

    # then the form does not say whose numbers exist, and the owner keeps theirs
    assert response.status_code == 302
    assert "已被其他账户使用" not in response.content.decode()
    newcomer = User.objects.exclude(pk=owner.pk).get()
    assert newcomer.id_number_hash is None
    assert User.objects.get(pk=owner.pk).id_number_hash is not None


def test_a_linked_wechat_logs_its_person_in(client, fake_weixin):
    # given
    worker = UserFactory()
    SocialAccount.objects.create(user=worker, provider="weixin", uid=fake_weixin.openid)

    # when
    response = _return_from_weixin(client)

    # then
    assert response.status_code == 302
    assert response["Location"] == "/me/"
    assert int(client.session["_auth_user_id"]) == worker.pk


def test_mfa_still_applies_after_wechat(client, fake_weixin):
    # given a regulator with a second factor, whose WeChat is linked
    regulator = with_totp(UserFactory())
    MembershipFactory(
        user=regulator,
        role=Role.REGULATOR,
        organisation=OrganisationFactory(kind=Organisation.Kind.AUTHORITY, grade=""),
    )
    SocialAccount.objects.create(user=regulator, provider="weixin", uid=fake_weixin.openid)

    # when
    response = _return_from_weixin(client)

    # then the code is asked for, and nobody is logged in yet
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session


def test_a_verified_person_links_wechat_from_their_account(client_for, fake_weixin):
    # given
    worker = UserFactory()
    client = client_for(worker)
    people = get_user_model().objects.count()

    # when
    response = _return_from_weixin(client, process="connect")

    # then
    assert response.status_code == 302
    assert _linked(worker).uid == fake_weixin.openid
    assert get_user_model().objects.count() == people


def test_an_account_without_a_verified_phone_cannot_link_wechat(client_for, fake_weixin):
    # given
    worker = UserFactory(phone_verified=False)
    client = client_for(worker)

    # when
    response = _return_from_weixin(client, process="connect")

    # then
    assert response.status_code == 302
    assert response["Location"] == "/me/"
    assert SocialAccount.objects.count() == 0
    page = client.get("/me/").content.decode()
    assert "绑定微信前，请先完成实名信息（姓名、身份证号）并验证手机号。" in page


def test_a_wechat_linked_to_someone_else_is_not_linked_again(client_for, fake_weixin):
    # given
    first = UserFactory()
    SocialAccount.objects.create(user=first, provider="weixin", uid=fake_weixin.openid)
    client = client_for(UserFactory())

    # when
    _return_from_weixin(client, process="connect")

    # then
    assert list(SocialAccount.objects.values_list("user", flat=True)) == [first.pk]


def test_a_code_wechat_refuses_logs_nobody_in(client, fake_weixin):
    fake_weixin.token_error = True

    response = _return_from_weixin(client)

    assert response.status_code == 401
    assert "<h1>第三方登录失败</h1>" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert SocialAccount.objects.count() == 0


def test_without_its_keys_wechat_is_not_installed():
    env = {key: value for key, value in os.environ.items() if not key.startswith("WEIXIN_")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.base", DEBUG="true")
    script = (
        "import django; django.setup(); from django.conf import settings\n"
        "from django.urls import NoReverseMatch, reverse\n"
        "print('allauth.socialaccount.providers.weixin' in settings.INSTALLED_APPS)\n"
        "try:\n    reverse('weixin_login'); print('routed')\nexcept NoReverseMatch:\n    print('not routed')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["False", "not routed"]
