"""allauth, customised only here: Chinese mainland phone numbers stored on the User,
verification codes sent through accounts.sms."""

from __future__ import annotations

import string
from typing import Any

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import ValidationError
from django.utils.crypto import get_random_string
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import selectors, services
from .models import User
from .phone import InvalidPhone, normalize_phone
from .sms import send_sms

USERNAME_LOOKS_LIKE_PHONE = _("用户名不能是手机号码，请换一个用户名。")


class AccountAdapter(DefaultAccountAdapter):
    def clean_username(self, username: str, shallow: bool = False) -> str:
        # A username that is someone else's phone number would make phone login
        # ambiguous (the username wins), so usernames never look like one.
        try:
            normalize_phone(username)
        except InvalidPhone:
            pass
        else:
            raise ValidationError(USERNAME_LOOKS_LIKE_PHONE, code="username_is_phone")
        return super().clean_username(username, shallow=shallow)

    # --- Phone numbers --------------------------------------------------------------

    def phone_form_field(self, **kwargs: Any) -> Any:
        # allauth's field insists on E.164 (+86...); people here type 11 digits, so
        # its validator is dropped and clean_phone() does the checking instead.
        kwargs.setdefault("validators", [])
        field = super().phone_form_field(**kwargs)
        field.widget.attrs.update({"placeholder": _("11位手机号"), "inputmode": "tel", "maxlength": "20"})
        return field

    def clean_phone(self, phone: str) -> str:
        try:
            return normalize_phone(phone)
        except InvalidPhone as exc:
            raise ValidationError(services.PHONE_INVALID, code="invalid_phone") from exc

    def set_phone(self, user: User, phone: str, verified: bool) -> None:
        services.set_phone(user=user, phone=phone, verified=verified)

    def get_phone(self, user: User) -> tuple[str, bool] | None:
        if not user.phone:
            return None
        return user.phone, user.phone_verified

    def set_phone_verified(self, user: User, phone: str) -> None:
        services.verify_phone(user=user, phone=phone)

    def get_user_by_phone(self, phone: str) -> User | None:
        return selectors.user_by_phone(phone)

    def generate_phone_verification_code(self, *, user: User, phone: str) -> str:
        # Six digits, as every SMS code in China looks; allauth allows 3 tries per code.
        return get_random_string(6, allowed_chars=string.digits)

    def send_verification_code_sms(self, user: User, phone: str, code: str, **kwargs: Any) -> None:
        minutes = max(1, allauth_settings.PHONE_VERIFICATION_TIMEOUT // 60)
        send_sms(
            phone,
            gettext("【考证】您的验证码是 %(code)s，%(minutes)s 分钟内有效。请勿泄露给他人。")
            % {"code": code, "minutes": minutes},
        )

    def send_account_already_exists_sms(self, phone: str) -> None:
        send_sms(phone, gettext("【考证】该手机号已注册考证账户。如忘记密码，请在登录页选择“忘记密码”。"))

    def send_unknown_account_sms(self, phone: str, **kwargs: Any) -> None:
        send_sms(phone, gettext("【考证】有人请求用此手机号登录考证，但该号码未注册账户。如非本人操作，请忽略。"))
