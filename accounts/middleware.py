"""Second factor for the powerful: regulators, administrators and superusers.

They can issue and revoke certificates for a whole region, so until their account has
a TOTP authenticator every page sends them to allauth's activation page, and the JSON
API answers 403. allauth's own pages (log out, set up MFA) and the public pages stay
reachable.
"""

from __future__ import annotations

from allauth.headless.internal.sessionkit import authenticate_by_x_session_token
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import MFA_REQUIRED_ROLES, User
from .selectors import roles_of

API_PREFIX = "/api/"
MFA_REQUIRED_MESSAGE = _("您的账户权限较高，请先启用两步验证（身份验证器应用）后再继续。")


def _exempt_prefixes() -> tuple[str, ...]:
    prefixes = ["/accounts/", "/_allauth/", "/healthz", "/v/", "/verify/", "/i18n/", "/.well-known/"]
    for url in (settings.STATIC_URL, settings.MEDIA_URL):
        if url and url.startswith("/") and url != "/":
            prefixes.append(url)
    return tuple(prefixes)


def mfa_required(user: User) -> bool:
    """Whether this user must have TOTP before doing anything else."""
    if not user.is_superuser and not (roles_of(user) & MFA_REQUIRED_ROLES):
        return False
    return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class RequireMFAMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.exempt_prefixes = _exempt_prefixes()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(self.exempt_prefixes):
            user = self._user(request)
            if user is not None and mfa_required(user):
                return self._refuse(request)
        return self.get_response(request)

    def _user(self, request: HttpRequest) -> User | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        # App clients authenticate the API with allauth's session token, not a cookie.
        token = request.headers.get("X-Session-Token")
        if token and request.path.startswith(API_PREFIX):
            found = authenticate_by_x_session_token(token)
            if found:
                return found[0]
        return None

    def _refuse(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            return JsonResponse({"detail": gettext(MFA_REQUIRED_MESSAGE)}, status=403)
        messages.warning(request, MFA_REQUIRED_MESSAGE)
        return redirect("mfa_activate_totp")
