"""Second factor for the powerful: regulators, administrators and superusers.

They can issue and revoke certificates for a whole region, so they work only in a session
that passed TOTP. Until their account has a TOTP authenticator every page sends them to
allauth's activation page; with one, a session that did not pass it (a password alone)
is sent to enter a code. The JSON API answers 403 instead. allauth's own pages (log out,
set up MFA), static files, the favicon and the public pages stay reachable: a browser
fetches /favicon.ico after every page, and sending that request to the set-up page would
restart the set-up behind the person's back.
"""

from __future__ import annotations

from allauth.core.exceptions import RateLimited
from allauth.headless.internal.sessionkit import authenticate_by_x_session_token
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .mfa import session_passed_mfa
from .models import MFA_REQUIRED_ROLES, User
from .selectors import roles_of

API_PREFIX = "/api/"
MFA_REQUIRED_MESSAGE = _("您的账户权限较高，请先启用两步验证（身份验证器应用）后再继续。")
MFA_CODE_REQUIRED_MESSAGE = _("您的账户权限较高，请输入身份验证器应用中的验证码后再继续。")
#: Files a browser asks for on its own, after any page.
BROWSER_FETCHES = ("/favicon.ico", "/robots.txt", "/apple-touch-icon.png", "/apple-touch-icon-precomposed.png")


def _exempt_prefixes() -> tuple[str, ...]:
    prefixes = ["/accounts/", "/_allauth/", "/healthz", "/v/", "/verify/", "/i18n/", "/.well-known/", "/sw.js"]
    for url in (settings.STATIC_URL, settings.MEDIA_URL):
        if url and url.startswith("/") and url != "/":
            prefixes.append(url)
    return tuple(prefixes)


def needs_mfa(user: User) -> bool:
    return user.is_superuser or bool(roles_of(user) & MFA_REQUIRED_ROLES)


def mfa_required(user: User) -> bool:
    """Whether this user must set TOTP up before doing anything else."""
    if not needs_mfa(user):
        return False
    return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class RequireMFAMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.exempt_prefixes = _exempt_prefixes()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path in BROWSER_FETCHES or request.path.startswith(self.exempt_prefixes):
            return self.get_response(request)
        found = self._user(request)
        if found is not None:
            user, session = found
            if needs_mfa(user):
                if mfa_required(user):
                    return self._refuse(request, MFA_REQUIRED_MESSAGE, "mfa_activate_totp")
                if not session_passed_mfa(session, user):
                    return self._refuse(request, MFA_CODE_REQUIRED_MESSAGE, "mfa_reauthenticate")
        return self.get_response(request)

    def _user(self, request: HttpRequest) -> tuple[User, SessionBase] | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user, request.session
        # App clients authenticate the API with allauth's session token, not a cookie.
        token = request.headers.get("X-Session-Token")
        if token and request.path.startswith(API_PREFIX):
            found = authenticate_by_x_session_token(token)
            if found:
                return found[0], found[1]
        return None

    def _refuse(self, request: HttpRequest, message, url_name: str) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            return JsonResponse({"detail": gettext(message)}, status=403)
        messages.warning(request, message)
        response = redirect(url_name)
        if url_name == "mfa_reauthenticate" and request.method == "GET":
            response["Location"] += "?" + urlencode({"next": request.get_full_path()})
        return response


TOO_MANY_ATTEMPTS_MESSAGE = _("操作过于频繁（例如刚刚已发送过验证码），请稍等一分钟再试。")


class RateLimitedMiddleware:
    """allauth raises RateLimited from deep inside a flow (a second log-in while a phone
    code was just sent): a 429 with a clear message, never a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, RateLimited):
            return None
        message = gettext(TOO_MANY_ATTEMPTS_MESSAGE)
        response: HttpResponse
        if request.path.startswith(("/_allauth/", API_PREFIX)):
            response = JsonResponse(
                {"status": 429, "errors": [{"code": "too_many_requests", "message": message}]}, status=429
            )
        else:
            response = render(request, "429.html", {"message": message}, status=429)
        response["Retry-After"] = "60"
        return response
