"""Certificates in the JSON API: the caller's wallet, PDFs and public verification."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext
from ninja import Router, Schema
from ninja.errors import HttpError

from accounts.models import User

from . import selectors, services, signing
from .models import Certificate, VerificationLog
from .qr import verification_url
from .rules import PublicRecord, embedded_id_number
from .views import (
    NOT_FOUND_MESSAGE,
    RATE_LIMITED_MESSAGE,
    VOID_MESSAGE,
    client_ip,
    over_verify_limit,
    pdf_response,
)

router = Router(tags=["certificates"])


class ErrorOut(Schema):
    detail: str


class OperationTypeOut(Schema):
    code: str
    name: str


class CertificateOut(Schema):
    number: str
    status: str
    status_label: str
    #: The qualification kind: "special_operation" or "management" (principal leaders, safety managers).
    kind: str
    kind_name: str
    operation_type: OperationTypeOut
    issued_on: dt.date
    valid_until: dt.date
    review_due: dt.date
    pdf_url: str
    verify_url: str


class VerificationOut(Schema):
    number: str
    status: str
    status_label: str
    holder_masked: str
    holder_id_masked: str
    kind: str
    kind_name: str
    #: Order No. 30 art. 32: away from the work more than 6 months, practical exam again.
    practical_again: bool
    operation_type: OperationTypeOut
    issued_on: dt.date
    valid_until: dt.date
    review_due: dt.date
    issuer: str
    credential: str


def _caller(request: HttpRequest) -> User:
    """The authenticated user: X-Session-Token puts it in request.auth, sessions in both."""
    user = request.auth if isinstance(getattr(request, "auth", None), User) else request.user
    return user


def _certificate_out(certificate: Certificate) -> CertificateOut:
    record = selectors.public_record(certificate)
    # A number that embeds an ID number stays out of URLs (and so out of access logs).
    key = certificate.token if embedded_id_number(certificate.number) else certificate.number
    pdf_path = reverse("api:certificate_pdf", kwargs={"number": key})
    return CertificateOut(
        number=certificate.number,
        status=str(record.status),
        status_label=record.status_label,
        kind=record.kind,
        kind_name=record.kind_name,
        operation_type=OperationTypeOut(code=record.operation_type_code, name=record.operation_type_name),
        issued_on=certificate.issued_on,
        valid_until=certificate.valid_until,
        review_due=certificate.review_due,
        pdf_url=f"{settings.SITE_URL}{pdf_path}",
        verify_url=verification_url(certificate.token),
    )


def _verification_out(record: PublicRecord) -> VerificationOut:
    return VerificationOut(
        number=record.number,
        status=str(record.status),
        status_label=record.status_label,
        holder_masked=record.holder_masked,
        holder_id_masked=record.holder_id_masked,
        kind=record.kind,
        kind_name=record.kind_name,
        practical_again=record.practical_again,
        operation_type=OperationTypeOut(code=record.operation_type_code, name=record.operation_type_name),
        issued_on=record.issued_on,
        valid_until=record.valid_until,
        review_due=record.review_due,
        issuer=record.issuer,
        credential=signing.sign_record(record),
    )


@router.get("/certificates", response=list[CertificateOut], url_name="certificates", summary="My certificates")
def list_certificates(request: HttpRequest):
    return [_certificate_out(certificate) for certificate in selectors.certificates_for_holder(_caller(request))]


@router.get(
    "/certificates/{number}/pdf",
    response={200: None, 404: ErrorOut},
    url_name="certificate_pdf",
    summary="A certificate's PDF (holder, issuing authority, administrators)",
    openapi_extra={
        "responses": {200: {"description": "The PDF", "content": {"application/pdf": {"schema": {"type": "string"}}}}}
    },
)
def certificate_pdf(request: HttpRequest, number: str) -> HttpResponse:
    certificate = selectors.downloadable_certificate(user=_caller(request), number=number)
    if certificate is None:
        raise HttpError(404, gettext(NOT_FOUND_MESSAGE))
    services.ensure_pdf(certificate)
    return pdf_response(certificate)


def _verify(request: HttpRequest, **lookup: str) -> VerificationOut:
    if over_verify_limit(request):
        raise HttpError(429, gettext(RATE_LIMITED_MESSAGE))
    verification = services.verify_lookup(
        channel=VerificationLog.Channel.API, client_ip=client_ip(request), user=request.user, **lookup
    )
    if verification.certificate is None:
        raise HttpError(404, gettext(NOT_FOUND_MESSAGE))
    if verification.void:
        raise HttpError(410, gettext(VOID_MESSAGE))
    return _verification_out(selectors.public_record(verification.certificate))


@router.get(
    "/verify",
    auth=None,
    response={200: VerificationOut, 404: ErrorOut, 429: ErrorOut},
    url_name="verify",
    summary="Verify by certificate number and holder name (public, rate-limited)",
)
def verify_by_number(request: HttpRequest, number: str, name: str):
    return _verify(request, number=number, name=name)


@router.get(
    "/verify/{token}",
    auth=None,
    response={200: VerificationOut, 404: ErrorOut, 410: ErrorOut, 429: ErrorOut},
    url_name="verify_token",
    summary="Verify by the token in a certificate's QR code (public, rate-limited)",
)
def verify_by_token(request: HttpRequest, token: str):
    return _verify(request, token=token)


class CredentialIn(Schema):
    credential: str


class CredentialCheckOut(Schema):
    #: Signed by us, unaltered, AND the certificate is in force today.
    valid: bool
    detail: str
    claims: dict | None = None
    #: The signature alone.
    signature_valid: bool = False
    #: The certificate's status today (not the one signed), when it can be found.
    status: str | None = None
    status_label: str | None = None


@router.post(
    "/credentials/verify",
    auth=None,
    response={200: CredentialCheckOut, 429: ErrorOut},
    url_name="credential_verify",
    summary="Check that a credential (compact JWS) was signed by this platform and not altered (public)",
)
def verify_credential(request: HttpRequest, body: CredentialIn):
    if over_verify_limit(request):
        raise HttpError(429, gettext(RATE_LIMITED_MESSAGE))
    check = signing.check_credential(body.credential)
    if not check.valid or not check.claims:
        return CredentialCheckOut(valid=False, detail=check.message, claims=check.claims)
    # A signature says what the certificate was when signed; revoked or expired since is
    # what the verifier must hear.
    number = str(check.claims.get("number", ""))
    certificate = selectors.find_by_number(number) if "*" not in number else None
    if certificate is None:
        return CredentialCheckOut(
            valid=False,
            signature_valid=True,
            detail=gettext("签名有效，但无法查到该证书的当前状态，请扫描证书二维码核验。"),
            claims=check.claims,
        )
    record = selectors.public_record(certificate)
    return CredentialCheckOut(
        valid=record.in_force,
        signature_valid=True,
        status=str(record.status),
        status_label=record.status_label,
        detail=check.message + " " + gettext("证书当前状态：%(status)s。") % {"status": record.status_label},
        claims=check.claims,
    )


class ReviewOut(Schema):
    due_on: dt.date
    status: str
    status_label: str
    training_hours: str


@router.post(
    "/certificates/{number}/review",
    response={200: ReviewOut, 400: ErrorOut, 404: ErrorOut},
    url_name="certificate_review",
    summary="Apply for review (复审) of my certificate, in the 60 days before it falls due",
)
def apply_for_review(request: HttpRequest, number: str):
    from django.core.exceptions import ValidationError

    from .reviews import apply_for_review as apply
    from .rules import TransitionNotAllowed

    caller = _caller(request)
    certificate = selectors.find_by_number(number) or selectors.find_by_token(number)
    if certificate is None or certificate.holder_id != caller.pk:
        raise HttpError(404, gettext(NOT_FOUND_MESSAGE))
    try:
        review = apply(certificate=certificate, applicant=caller)
    except (ValidationError, TransitionNotAllowed) as exc:
        raise HttpError(400, " ".join(getattr(exc, "messages", [str(exc)]))) from exc
    return ReviewOut(
        due_on=review.due_on,
        status=review.status,
        status_label=str(review.get_status_display()),
        training_hours=str(review.training_hours),
    )
