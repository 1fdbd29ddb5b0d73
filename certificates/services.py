"""Services: the only code that changes certificates (and their verification log)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import record_event
from accounts.identity import InvalidIdNumber, parse_id_number
from accounts.models import Organisation, User
from accounts.on_commit import queue_task
from exams.admission.models import Registration, SessionPurpose
from exams.catalogue.rules import THEORY, qualifies, rules_for
from exams.catalogue.services import authority_covers, subject_of

from . import lifecycle, pdf, reviews, selectors
from .models import AuthorityPolicy, Certificate, VerificationLog
from .numbering import number_for
from .rules import certificate_dates, display_status, mask_certificate_number
from .tasks import render_certificate_pdf

if TYPE_CHECKING:
    from exams.catalogue.models import OperationType, Subject
    from exams.practical.models import PracticalResult
    from exams.theory.models import Attempt


class CertificateError(ValueError):
    """A certificate cannot be issued as asked; nothing was changed."""


def _holder_sex(holder: User) -> str:
    if holder.sex:
        return holder.sex
    try:
        return parse_id_number(holder.id_number or "").sex
    except InvalidIdNumber:
        return ""


def _requires_id_number(authority: Organisation) -> bool:
    return AuthorityPolicy.objects.filter(
        authority=authority, number_format=AuthorityPolicy.NumberFormat.ID_NUMBER
    ).exists()


def _has_valid_id(holder: User) -> bool:
    try:
        parse_id_number(holder.id_number or "")
    except InvalidIdNumber:
        return False
    return True


def _check_issue(
    *,
    holder: User,
    subject: Subject,
    authority: Organisation,
    theory_attempt: Attempt | None,
    practical_result: PracticalResult | None,
) -> None:
    if not holder.pk or not holder.real_name.strip():
        raise CertificateError("the holder has no verified real name")
    if authority.kind != Organisation.Kind.AUTHORITY:
        raise CertificateError("only an issuing authority issues certificates")
    if not authority_covers(authority=authority, subject=subject):
        raise CertificateError("the subject is outside the authority's scope")
    if _requires_id_number(authority) and not _has_valid_id(holder):
        raise CertificateError("the authority numbers certificates by ID number; the holder has none")
    if theory_attempt is not None and (theory_attempt.candidate_id != holder.pk or not theory_attempt.passed):
        raise CertificateError("the theory attempt is not a pass of this holder")
    if practical_result is not None:
        registration = practical_result.registration
        if registration.candidate_id != holder.pk or registration.operation_type_id != subject.operation_type_id:
            raise CertificateError("the practical result belongs to another holder or operation type")
        if not practical_result.passed:
            raise CertificateError("the practical result is not a pass")


def issue_certificate(
    *,
    holder: User,
    authority: Organisation,
    issued_on: dt.date,
    actor: User | None,
    operation_type: OperationType | None = None,
    subject: Subject | None = None,
    theory_attempt: Attempt | None = None,
    practical_result: PracticalResult | None = None,
    first_issued_on: dt.date | None = None,
) -> Certificate:
    """Issue ``holder``'s certificate for a subject (or an operation type's), or return the
    current one.

    Idempotent: a holder has at most one current (valid or suspended) certificate per
    subject; calling again returns it unchanged. The holder's row is locked
    first, then the authority's number sequence, so concurrent issues for one holder
    queue up; the partial unique constraint one_current_certificate_per_holder_and_subject
    backs this where row locks do nothing (SQLite). The dates follow the subject's kind
    (exams.catalogue.rules). The PDF is rendered after commit.
    """
    if subject is None:
        if operation_type is None:
            raise CertificateError("a certificate needs a subject or an operation type")
        subject = subject_of(operation_type)
    operation_type = subject.operation_type
    kind = rules_for(subject.kind.code)
    _check_issue(
        holder=holder,
        subject=subject,
        authority=authority,
        theory_attempt=theory_attempt,
        practical_result=practical_result,
    )
    with transaction.atomic():
        list(User.objects.select_for_update().filter(pk=holder.pk).values_list("pk", flat=True))
        existing = selectors.current_certificate_for_subject(holder=holder, subject_id=subject.pk)
        if existing is not None:
            return existing
        dates = certificate_dates(
            issued_on, review_interval_years=kind.review_interval_years, validity_years=kind.validity_years
        )
        try:
            with transaction.atomic():  # a savepoint: a lost race must not spoil the caller's transaction
                certificate = Certificate.objects.create(
                    number=number_for(
                        authority=authority,
                        year=issued_on.year,
                        id_number=holder.id_number or "",
                        operation_type_code=subject.code,
                    ),
                    holder=holder,
                    subject=subject,
                    operation_type=operation_type,
                    authority=authority,
                    status=Certificate.Status.VALID,
                    first_issued_on=first_issued_on or issued_on,
                    issued_on=dates.issued_on,
                    valid_until=dates.valid_until,
                    review_due=dates.review_due,
                    holder_name=holder.real_name.strip(),
                    holder_sex=_holder_sex(holder),
                    theory_attempt=theory_attempt,
                    practical_result=practical_result,
                )
        except IntegrityError:
            existing = selectors.current_certificate_for_subject(holder=holder, subject_id=subject.pk)
            if existing is None:
                raise
            return existing
        record_event(
            actor=actor,
            action="certificates.certificate.issued",
            obj=certificate,
            data={
                "number": mask_certificate_number(certificate.number),  # a "T" + ID number stays masked
                "holder": holder.pk,
                "kind": subject.kind.code,
                "subject": subject.code,
                "operation_type": operation_type.code if operation_type is not None else None,
                "authority": authority.code,
                "issued_on": certificate.issued_on.isoformat(),
                "theory_attempt": theory_attempt.pk if theory_attempt else None,
                "practical_result": practical_result.pk if practical_result else None,
            },
        )
        queue_task(render_certificate_pdf, certificate.pk)
    return certificate


def issue_certificate_for_qualification(
    *,
    candidate: User,
    operation_type: OperationType,
    authority: Organisation,
    theory_attempt: Attempt,
    practical_result: PracticalResult,
    actor: User,
) -> Certificate:
    """Hook in settings.KAOZHENG_ON_QUALIFIED: both parts passed, issue at once (即考即领).

    Runs inside the exams transaction that records the passed practical result. A holder
    who already holds the certificate and was away from the work has passed the practical
    again: that clears the absence (order No. 30 art. 32).
    """
    current = selectors.current_certificate(holder=candidate, operation_type=operation_type)
    if current is not None:
        lifecycle.clear_work_absences(certificate=current, practical_result=practical_result)
    return issue_certificate(
        holder=candidate,
        operation_type=operation_type,
        authority=authority,
        issued_on=timezone.localdate(),
        actor=actor,
        theory_attempt=theory_attempt,
        practical_result=practical_result,
    )


def on_theory_passed(*, attempt: Attempt) -> Certificate | None:
    """Hook in settings.KAOZHENG_ON_THEORY_PASSED, inside the transaction that scored the pass.

    A certification session of a kind examined by theory alone (principal leaders and
    safety managers) issues the certificate at once; a review session's pass is recorded
    on the holder's open review or renewal. Special-operations certification waits for
    the practical part (KAOZHENG_ON_QUALIFIED).
    """
    registration = (
        Registration.objects.select_related(
            "session__authority", "subject__kind", "subject__operation_type", "subject__industry", "candidate"
        )
        .filter(pk=attempt.registration_id)
        .first()
    )
    if registration is None or registration.subject is None:
        return None
    subject, session = registration.subject, registration.session
    if session.purpose == SessionPurpose.REVIEW:
        reviews.record_review_exam(attempt=attempt, holder=registration.candidate, subject_id=subject.pk)
        return None
    if session.purpose != SessionPurpose.CERTIFICATION or not qualifies(subject.kind.code, passed_parts=[THEORY]):
        return None
    return issue_certificate(
        holder=registration.candidate,
        subject=subject,
        authority=session.authority,
        issued_on=timezone.localdate(),
        actor=None,
        theory_attempt=attempt,
    )


def ensure_pdf(certificate: Certificate) -> Certificate:
    """Render and store the certificate's PDF unless it already has one.

    The (slow) render happens outside any lock; the store happens under the row lock
    and only if nobody stored one meanwhile, so a repeat or a race stores one file.
    """
    if certificate.pdf:
        return certificate
    content = pdf.render_certificate_pdf(certificate)
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if not locked.pdf:
            # A random name: in development media files are served by path.
            locked.pdf.save(f"{secrets.token_urlsafe(16)}.pdf", ContentFile(content), save=False)
            locked.pdf_rendered_at = timezone.now()
            locked.save(update_fields=["pdf", "pdf_rendered_at"])
    certificate.pdf = locked.pdf
    certificate.pdf_rendered_at = locked.pdf_rendered_at
    return certificate


def ensure_certificate_pdf(*, certificate_id: int) -> Certificate | None:
    """The background render: ``ensure_pdf`` for a certificate id; None if it is gone."""
    certificate = (
        Certificate.objects.select_related("holder", "operation_type__category", "authority")
        .filter(pk=certificate_id)
        .first()
    )
    if certificate is None:
        return None
    return ensure_pdf(certificate)


def client_digest(ip: str | None) -> str:
    """A keyed, truncated digest of the client address: lets abuse be spotted, not people."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:verify:{ip or ''}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Verification:
    """What a lookup found: a certificate, or the certificate whose old (void) paper
    this QR token belongs to, or nothing."""

    certificate: Certificate | None
    void: bool = False

    @property
    def found(self) -> bool:
        return self.certificate is not None and not self.void

    def result(self, today: dt.date | None = None) -> str:
        if self.certificate is None:
            return "not_found"
        if self.void:
            return "void"
        return str(display_status(selectors.certificate_state(self.certificate), today or timezone.localdate()))


