"""Certificate pages: public verification, the worker's wallet, the PDF, the JWKS."""

from __future__ import annotations

import base64

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from accounts import network
from accounts.private_media import private_file_response

from . import reviews, selectors, services, signing
from .forms import VerifyForm
from .models import Certificate, RosterCheck, VerificationLog
from .pdf import photo_data_uri
from .qr import qr_svg, verification_url
from .refreshers import refresher_statuses
from .rules import TransitionNotAllowed, can_apply_for_review, embedded_id_number

#: The HTML pages and the JSON API share one budget per client address.
VERIFY_RATE_GROUP = "certificates.verify"
NOT_FOUND_MESSAGE = gettext_lazy("未找到匹配的证书。请核对证号和姓名后重试。")
#: A QR link that leads nowhere: the scanner has no number or name to check.
BAD_LINK_MESSAGE = gettext_lazy(
    "这个核验链接无效：可能扫描不完整或链接被改动。请重新扫描证书上的二维码，或用证号和姓名核验。"
)
RATE_LIMITED_MESSAGE = gettext_lazy("查询过于频繁，请稍后再试。")
VOID_MESSAGE = gettext_lazy("此证书文件已作废：证书已补发或信息已变更，旧证不再有效。请持证人出示最新证书。")


def verify_rate(group: str, request: HttpRequest) -> str:
    """Read at request time, so an operator (or a test) can change VERIFY_RATE."""
    return settings.VERIFY_RATE


def over_verify_limit(request: HttpRequest) -> bool:
    """Count one lookup against the client's budget; True once it is spent."""
    return is_ratelimited(request, group=VERIFY_RATE_GROUP, key="ip", rate=verify_rate, increment=True)


def client_ip(request: HttpRequest) -> str | None:
    return network.client_ip(request)


def rate_limited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """settings.RATELIMIT_VIEW: 429 as a small page for browsers, JSON for the API."""
    wants_json = request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")
    if wants_json:
        response: HttpResponse = JsonResponse({"detail": gettext(RATE_LIMITED_MESSAGE)}, status=429)
    else:
        response = render(request, "certificates/rate_limited.html", {"message": RATE_LIMITED_MESSAGE}, status=429)
    response["Retry-After"] = "60"
    return response


