"""The allauth adapter's phone hooks, called directly."""

from __future__ import annotations

import re

import pytest
from allauth.account.adapter import get_adapter
from allauth.core import context
from django.core.exceptions import ValidationError

from accounts.adapter import AccountAdapter
from accounts.models import SmsDelivery, User
from tests.factories import UserFactory


def test_settings_use_our_adapter_with_a_full_phone_implementation():
    adapter = get_adapter()
    assert isinstance(adapter, AccountAdapter)
    assert adapter._has_phone_impl is True


@pytest.mark.parametrize("raw", ["13912345678", "+86 139 1234 5678", "139-1234-5678"])
def test_phone_form_field_accepts_mainland_numbers_without_country_code(raw):
    field = AccountAdapter().phone_form_field(required=True)
    assert field.clean(raw) == "13912345678"


def test_phone_form_field_rejects_other_numbers_in_chinese():
    field = AccountAdapter().phone_form_field(required=True)
    with pytest.raises(ValidationError) as excinfo:
        field.clean("+14155550100")
    assert excinfo.value.messages == ["请输入11位中国大陆手机号码。"]


def test_phone_verification_code_is_six_digits():
    codes = {AccountAdapter().generate_phone_verification_code(user=User(), phone="13912345678") for _ in range(20)}
    assert all(re.fullmatch(r"\d{6}", code) for code in codes)
    assert len(codes) > 1


@pytest.mark.django_db
def test_get_phone_and_get_user_by_phone():
    # given
    user = UserFactory(phone="13912345678", phone_verified=False)
    without = UserFactory(phone=None)
    adapter = AccountAdapter()

    # when / then
    assert adapter.get_phone(user) == ("13912345678", False)
    assert adapter.get_phone(without) is None
    assert adapter.get_user_by_phone("+8613912345678") == user
    assert adapter.get_user_by_phone("13900000000") is None
    assert adapter.get_user_by_phone("garbage") is None


@pytest.mark.django_db
def test_set_phone_and_set_phone_verified_write_the_user():
    # given
    user = UserFactory(phone=None, phone_verified=False)
    adapter = AccountAdapter()

    # when
    adapter.set_phone(user, "13700001111", False)
    adapter.set_phone_verified(user, "13700001111")

    # then
    fresh = User.objects.get(pk=user.pk)
    assert (fresh.phone, fresh.phone_verified) == ("13700001111", True)


@pytest.mark.django_db
def test_send_verification_code_sms_goes_through_the_sms_backend(sms_outbox):
    AccountAdapter().send_verification_code_sms(user=User(), phone="13912345678", code="246810")

    assert [(sms.phone, sms.kind, sms.params, sms.message) for sms in sms_outbox] == [
        (
            "13912345678",
            "verification",
            ("246810", "15"),
            "【考证】您的验证码是 246810，15 分钟内有效。请勿泄露给他人。",
        )
    ]
    assert list(SmsDelivery.objects.values_list("kind", "params", "status")) == [
        ("verification", ["******", "15"], "sent")
    ]


@pytest.mark.django_db
def test_a_code_refused_by_a_limit_is_said_on_the_page(rf, settings, sms_outbox):
    # given a number that has had its one message this hour
    from django.contrib.messages import get_messages
    from django.contrib.messages.storage.fallback import FallbackStorage

    settings.SMS_LIMIT_PER_NUMBER_HOUR = 1
    request = rf.post("/accounts/phone/")
    request.session = {}
    request._messages = FallbackStorage(request)
    adapter = AccountAdapter(request)
    with context.request_context(request):
        adapter.send_verification_code_sms(user=User(), phone="13912345678", code="111111")

        # when a second code is asked for
        adapter.send_verification_code_sms(user=User(), phone="13912345678", code="222222")

    # then it did not go, and the page says why
    assert [sms.params[0] for sms in sms_outbox] == ["111111"]
    assert [str(message) for message in get_messages(request)] == ["发送到该手机号的短信过于频繁，请一小时后再试。"]


def test_usernames_that_look_like_phone_numbers_are_refused():
    with pytest.raises(ValidationError) as excinfo:
        AccountAdapter().clean_username("+86 13912345678", shallow=True)
    assert excinfo.value.messages == ["用户名不能是手机号码，请换一个用户名。"]
