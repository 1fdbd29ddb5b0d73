"""The campaign's two busiest requests, answered ahead of Django's request stack.

A campaign's peak is thousands of phones fetching a paper and submitting it. Through the
full stack each of those requests pays for the session, the user, the MFA rule, CSP,
locale, messages, URL resolving and Ninja's parsing — many times the work of the request
itself. This WSGI wrapper (config/wsgi.py) answers exactly

    GET  /api/v1/campaigns/<slug>/paper
    POST /api/v1/campaigns/<slug>/submissions
    GET  /quiz/<slug>/paper/            (the paper page, for a participant who has joined)

with the same services the API calls (``issue_paper``, ``submit_paper``): the campaign's
snapshot from process memory (no query), the paper's HMAC signature, the limits and the
idempotency keys in one Redis round trip, the submission appended to the stream the
writer drains. Everything else, and these two whenever the slim path cannot keep a
promise of the full one, goes to Django unchanged:

- without the queue (no Redis), or when the host is not allowed, or when HTTP must be
  redirected to HTTPS: Django answers (and refuses or redirects);
- a request with a session cookie: a signed-in participant is identified by the account
  behind the session, which only the full stack reads;
- the paper page without the signed device and participant cookies or the CSRF cookie
  (a first visit: Django sets them, or sends the visitor to join first).

The paper page is the page Django renders, rendered once per campaign snapshot and
language with markers where the per-request parts go (the CSRF token, the paper token,
the questions, each pre-rendered once, and a challenge if any); its headers are the
site's (the same Content-Security-Policy the middleware would send).

What the full path guarantees still holds here: the security headers (CSP, nosniff,
X-Frame-Options, Referrer-Policy, HSTS over HTTPS), the language of the errors (the
language cookie, then Accept-Language), and CSRF protection: a submission must be JSON
(a page of another site can only send that after a CORS preflight this site refuses),
carry a paper signed for the device named in its ``X-Device-Id`` header, and, when the
browser says where it comes from (``Origin``), come from this site.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils import translation
from django.utils.translation import gettext as _

PAPER_PATH = re.compile(r"^/api/v1/campaigns/([-a-zA-Z0-9_]+)/paper$")
PAGE_PATH = re.compile(r"^/quiz/([-a-zA-Z0-9_]+)/paper/$")
SUBMIT_PATH = re.compile(r"^/api/v1/campaigns/([-a-zA-Z0-9_]+)/submissions$")
MAX_BODY = 64 * 1024
JSON_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class Refusal(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


REASONS = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 409: "Conflict"}
REASONS |= {413: "Payload Too Large", 415: "Unsupported Media Type", 429: "Too Many Requests"}
REASONS |= {503: "Service Unavailable"}


def _is_secure(environ: dict[str, Any]) -> bool:
    header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if header:
        name, value = header
        if environ.get(name, "").split(",")[0].strip() == value:
            return True
    return environ.get("wsgi.url_scheme") == "https"


def _allowed_hosts() -> list[str]:
    hosts = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not hosts:
        hosts = [".localhost", "127.0.0.1", "[::1]"]
    return hosts


def _host(environ: dict[str, Any]) -> str | None:
    """The request's host when Django would accept it, else None."""
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
    domain, _port = split_domain_port(host)
    return host if domain and validate_host(domain, _allowed_hosts()) else None


def _language(environ: dict[str, Any]) -> str:
    """As LocaleMiddleware picks it, minus the URL prefix (the API has none)."""
    from django.utils.translation import trans_real

    cookie = environ.get("HTTP_COOKIE", "")
    name = settings.LANGUAGE_COOKIE_NAME + "="
    if name in cookie:
        for part in cookie.split(";"):
            key, _eq, value = part.strip().partition("=")
            if key == settings.LANGUAGE_COOKIE_NAME:
                try:
                    return translation.get_supported_language_variant(value)
                except LookupError:
                    break
    for code, _q in trans_real.parse_accept_lang_header(environ.get("HTTP_ACCEPT_LANGUAGE", "")):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def _has_session(environ: dict[str, Any]) -> bool:
    cookie = environ.get("HTTP_COOKIE", "")
    return settings.SESSION_COOKIE_NAME + "=" in cookie


def client_ip(environ: dict[str, Any]) -> str:
    """As ``campaigns.views.client_ip`` reads it from request.META."""
    key = getattr(settings, "RATELIMIT_IP_META_KEY", "REMOTE_ADDR")
    value = environ.get(key) or environ.get("REMOTE_ADDR") or "unknown"
    return value.split(",")[0].strip()