def verify_lookup(
    *,
    channel: str,
    client_ip: str | None,
    user: User | None,
    token: str | None = None,
    number: str | None = None,
    name: str | None = None,
) -> Verification:
    """Look a certificate up by QR token, or by number + holder name, and log the lookup
    (who, when, what they were told) for the issuing authority.

    A wrong name and an unknown number both give "not found": the caller cannot tell
    them apart. The token of a replaced or updated paper answers "void".
    """
    if token is not None:
        certificate = selectors.find_by_token(token)
        verification = Verification(certificate)
        if certificate is None:
            voided = selectors.find_by_voided_token(token)
            verification = Verification(voided, void=voided is not None)
    else:
        verification = Verification(selectors.find_by_number_and_name(number or "", name or ""))
    certificate = verification.certificate
    VerificationLog.objects.create(
        certificate=certificate,
        authority_id=certificate.authority_id if certificate is not None else None,
        channel=channel,
        found=verification.found,
        result=verification.result(),
        client=client_digest(client_ip),
        user=user if user is not None and user.is_authenticated else None,
    )
    return verification


def verify_certificate(
    *,
    channel: str,
    client_ip: str | None,
    user: User | None,
    token: str | None = None,
    number: str | None = None,
    name: str | None = None,
) -> Certificate | None:
    """The certificate a lookup found (None for unknown or void), logged; see verify_lookup."""
    verification = verify_lookup(channel=channel, client_ip=client_ip, user=user, token=token, number=number, name=name)
    return verification.certificate if verification.found else None
