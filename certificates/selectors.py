"""Selectors: how certificates are read, with their relations joined in one query."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.identity import mask_id_number, mask_name
from accounts.models import Membership, Role, User

from .models import Certificate, Review, WorkAbsence
from .rules import (
    CertificateState,
    PublicRecord,
    display_status,
    mask_certificate_number,
    normalize_certificate_number,
    practical_again_required,
)

if TYPE_CHECKING:
    from exams.catalogue.models import OperationType

_RELATED = ("holder", "operation_type__category", "authority", "subject__kind")


def _certificates() -> QuerySet[Certificate]:
    """Certificates with what a public record needs, the latest uncleared absence from the
    work (order No. 30 art. 32) included, in one query."""
    absence = WorkAbsence.objects.filter(certificate=OuterRef("pk"), cleared_at__isnull=True)
    return Certificate.objects.select_related(*_RELATED).annotate(has_open_absence=Exists(absence))


def certificates_for_holder(user: User) -> QuerySet[Certificate]:
    """The holder's certificates, newest first."""
    return _certificates().filter(holder=user).order_by("-issued_on", "-pk")


def certificates_for_holders(holder_ids: list[int]) -> QuerySet[Certificate]:
    """The certificates of many holders at once (an employer's register): one query, with
    subject and kind joined for both kinds of certificate, by holder and newest first."""
    return (
        Certificate.objects.select_related("subject__kind", "subject__industry", "operation_type", "authority")
        .filter(holder_id__in=holder_ids)
        .exclude(status=Certificate.Status.REPLACED)
        .order_by("holder_id", "-issued_on", "-pk")
    )


def current_certificate(*, holder: User, operation_type: OperationType) -> Certificate | None:
    """The holder's valid or suspended certificate for the type (at most one exists)."""
    return (
        _certificates()
        .filter(holder=holder, operation_type=operation_type, status__in=Certificate.CURRENT_STATUSES)
        .first()
    )


def current_certificate_for_subject(*, holder: User, subject_id: int) -> Certificate | None:
    """The holder's valid or suspended certificate for the subject, of either kind."""
    return (
        _certificates()
        .select_related("subject__kind")
        .filter(holder=holder, subject_id=subject_id, status__in=Certificate.CURRENT_STATUSES)
        .first()
    )


def find_by_token(token: str) -> Certificate | None:
    if not token or len(token) > 64:
        return None
    return _certificates().filter(token=token).first()


def find_by_voided_token(token: str) -> Certificate | None:
    """The certificate whose replaced (void) paper carried this QR token."""
    if not token or len(token) > 64:
        return None
    from .models import CertificateEvent

    event = (
        CertificateEvent.objects.filter(voided_token=token)
        .select_related(*(f"certificate__{name}" for name in _RELATED))
        .first()
    )
    return event.certificate if event is not None else None


def find_by_number_and_name(number: str, name: str) -> Certificate | None:
    """The certificate with this number whose holder's name (as issued) is exactly ``name``.

    A wrong name returns None just like an unknown number, so the form cannot be used to
    learn which numbers exist.
    """
    number = normalize_certificate_number(number)
    name = (name or "").strip()
    if not number or not name or len(number) > 40:
        return None
    certificate = _certificates().filter(number=number).first()
    if certificate is None or certificate.holder_name.strip() != name:
        return None
    return certificate


def find_by_number(number: str) -> Certificate | None:
    number = normalize_certificate_number(number)
    if not number or len(number) > 40:
        return None
    return _certificates().filter(number=number).first()


