"""The second factor: which sessions passed it, and allauth's TOTP forms made usable on a phone.

A regulator or administrator is trusted with a region's certificates only in a session
that passed TOTP: having an authenticator is not enough (a password alone would still
open the session). allauth records every authentication step of the session; a step
with method "mfa" for this user is the proof.
"""

from __future__ import annotations

from typing import Any

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.totp.forms import ActivateTOTPForm
from allauth.mfa.totp.internal import auth as totp_auth
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import User

INCORRECT_CODE = _("验证码错误，请输入身份验证器应用当前显示的6位数字。")
#: How the code box looks on a phone: the number pad, and the code the phone offers.
#: (Recovery codes are digits too, eight of them, so only the set-up box is held to six.)
CODE_WIDGET_ATTRS = {"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}


class _SessionOnly:
    """What get_authentication_records reads of a request: its session."""

    def __init__(self, session: SessionBase) -> None:
        self.session = session


def session_passed_mfa(session: SessionBase, user: User) -> bool:
    """Whether this session's user completed a second-factor step (log-in, set-up or
    re-authentication) in this very session."""
    records = get_authentication_records(_SessionOnly(session), user)  # type: ignore[arg-type]
    return any(record.get("method") == "mfa" for record in records)


def request_passed_mfa(request: HttpRequest, user: User) -> bool:
    return session_passed_mfa(request.session, user)


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {**DefaultMFAAdapter.error_messages, "incorrect_code": INCORRECT_CODE}


class StableActivateTOTPForm(ActivateTOTPForm):
    """allauth makes a new secret on every GET of the set-up page; a reload (or anything
    that lands on the page again) would leave a stale QR code in the person's app. The
    secret stays the same until TOTP is activated (allauth then clears it)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.user = kwargs.pop("user")
        super(ActivateTOTPForm, self).__init__(*args, **kwargs)
        self.secret = totp_auth.get_totp_secret(regenerate=False)
        self.fields["code"].label = _("验证码")
        self.fields["code"].widget.attrs.update(CODE_WIDGET_ATTRS, maxlength="6", placeholder=_("6位数字"))

    def clean_code(self) -> str:
        code = super().clean_code()
        # The right code proves the factor just as a log-in step does: this session counts
        # as passed, so the person is not asked for a second code a moment later.
        record_authentication(context.request, self.user, "mfa", type="totp", activated=True)
        return code


class PhoneAuthenticateForm(AuthenticateForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(CODE_WIDGET_ATTRS)


class PhoneReauthenticateForm(ReauthenticateForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(CODE_WIDGET_ATTRS)