def _public_headers(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_GET
def public(request: HttpRequest, token: str) -> HttpResponse:
    """The page a certificate's QR code opens: is it valid, and whose (masked) is it."""
    if over_verify_limit(request):
        return rate_limited(request)
    verification = services.verify_lookup(
        channel=VerificationLog.Channel.QR, client_ip=client_ip(request), user=request.user, token=token
    )
    if verification.certificate is None:
        context = {"record": None, "not_found_message": BAD_LINK_MESSAGE}
        return _public_headers(render(request, "certificates/public.html", context, status=404))
    if verification.void:
        context = {"record": None, "void_message": VOID_MESSAGE}
        return _public_headers(render(request, "certificates/public.html", context, status=410))
    context = {
        "record": selectors.public_record(verification.certificate),
        "token": token,
        "has_photo": bool(getattr(verification.certificate.holder, "photo", None)),
    }
    return _public_headers(render(request, "certificates/public.html", context))


@never_cache
@require_GET
def public_photo(request: HttpRequest, token: str) -> HttpResponse:
    """The holder's photo on the verification card, at card size: only for a valid QR token
    (a void or unknown one shows nothing), never the stored file itself."""
    certificate = selectors.find_by_token(token)
    data_uri = photo_data_uri(certificate) if certificate is not None else ""
    if not data_uri:
        raise Http404
    response = HttpResponse(base64.b64decode(data_uri.split(",", 1)[1]), content_type="image/jpeg")
    return _public_headers(response)


@never_cache
@require_GET
def verify(request: HttpRequest) -> HttpResponse:
    """Number + name look-up. Only a submitted, well-formed form counts as a lookup."""
    submitted = "number" in request.GET or "name" in request.GET
    form = VerifyForm(request.GET if submitted else None)
    context: dict = {"form": form, "searched": False, "record": None, "not_found_message": NOT_FOUND_MESSAGE}
    if submitted and form.is_valid():
        if over_verify_limit(request):
            return rate_limited(request)
        certificate = services.verify_certificate(
            channel=VerificationLog.Channel.FORM,
            client_ip=client_ip(request),
            user=request.user,
            number=form.cleaned_data["number"],
            name=form.cleaned_data["name"],
        )
        context["searched"] = True
        context["record"] = selectors.public_record(certificate) if certificate else None
    return _public_headers(render(request, "certificates/verify.html", context))


@login_required
@require_GET
def wallet(request: HttpRequest) -> HttpResponse:
    """The worker's certificates, each with its status, PDF and an on-screen QR card."""
    today = timezone.localdate()
    certificates = list(selectors.certificates_for_holder(request.user))
    reviews_by_certificate = selectors.pending_reviews_by_certificate(certificates)
    refreshers = refresher_statuses(certificates, today=today)
    cards = []
    for certificate in certificates:
        url = verification_url(certificate.token)
        svg = qr_svg(url, css_class="qr", title=gettext("扫码核验"), scale=5, sized=True)
        record = selectors.public_record(certificate)
        review = reviews_by_certificate.get(certificate.pk)
        cards.append(
            {
                "certificate": certificate,
                "record": record,
                "verify_url": url,
                "qr": mark_safe(svg),  # generated here from our own URL, no user input
                "can_apply_for_review": certificate.status == Certificate.Status.VALID
                and can_apply_for_review(certificate.review_due, today),
                "review": review if review is not None and review.due_on == certificate.review_due else None,
                "refresher": refreshers.get(certificate.pk),
            }
        )
    return render(request, "certificates/wallet.html", {"cards": cards})


@login_required
@require_GET
def pdf(request: HttpRequest, number: str) -> HttpResponse:
    """The PDF for its holder, the issuing authority's regulators and administrators.

    Anyone else gets the same 404 as for a number that does not exist.
    """
    certificate = selectors.downloadable_certificate(user=request.user, number=number)
    if certificate is None:
        raise Http404(NOT_FOUND_MESSAGE)
    services.ensure_pdf(certificate)
    return pdf_response(certificate)


def pdf_response(certificate: Certificate) -> HttpResponse:
    """Inline PDF (or a short-lived signed link to it); a number that embeds an ID number stays out of the file name."""
    filename = "certificate.pdf" if embedded_id_number(certificate.number) else f"certificate-{certificate.number}.pdf"
    return private_file_response(certificate.pdf, content_type="application/pdf", filename=filename)


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    """/.well-known/jwks.json: the public keys that sign certificate credentials."""
    response = JsonResponse(signing.jwks())
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@never_cache
@require_GET
def credential(request: HttpRequest, token: str) -> HttpResponse:
    """The certificate as a signed W3C Verifiable Credential (Open Badges 3.0), to download."""
    if over_verify_limit(request):
        return rate_limited(request)
    verification = services.verify_lookup(
        channel=VerificationLog.Channel.API, client_ip=client_ip(request), user=request.user, token=token
    )
    if not verification.found:
        raise Http404(NOT_FOUND_MESSAGE)
    record = selectors.public_record(verification.certificate)
    body = signing.sign_verifiable_credential(record, verify_url=verification_url(token), site_url=settings.SITE_URL)
    response = HttpResponse(body, content_type="application/vc+jwt")
    response["Content-Disposition"] = 'attachment; filename="certificate-credential.jwt"'
    return _public_headers(response)


@never_cache
def check_credential(request: HttpRequest) -> HttpResponse:
    """Paste a credential (compact JWS) and learn whether it is ours and unaltered."""
    result = None
    if request.method == "POST":
        if over_verify_limit(request):
            return rate_limited(request)
        result = signing.check_credential(request.POST.get("credential", ""))
    return _public_headers(render(request, "certificates/check_credential.html", {"result": result}))


@login_required
@require_POST
def apply_review(request: HttpRequest, number: str) -> HttpResponse:
    """The holder applies for review of their own certificate (in the 60-day window)."""
    certificate = selectors.find_by_number(number) or selectors.find_by_token(number)
    if certificate is None or certificate.holder_id != request.user.pk:
        raise Http404(NOT_FOUND_MESSAGE)
    try:
        reviews.apply_for_review(certificate=certificate, applicant=request.user)
    except (ValidationError, TransitionNotAllowed) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, gettext("复审申请已提交，请等待发证机关审核。"))
    return redirect("certificates:wallet")


ROSTER_SESSION_KEY = "certificates.roster_results"
ROSTER_RATE_GROUP = "certificates.roster"


