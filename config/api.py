"""The JSON API for app clients: /api/v1/ (OpenAPI at /api/v1/openapi.json).

App clients authenticate with allauth's headless session token (X-Session-Token);
browsers with their Django session (and CSRF). Errors are {"detail": ...}.
"""

from allauth.headless.contrib.ninja.security import x_session_token_auth
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import SessionAuth

from accounts.api import router as accounts_router
from campaigns.api import router as campaigns_router
from certificates.api import router as certificates_router
from employers.api import router as employers_router
from exams.practice.api import router as practice_router
from exams.theory.api import router as exams_router

api = NinjaAPI(
    title="Kaozheng API",
    version="1",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    auth=[x_session_token_auth, SessionAuth()],
)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError):
    return api.create_response(request, {"detail": exc.message}, status=exc.status_code)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError):
    return api.create_response(request, {"detail": _("需要登录。")}, status=401)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError):
    return api.create_response(request, {"detail": exc.errors}, status=422)


api.add_router("", accounts_router)
api.add_router("", exams_router)
api.add_router("", certificates_router)
api.add_router("", practice_router)
api.add_router("", employers_router)
api.add_router("", campaigns_router)
