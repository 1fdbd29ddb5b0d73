"""Signing up on the web: phone + real name + ID number, the SMS code, the Chinese errors."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.encryption import lookup_hash
from accounts.models import AuditEvent, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VALID_ID = "11010519491231002X"
SIGNUP = {
    "username": "wangwu",
    "phone": "+86 139 1234 5678",
    "password1": "Kz-Secret-2026",
    "password2": "Kz-Secret-2026",
    "real_name": "王五",
    "id_number": "11010519491231002x",
    "education": "junior_middle",
}


def _code_from(sms) -> str:
    match = re.search(r"验证码是 (\d{6})，", sms.message)
    assert match, sms.message
    return match.group(1)


def test_signup_page_asks_for_identity_in_chinese(client):
    response = client.get(reverse("account_signup"))

    assert response.status_code == 200
    html = response.content.decode()
    for name in ("username", "phone", "email", "real_name", "id_number", "education", "password1", "password2"):
        assert f'name="{name}"' in html
    assert "<h1>注册</h1>" in html
    assert '<label for="id_id_number">身份证号</label>' in html
    assert '<button class="btn block" type="submit">注册</button>' in html


def test_signup_creates_the_user_with_encrypted_id_and_texts_a_code(client, sms_outbox):
    # when
    response = client.post(reverse("account_signup"), SIGNUP)

    # then the user exists, with the ID encrypted at rest and facts derived from it
    assert response.status_code == 302
    assert response["Location"] == reverse("account_verify_phone")
    user = User.objects.get(username="wangwu")
    assert (user.phone, user.phone_verified) == ("13912345678", False)
    assert (user.real_name, user.id_number, user.birth_date, user.sex, user.education) == (
        "王五",
        VALID_ID,
        dt.date(1949, 12, 31),
        "F",
        "junior_middle",
    )
    assert user.id_number_hash is None  # claimed, reserved only once the phone is verified
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM accounts_user WHERE id = %s", [user.pk])
        assert VALID_ID not in cursor.fetchone()[0]
    # and a six-digit code went out by SMS
    assert len(sms_outbox) == 1
    assert sms_outbox[0].phone == "13912345678"
    assert re.fullmatch(r"【考证】您的验证码是 \d{6}，15 分钟内有效。请勿泄露给他人。", sms_outbox[0].message)


def test_signup_code_verifies_the_phone_and_logs_in(client, sms_outbox):
    # given a fresh sign-up
    client.post(reverse("account_signup"), SIGNUP)
    code = _code_from(sms_outbox[0])

    # when the code is typed in
    response = client.post(reverse("account_verify_phone"), {"code": code})

    # then
    assert response.status_code == 302
    assert response["Location"] == "/me/"
    user = User.objects.get(username="wangwu")
    assert user.phone_verified is True
    assert user.id_number_hash == lookup_hash(VALID_ID)
    assert client.session["_auth_user_id"] == str(user.pk)


def test_signup_wrong_code_leaves_the_phone_unverified(client, sms_outbox):
    # given
    client.post(reverse("account_signup"), SIGNUP)
    wrong = "000000" if _code_from(sms_outbox[0]) != "000000" else "111111"

    # when
    response = client.post(reverse("account_verify_phone"), {"code": wrong})

    # then
    assert response.status_code == 200
    assert User.objects.get(username="wangwu").phone_verified is False
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id_number", "110105194912310021", "身份证号校验位不正确，请核对后重新输入。"),
        ("id_number", "11010519490231002X", "身份证号中的出生日期无效，请核对。"),
        ("id_number", "1101051949123100", "身份证号应为18位：前17位是数字，最后一位是数字或X。"),
        ("phone", "+1 415 555 0100", "请输入11位中国大陆手机号码。"),
        ("username", "13800138000", "用户名不能是手机号码，请换一个用户名。"),
        ("real_name", "   ", "请输入与身份证一致的真实姓名。"),
    ],
)
def test_signup_with_invalid_data_shows_the_chinese_error_and_creates_nobody(client, sms_outbox, field, value, message):
    # when
    response = client.post(reverse("account_signup"), {**SIGNUP, field: value})

    # then
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["form"].errors[field] == [message]
    assert User.objects.count() == 0
    assert sms_outbox == []


def test_the_form_says_nothing_about_an_id_number_another_account_holds(client, sms_outbox):
    # given an account holding the number
    owner = UserFactory(id_number=VALID_ID)

    # when someone signs up with it
    response = client.post(reverse("account_signup"), SIGNUP)

    # then the anonymous visitor learns nothing: the sign-up goes on to the phone code
    assert response.status_code == 302
    assert response["Location"] == reverse("account_verify_phone")
    assert "已被其他账户使用" not in response.content.decode()
    # and the number stays with its owner
    newcomer = User.objects.get(username="wangwu")
    assert newcomer.id_number_hash is None
    owner.refresh_from_db()
    assert owner.id_number_hash == lookup_hash(VALID_ID)


def test_a_stranger_who_types_my_id_at_sign_up_reserves_nothing(client, sms_outbox):
    # given a stranger's sign-up with my ID, phone never verified
    stranger = dict(SIGNUP, username="stranger", phone="13800000001")
    client.post(reverse("account_signup"), stranger)
    assert User.objects.get(username="stranger").id_number_hash is None

    # when I sign up with my ID and verify my phone
    me = Client()
    sms_outbox.clear()
    me.post(reverse("account_signup"), SIGNUP)
    response = me.post(reverse("account_verify_phone"), {"code": _code_from(sms_outbox[0])})

    # then the number is mine
    assert response.status_code == 302
    assert User.objects.get(username="wangwu").id_number_hash == lookup_hash(VALID_ID)


def test_a_verified_person_takes_over_an_id_held_by_an_unverified_account(client, sms_outbox):
    # given an unverified account that holds my ID (made before the rule)
    squatter = UserFactory(username="squatter", id_number=VALID_ID, phone="13800000002", phone_verified=False)
    assert squatter.id_number_hash == lookup_hash(VALID_ID)

    # when I sign up with it and verify my phone
    client.post(reverse("account_signup"), SIGNUP)
    client.post(reverse("account_verify_phone"), {"code": _code_from(sms_outbox[0])})

    # then the number is mine and the squatter's claim is gone, on the record
    assert User.objects.get(username="wangwu").id_number_hash == lookup_hash(VALID_ID)
    squatter.refresh_from_db()
    assert (squatter.id_number, squatter.id_number_hash) == ("", None)
    assert AuditEvent.objects.filter(action="accounts.user.id_number_released", object_id=str(squatter.pk)).exists()


def test_an_id_held_by_a_verified_account_is_not_taken_over(client, sms_outbox):
    owner = UserFactory(id_number=VALID_ID)

    client.post(reverse("account_signup"), SIGNUP)
    client.post(reverse("account_verify_phone"), {"code": _code_from(sms_outbox[0])})

    owner.refresh_from_db()
    assert owner.id_number_hash == lookup_hash(VALID_ID)
    assert User.objects.get(username="wangwu").id_number_hash is None


def test_unverified_sign_ups_expire(client, sms_outbox):
    from accounts.services import UNVERIFIED_SIGNUP_TTL, expire_unverified_signups

    client.post(reverse("account_signup"), SIGNUP)
    verified = UserFactory()
    later = timezone.now() + UNVERIFIED_SIGNUP_TTL + dt.timedelta(minutes=1)

    assert expire_unverified_signups(now=timezone.now()) == 0
    assert expire_unverified_signups(now=later) == 1
    assert list(User.objects.values_list("pk", flat=True)) == [verified.pk]


def test_signup_with_a_phone_already_registered_creates_nobody_and_tells_the_owner(client, sms_outbox):
    # given
    owner = UserFactory(phone="13912345678")

    # when
    response = client.post(reverse("account_signup"), SIGNUP)

    # then allauth does not reveal the account exists; the owner gets a text instead
    assert response.status_code == 302
    assert list(User.objects.values_list("username", flat=True)) == [owner.username]
    assert [(sms.phone, sms.message) for sms in sms_outbox] == [
        ("13912345678", "【考证】该手机号已注册考证账户。如忘记密码，请在登录页选择“忘记密码”。")
    ]


def test_signup_that_fails_at_the_identity_step_leaves_no_user_behind(client, sms_outbox, monkeypatch):
    # given the identity step loses a race for the ID number after the user row is written
    from django.db import IntegrityError

    from accounts import forms

    def lose_the_race(**kwargs):
        assert User.objects.filter(username="wangwu").exists()  # written inside the transaction
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(forms.services, "set_identity", lose_the_race)

    # when
    with pytest.raises(IntegrityError):
        client.post(reverse("account_signup"), SIGNUP)

    # then nothing of the sign-up remains
    assert not User.objects.filter(username="wangwu").exists()
    assert sms_outbox == []