def can_download(user: User, certificate: Certificate) -> bool:
    """The PDF is for its holder, the issuing authority's regulators and administrators."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or certificate.holder_id == user.pk:
        return True
    return (
        Membership.objects.filter(user=user)
        .filter(Q(role=Role.ADMINISTRATOR) | Q(role=Role.REGULATOR, organisation_id=certificate.authority_id))
        .exists()
    )


def downloadable_certificate(*, user: User, number: str) -> Certificate | None:
    """The certificate ``number`` (or QR token: links that must not carry a "T" + ID
    number use it) if ``user`` may download it; None looks like "no such"."""
    certificate = find_by_number(number) or find_by_token(number)
    if certificate is None or not can_download(user, certificate):
        return None
    return certificate


def certificate_state(certificate: Certificate) -> CertificateState:
    return CertificateState(
        status=certificate.status, valid_until=certificate.valid_until, review_due=certificate.review_due
    )


def public_record(certificate: Certificate, *, today: dt.date | None = None) -> PublicRecord:
    """What a verifier may see. Needs holder, operation_type__category and authority joined."""
    today = today or timezone.localdate()
    operation_type = certificate.operation_type
    return PublicRecord(
        number=mask_certificate_number(certificate.number),
        status=display_status(certificate_state(certificate), today),
        holder_masked=mask_name(certificate.holder_name),
        holder_id_masked=mask_id_number(certificate.holder.id_number or ""),
        operation_category=operation_type.category.name if operation_type else certificate.subject.kind.name,
        operation_type_code=operation_type.code if operation_type else certificate.subject.code,
        operation_type_name=operation_type.name if operation_type else certificate.subject.name,
        first_issued_on=certificate.first_issued_on,
        issued_on=certificate.issued_on,
        valid_until=certificate.valid_until,
        review_due=certificate.review_due,
        issuer=certificate.authority.name,
        kind=certificate.subject.kind.code,
        kind_name=certificate.subject.kind.name,
        practical_again=operation_type is not None and practical_again(certificate, today=today),
    )


def practical_again(certificate: Certificate, *, today: dt.date) -> bool:
    """Order No. 30 art. 32: an uncleared absence of more than 6 months. Certificates read
    by ``_certificates`` know whether they have an open absence at all, so the usual case
    costs no query; otherwise (or when there is one) one query."""
    if not getattr(certificate, "has_open_absence", True):
        return False
    return any(
        practical_again_required(left_on=left_on, returned_on=returned_on, today=today)
        for left_on, returned_on in WorkAbsence.objects.filter(
            certificate_id=certificate.pk, cleared_at__isnull=True
        ).values_list("left_on", "returned_on")
    )


def pending_reviews_by_certificate(certificates: list[Certificate]) -> dict[int, Review]:
    """The latest review (by due date) of each certificate, for the wallet (one query)."""
    result: dict[int, Review] = {}
    for review in Review.objects.filter(certificate__in=certificates).order_by("due_on", "pk"):
        result[review.certificate_id] = review
    return result


def regulated_authorities(user: User) -> QuerySet:
    """The issuing authorities whose certificates ``user`` manages: every authority for
    administrators, else those where the user is a regulator (one query when evaluated)."""
    from accounts.models import Organisation

    if not user.is_authenticated or not user.is_active:
        return Organisation.objects.none()
    authorities = Organisation.objects.filter(kind=Organisation.Kind.AUTHORITY, is_active=True)
    if user.is_superuser or Membership.objects.filter(user=user, role=Role.ADMINISTRATOR).exists():
        return authorities
    return authorities.filter(memberships__user=user, memberships__role=Role.REGULATOR).distinct()


def verification_log(*, authorities: QuerySet, limit: int = 200) -> list:
    """The latest lookups of these authorities' certificates (one query)."""
    from .models import VerificationLog

    return list(
        VerificationLog.objects.filter(authority__in=authorities)
        .select_related("certificate", "user")
        .order_by("-at", "-pk")[:limit]
    )


def managed_certificate(*, user: User, number: str) -> Certificate | None:
    """A certificate of an authority ``user`` regulates; None looks like "no such"."""
    certificate = find_by_number(number)
    if certificate is None or not regulated_authorities(user).filter(pk=certificate.authority_id).exists():
        return None
    return certificate


def managed_certificates_of_person(*, user: User, id_number: str) -> list[Certificate]:
    """The certificates, of authorities ``user`` regulates, held by the person with this
    ID number (found through its keyed hash); none for an unknown or invalid number."""
    from accounts.selectors import user_by_id_number

    holder = user_by_id_number(id_number)
    if holder is None:
        return []
    return list(certificates_for_holder(holder).filter(authority__in=regulated_authorities(user)))