def roster_rate(group: str, request: HttpRequest) -> str:
    """People looked up per user and hour (settings.ROSTER_RATE, default 2000/h)."""
    return settings.ROSTER_RATE


def over_roster_limit(request: HttpRequest, people: int) -> bool:
    """Every person on a roster counts against the user's budget, so a roster cannot be
    used to test ID numbers in bulk."""
    limited = False
    for _ in range(people):
        limited = is_ratelimited(request, group=ROSTER_RATE_GROUP, key="user", rate=roster_rate, increment=True)
    return limited


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def roster(request: HttpRequest) -> HttpResponse:
    """Employers upload a roster (Excel) and see each person's certificate status."""
    from .roster import RosterError, check_roster, is_large, parse_roster, start_roster_check

    context: dict = {
        "errors": [],
        "results": None,
        "recent": _recent_roster_checks(request.user),
        **_roster_limits(),
    }
    if request.method == "POST":
        upload = request.FILES.get("roster")
        if upload is None:
            context["errors"] = [gettext("请选择要上传的 Excel 文件。")]
        elif over_verify_limit(request):
            return rate_limited(request)
        else:
            try:
                rows = parse_roster(upload)
            except RosterError as exc:
                context["errors"] = exc.errors
            else:
                if over_roster_limit(request, len(rows)):
                    return rate_limited(request)
                if is_large(rows):
                    upload.seek(0)
                    job = start_roster_check(
                        user=request.user,
                        content=upload.read(),
                        total=len(rows),
                        client=services.client_digest(client_ip(request)),
                    )
                    return redirect("certificates:roster_check", pk=job.pk)
                results = check_roster(rows=rows, user=request.user, client=services.client_digest(client_ip(request)))
                request.session[ROSTER_SESSION_KEY] = [result.__dict__ for result in results]
                context["results"] = results
    return _public_headers(render(request, "certificates/roster.html", context))


@never_cache
@login_required
@require_GET
def roster_excel(request: HttpRequest) -> HttpResponse:
    """The last roster check of this session as an Excel file."""
    results = request.session.get(ROSTER_SESSION_KEY)
    if not results:
        raise Http404(gettext("没有可下载的核验结果，请先上传名单。"))
    return _roster_workbook_response(results)


def _roster_workbook_response(results) -> HttpResponse:
    """A roster check's results as a private Excel download."""
    from .roster import roster_workbook

    response = HttpResponse(
        roster_workbook(results), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="roster-check.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


def _roster_limits() -> dict:
    return {"max_rows": settings.ROSTER_MAX_ROWS, "sync_rows": settings.ROSTER_SYNC_ROWS}


def _recent_roster_checks(user) -> list[RosterCheck]:
    """The user's own large roster checks, newest first, to come back to."""
    return list(RosterCheck.objects.filter(requested_by=user).defer("results")[:5])


def _own_roster_check(request: HttpRequest, pk: int) -> RosterCheck:
    """Only the uploader sees a roster check; anyone else gets the same 404 as for none."""
    job = RosterCheck.objects.filter(pk=pk, requested_by=request.user).first()
    if job is None:
        raise Http404(gettext("没有这次核验。"))
    return job


@never_cache
@login_required
@require_GET
def roster_check(request: HttpRequest, pk: int) -> HttpResponse:
    """A large roster's progress (the page refreshes itself until done), then its results."""
    job = _own_roster_check(request, pk)
    context = {
        "errors": [gettext("名单核验失败，请检查文件后重新上传。")] if job.status == RosterCheck.Status.FAILED else [],
        "results": job.results if job.status == RosterCheck.Status.DONE else None,
        "job": job,
        **_roster_limits(),
    }
    return _public_headers(render(request, "certificates/roster.html", context))


@never_cache
@login_required
@require_GET
def roster_check_status(request: HttpRequest, pk: int) -> JsonResponse:
    """A large roster's progress, for a page that prefers to poll."""
    job = _own_roster_check(request, pk)
    return JsonResponse({"status": job.status, "done": job.done, "total": job.total, "percent": job.percent})


@never_cache
@login_required
@require_GET
def roster_check_excel(request: HttpRequest, pk: int) -> HttpResponse:
    """A large roster's results as an Excel file, for the uploader once the check is done."""
    job = _own_roster_check(request, pk)
    if job.status != RosterCheck.Status.DONE:
        raise Http404(gettext("核验尚未完成。"))
    return _roster_workbook_response(job.results)
