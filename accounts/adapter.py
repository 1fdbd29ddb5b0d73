"""allauth, customised only here: Chinese mainland phone numbers stored on the User,
verification codes sent through accounts.sms."""

from __future__ import annotations

import string
from typing import Any

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _

from . import selectors, services
from .models import SmsKind, User
from .network import client_ip
from .phone import InvalidPhone, normalize_phone
from .sms import SmsNotSent, send_sms

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

    def get_client_ip(self, request: HttpRequest) -> str:
        # The same address django-ratelimit counts (accounts.network): trusted proxies only,
        # and a missing header is no error.
        return client_ip(request)

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
        self._send(phone, SmsKind.VERIFICATION, {"code": code, "minutes": minutes}, user=user)

    def send_account_already_exists_sms(self, phone: str) -> None:
        self._send(phone, SmsKind.ACCOUNT_EXISTS)

    def send_unknown_account_sms(self, phone: str, **kwargs: Any) -> None:
        self._send(phone, SmsKind.UNKNOWN_ACCOUNT)

    def _send(self, phone: str, kind: str, params: dict[str, Any] | None = None, *, user: User | None = None) -> None:
        """Send through accounts.sms; when the message cannot go (a limit, the service),
        the page says so instead of leaving the person waiting for a code."""
        try:
            send_sms(phone, kind, params, user=user)
        except SmsNotSent as exc:
            request = context.request
            if request is not None and hasattr(request, "_messages"):
                self.add_message(request, messages.ERROR, message=str(exc))