def _headers(body: bytes, language: str, secure: bool) -> list[tuple[str, str]]:
    headers = [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
        ("Content-Language", language),
        ("Cache-Control", "no-store"),
        ("Vary", "Accept-Language, Cookie"),
        ("Content-Security-Policy", JSON_CSP),
        ("X-Frame-Options", settings.X_FRAME_OPTIONS),
        ("Referrer-Policy", settings.SECURE_REFERRER_POLICY or "same-origin"),
        ("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY or "same-origin"),
    ]
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append(("X-Content-Type-Options", "nosniff"))
    if secure and settings.SECURE_HSTS_SECONDS:
        value = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            value += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            value += "; preload"
        headers.append(("Strict-Transport-Security", value))
    return headers


def _same_origin(environ: dict[str, Any], host: str, secure: bool) -> bool:
    origin = environ.get("HTTP_ORIGIN")
    if origin is None:
        return True  # not a browser, or a same-origin GET: the signed paper still binds the device
    if origin == f"{'https' if secure else 'http'}://{host}":
        return True
    return origin in getattr(settings, "CSRF_TRUSTED_ORIGINS", [])


def _paper(environ: dict[str, Any], slug: str) -> dict[str, Any]:
    from . import selectors, services

    snapshot = selectors.campaign_snapshot(slug)
    if snapshot is None:
        raise Refusal(404, _("没有这个答题活动。"))
    device = (environ.get("HTTP_X_DEVICE_ID") or "")[:40] or services.new_device_id()
    try:
        issued = services.issue_paper(snapshot=snapshot, device=device, ip=client_ip(environ))
    except services.CampaignError as exc:
        raise Refusal(exc.status, exc.message) from exc
    return {
        "paper_token": issued.token,
        "device_id": device,
        "expires_at": issued.expires_at,
        "challenge": issued.challenge,
        "questions": [{"id": q[0], "kind": q[1], "stem": q[2], "options": q[3]} for q in issued.questions],
    }


# --- The paper page -------------------------------------------------------------------------

CSRF_MARK, TOKEN_MARK, QUESTIONS_MARK, CHALLENGE_MARK, NUMBER_MARK = (
    "kzmark-csrf-7d1",
    "kzmark-token-7d1",
    "kzmark-questions-7d1",
    "kzmark-challenge-7d1",
    "kzmark-number-7d1",
)
_pages: dict[tuple[int, str], tuple[Any, str, dict[int, str]]] = {}


def _signed_cookie(cookies: dict[str, str], name: str, salt: str) -> str | None:
    """As ``request.get_signed_cookie(name, salt=salt)`` reads it: the value, or None."""
    from django.http import HttpRequest

    carrier = HttpRequest()
    carrier.COOKIES = cookies
    value = carrier.get_signed_cookie(name, default=None, salt=salt)
    return value or None


def _cookies(environ: dict[str, Any]) -> dict[str, str]:
    from django.http.cookie import parse_cookie

    return parse_cookie(environ.get("HTTP_COOKIE", ""))


def _page_parts(snapshot, language: str) -> tuple[str, dict[int, str]]:
    """The page around the paper and each question's markup, for this snapshot and language."""
    key = (snapshot.id, language)
    cached = _pages.get(key)
    if cached is not None and cached[0] is snapshot:  # the same snapshot: not an edited campaign's old one
        return cached[1], cached[2]
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest
    from django.template.loader import render_to_string
    from django.utils.safestring import mark_safe

    from .services import IssuedPaper

    request = HttpRequest()
    request.path = request.path_info = f"/quiz/{snapshot.slug}/paper/"
    request.method = "GET"
    request.META = {"SERVER_NAME": "localhost", "SERVER_PORT": "80"}
    request.user = AnonymousUser()
    request.LANGUAGE_CODE = language
    shell: str = render_to_string(
        "campaigns/paper.html",
        {
            "c": snapshot,
            "paper": IssuedPaper(token=TOKEN_MARK, questions=[], challenge="", expires_at=0),
            "paper_size": min(snapshot.paper_size, len(snapshot.questions)),
            "csrf_token": CSRF_MARK,
            "questions_html": mark_safe(QUESTIONS_MARK),  # noqa: S308 - a fixed marker
            "challenge_html": mark_safe(CHALLENGE_MARK),  # noqa: S308 - a fixed marker
        },
        request=request,
    )
    questions: dict[int, str] = {
        q[0]: render_to_string("campaigns/paper_question.html", {"q": q, "number": NUMBER_MARK})
        for q in snapshot.questions
    }
    if len(_pages) > 64:
        _pages.clear()
    _pages[key] = (snapshot, shell, questions)
    return shell, questions


def _site_csp() -> str:
    from csp.utils import build_policy

    return build_policy()


def _paper_page(environ: dict[str, Any], slug: str, language: str) -> bytes | None:
    """The paper page's bytes, or None when Django must answer (see the module's notes)."""
    from django.http import HttpRequest
    from django.middleware.csrf import get_token
    from django.template.loader import render_to_string
    from django.utils.html import escape

    from . import selectors, services
    from .views import DEVICE_COOKIE, WHO_SALT

    cookies = _cookies(environ)
    secret = cookies.get(settings.CSRF_COOKIE_NAME, "")
    if len(secret) != 32 or not secret.isalnum() or settings.CSRF_USE_SESSIONS:
        return None
    device = _signed_cookie(cookies, DEVICE_COOKIE, DEVICE_COOKIE)
    snapshot = selectors.campaign_snapshot(slug)
    if not device or snapshot is None or not _signed_cookie(cookies, f"kzq{snapshot.id}", WHO_SALT):
        return None
    try:
        issued = services.issue_paper(snapshot=snapshot, device=device, ip=client_ip(environ))
    except services.CampaignError:
        return None  # Django renders the styled refusal in the participant's language
    shell, fragments = _page_parts(snapshot, language)
    carrier = HttpRequest()  # what get_token reads and writes: the cookie's secret in META
    carrier.META = {"CSRF_COOKIE": secret}
    questions = "".join(
        fragments[q[0]].replace(NUMBER_MARK, str(number)) for number, q in enumerate(issued.questions, 1)
    )
    challenge = (
        render_to_string("campaigns/paper_challenge.html", {"challenge": issued.challenge}) if issued.challenge else ""
    )
    page = (
        shell.replace(CSRF_MARK, escape(get_token(carrier)))
        .replace(TOKEN_MARK, escape(issued.token))
        .replace(QUESTIONS_MARK, questions)
        .replace(CHALLENGE_MARK, challenge)
    )
    return page.encode()


def _optional_int(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Refusal(400, _("请求格式不正确。"))
    return value


def _submit(environ: dict[str, Any], slug: str) -> dict[str, Any]:
    from . import selectors, services
    from .models import IdentityKind

    if not environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower() == "application/json":
        raise Refusal(415, _("请以 JSON 格式提交。"))
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        raise Refusal(413, _("提交的内容过大。"))
    try:
        body = json.loads(environ["wsgi.input"].read(length) if length else b"")
    except ValueError as exc:
        raise Refusal(400, _("请求格式不正确。")) from exc
    if not isinstance(body, dict):
        raise Refusal(400, _("请求格式不正确。"))
    token, answers, nickname = body.get("paper_token"), body.get("answers"), body.get("nickname")
    challenge = body.get("challenge", "")
    if not isinstance(token, str) or not isinstance(answers, dict) or not isinstance(nickname, str):
        raise Refusal(400, _("请求格式不正确。"))
    if not isinstance(challenge, str):
        raise Refusal(400, _("请求格式不正确。"))
    district, firm = _optional_int(body.get("district")), _optional_int(body.get("firm"))
    snapshot = selectors.campaign_snapshot(slug)
    if snapshot is None:
        raise Refusal(404, _("没有这个答题活动。"))
    device = (environ.get("HTTP_X_DEVICE_ID") or "")[:40]
    who = services.Who(IdentityKind.ANONYMOUS, f"device:{device}", nickname, "", None, district, firm)
    try:
        return services.submit_paper(
            snapshot=snapshot,
            token=token,
            answers=answers,
            who=who,
            device=device,
            ip=client_ip(environ),
            idempotency_key=(environ.get("HTTP_IDEMPOTENCY_KEY") or "")[:200],
            challenge_answer=challenge,
        )
    except services.CampaignError as exc:
        raise Refusal(exc.status, exc.message) from exc


class QuizFastPath:
    """WSGI middleware: the paper and the submission of a campaign, else ``app``."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO", "")
        page = None
        if method == "GET":
            match, handler = PAPER_PATH.match(path), _paper
            if match is None:
                page = PAGE_PATH.match(path)
        elif method == "POST":
            match, handler = SUBMIT_PATH.match(path), _submit
        else:
            match = None
        if (match is None and page is None) or not self.takes(environ):
            return self.app(environ, start_response)
        host = _host(environ)
        secure = _is_secure(environ)
        if host is None or (settings.SECURE_SSL_REDIRECT and not secure):
            return self.app(environ, start_response)  # Django refuses the host or redirects to HTTPS
        language = _language(environ)
        if page is not None:
            with translation.override(language):
                html = _paper_page(environ, page[1], language)
            if html is None:
                return self.app(environ, start_response)
            headers = _headers(html, language, secure)
            headers[0] = ("Content-Type", "text/html; charset=utf-8")
            headers[5] = ("Content-Security-Policy", _site_csp())
            start_response("200 OK", headers)
            return [html]
        with translation.override(language):
            try:
                if method == "POST" and not _same_origin(environ, host, secure):
                    raise Refusal(403, _("请求来源不正确，请从活动页面提交。"))
                status, payload = 200, handler(environ, match[1] if match else "")
            except Refusal as exc:
                status, payload = exc.status, {"detail": exc.message}
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        start_response(f"{status} {REASONS.get(status, 'Error')}", _headers(body, language, secure))
        return [body]

    @staticmethod
    def takes(environ: dict[str, Any]) -> bool:
        from . import queue

        return queue.enabled() and not _has_session(environ)
