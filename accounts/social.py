"""WeChat sign-in (allauth's ``weixin`` provider), customised only here.

A WeChat identity says nothing about who the person is: no real name, no ID number, no
phone. So it never makes a person by itself. A first WeChat log-in goes through the
normal sign-up (real name, an ID number no other account holds, a phone verified by
code) before any account exists, and an existing user links WeChat from their own,
verified account (账户 → 微信绑定). Either way one ID number stays one person. MFA is
untouched: allauth's login stages ask regulators and administrators for their code
after WeChat as after a password.
"""

from __future__ import annotations

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.forms import SignupForm
from allauth.socialaccount.models import SocialLogin
from allauth.socialaccount.providers.base import AuthProcess
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from .models import User

LINK_NEEDS_VERIFIED_ACCOUNT = _("绑定微信前，请先完成实名信息（姓名、身份证号）并验证手机号。")


def is_verified_person(user: User) -> bool:
    """An account that says who it is: a real name, an ID number and a verified phone."""
    return bool(user.real_name and user.id_number_hash and user.phone and user.phone_verified)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        super().pre_social_login(request, sociallogin)
        if sociallogin.state.get("process") != AuthProcess.CONNECT:
            return
        user = request.user
        if not (user.is_authenticated and is_verified_person(user)):
            messages.error(request, LINK_NEEDS_VERIFIED_ACCOUNT)
            raise ImmediateHttpResponse(redirect("dashboard"))

    def is_auto_signup_allowed(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        # WeChat gives a nickname and an avatar, never who the person is: always the form.
        return False

    def populate_user(self, request: HttpRequest, sociallogin: SocialLogin, data: dict) -> User:
        # The nickname is no legal name and rarely a valid username: the form asks both.
        return super().populate_user(request, sociallogin, {})


class AtomicSocialSignupForm(SignupForm):
    """The sign-up form after a first WeChat log-in, all or nothing like the normal one
    (accounts.signup): the user, the identity and the WeChat link in one transaction."""

    def save(self, request: HttpRequest) -> User:
        with transaction.atomic():
            return super().save(request)
