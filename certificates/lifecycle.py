"""Services that move a certificate through its life after issue.

Suspension, reinstatement, revocation (with the exam ban where the rule says),
cancellation, replacement of a lost or damaged paper, update of changed details, the
clean-record review interval, and the nightly lapse. Each validates the transition with
``rules.next_status``, locks the certificate row, records a CertificateEvent (reason,
actor, time) and an audit event, all in one transaction; repeating a call that already
took effect returns without a second record.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.audit import record_event
from accounts.models import AuditEvent, User
from accounts.on_commit import queue_task
from accounts.services import impose_exam_ban

from .models import Certificate, CertificateEvent, Review, WorkAbsence, new_verification_token
from .notifications import notify_holder_after_commit
from .rules import (
    EXAM_BAN_YEARS,
    EXTENDED_REVIEW_INTERVAL_YEARS,
    Action,
    CancellationGround,
    CertificateState,
    ReplacementReason,
    RevocationGround,
    clean_record_extension_allowed,
    exam_ban_reason,
    lapse_due,
    next_status,
    practical_again_required,
    review_due_with_interval,
)
from .tasks import render_certificate_pdf

if TYPE_CHECKING:
    from exams.practical.models import PracticalResult

REASON_REQUIRED = _("请填写原因。")
GROUND_INVALID = _("请选择有效的依据。")


def lock_certificate(certificate: Certificate) -> Certificate:
    """The certificate's row, locked (SELECT FOR UPDATE) until the caller's transaction ends;
    lock it before any of its reviews, always in this order."""
    return Certificate.objects.select_for_update().get(pk=certificate.pk)


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": REASON_REQUIRED}, code="required")
    return reason[:500]


#: The audit action's verb for each step of a certificate's history.
AUDIT_VERBS: dict[str, str] = {
    CertificateEvent.Action.ISSUE: "issued",
    CertificateEvent.Action.SUSPEND: "suspended",
    CertificateEvent.Action.REINSTATE: "reinstated",
    CertificateEvent.Action.REVOKE: "revoked",
    CertificateEvent.Action.CANCEL: "cancelled",
    CertificateEvent.Action.LAPSE: "lapsed",
    CertificateEvent.Action.REPLACE: "replaced",
    CertificateEvent.Action.UPDATE: "updated",
    CertificateEvent.Action.EXTEND: "extended",
    CertificateEvent.Action.REVIEW: "reviewed",
    CertificateEvent.Action.INTERVAL: "interval_extended",
    CertificateEvent.Action.REVIEW_APPLIED: "review_applied",
    CertificateEvent.Action.RESTORE: "restored",
    CertificateEvent.Action.AWAY: "away_recorded",
}


def record_step(
    *,
    certificate: Certificate,
    action: str,
    from_status: str,
    actor: User | None,
    reason: str = "",
    ground: str = "",
    data: dict[str, Any] | None = None,
    voided_token: str = "",
    voided_pdf: str = "",
    at: dt.datetime | None = None,
) -> CertificateEvent:
    """The history row and the audit event of one step; call inside its transaction."""
    event = CertificateEvent.objects.create(
        certificate=certificate,
        action=action,
        from_status=from_status,
        to_status=certificate.status,
        ground=ground,
        reason=reason,
        actor=actor if actor is not None and actor.pk else None,
        at=at or timezone.now(),
        data=data or {},
        voided_token=voided_token,
        voided_pdf=voided_pdf,
    )
    record_event(
        actor=actor,
        action=f"certificates.certificate.{AUDIT_VERBS[action]}",
        obj=certificate,
        data={"from": from_status, "to": certificate.status, "ground": ground, "reason": reason, **(data or {})},
    )
    return event


def _change_status(
    *, locked: Certificate, action: Action, actor: User | None, reason: str, ground: str = ""
) -> Certificate:
    """Apply a status transition to a row locked by the caller."""
    target = next_status(locked.status, action)
    previous = locked.status
    locked.status = target
    locked.status_changed_at = timezone.now()
    locked.status_reason = reason
    locked.save(update_fields=["status", "status_changed_at", "status_reason"])
    record_step(certificate=locked, action=action, from_status=previous, actor=actor, reason=reason, ground=ground)
    notify_holder_after_commit(locked, str(action), reason)
    return locked


def suspend_certificate(*, certificate: Certificate, actor: User, reason: str) -> Certificate:
    """暂扣: the holder may not work on it until reinstated. Repeating is a no-op."""
    reason = _clean_reason(reason)
    with transaction.atomic():
        locked = lock_certificate(certificate)
        if locked.status == Certificate.Status.SUSPENDED:
            return locked
        return _change_status(locked=locked, action=Action.SUSPEND, actor=actor, reason=reason)


def reinstate_certificate(*, certificate: Certificate, actor: User, reason: str) -> Certificate:
    """The suspension ends (period served, or lifted on appeal)."""
    reason = _clean_reason(reason)
    with transaction.atomic():
        locked = lock_certificate(certificate)
        if locked.status == Certificate.Status.VALID:
            return locked
        return _change_status(locked=locked, action=Action.REINSTATE, actor=actor, reason=reason)


def revoke_certificate(*, certificate: Certificate, actor: User, ground: str, reason: str) -> Certificate:
    """撤销 on a ground of Order No. 30 art. 30; fraud or a false record also bars exams 3 years."""
    reason = _clean_reason(reason)
    if ground not in RevocationGround.__members__.values():
        raise ValidationError({"ground": GROUND_INVALID}, code="invalid")
    with transaction.atomic():
        locked = lock_certificate(certificate)
        if locked.status == Certificate.Status.REVOKED:
            return locked
        locked = _change_status(locked=locked, action=Action.REVOKE, actor=actor, reason=reason, ground=ground)
        ban_reason = exam_ban_reason(RevocationGround(ground))
        if ban_reason is not None:
            impose_exam_ban(
                user=locked.holder,
                reason=ban_reason,
                starts_on=timezone.localdate(),
                years=EXAM_BAN_YEARS,
                detail=reason,
                actor=actor,
                source=f"certificates.certificate:{locked.pk}",
            )
        return locked


def cancel_certificate(*, certificate: Certificate, actor: User, ground: str, reason: str) -> Certificate:
    """注销 on a ground of Order No. 30 art. 31."""
    reason = _clean_reason(reason)
    if ground not in CancellationGround.__members__.values():
        raise ValidationError({"ground": GROUND_INVALID}, code="invalid")
    with transaction.atomic():
        locked = lock_certificate(certificate)
        if locked.status == Certificate.Status.CANCELLED:
            return locked
        return _change_status(locked=locked, action=Action.CANCEL, actor=actor, reason=reason, ground=ground)


def _void_paper(locked: Certificate) -> tuple[str, str]:
    """A new QR token and no PDF: the old paper's QR now answers "void"."""
    old_token, old_pdf = locked.token, locked.pdf.name or ""
    if locked.pdf:
        locked.pdf.delete(save=False)
    locked.token = new_verification_token()
    locked.pdf = ""
    locked.pdf_rendered_at = None
    return old_token, old_pdf


def replace_certificate(*, certificate: Certificate, actor: User | None, reason: str, detail: str = "") -> Certificate:
    """补发 a lost or damaged paper: same number and dates, a new QR token and PDF; the
    old paper is void (its QR says so)."""
    if reason not in ReplacementReason.__members__.values():
        raise ValidationError({"reason": GROUND_INVALID}, code="invalid")
    with transaction.atomic():
        locked = lock_certificate(certificate)
        next_status(locked.status, Action.REPLACE)
        old_token, old_pdf = _void_paper(locked)
        locked.save(update_fields=["token", "pdf", "pdf_rendered_at"])
        record_step(
            certificate=locked,
            action=Action.REPLACE,
            from_status=locked.status,
            actor=actor,
            reason=detail.strip()[:500],
            ground=reason,
            voided_token=old_token,
            voided_pdf=old_pdf,
        )
        queue_task(render_certificate_pdf, locked.pk)  # the new paper
        notify_holder_after_commit(locked, "replace")
    return locked


def update_certificate_details(*, certificate: Certificate, actor: User | None, reason: str) -> Certificate:
    """变更: take the holder's current verified name and sex onto the certificate and
    issue a new paper; the old one is void and the old details stay in the history."""
    reason = _clean_reason(reason)
    with transaction.atomic():
        locked = lock_certificate(certificate)
        next_status(locked.status, Action.UPDATE)
        holder = User.objects.get(pk=locked.holder_id)
        before = {"holder_name": locked.holder_name, "holder_sex": locked.holder_sex}
        locked.holder_name = holder.real_name.strip() or locked.holder_name
        locked.holder_sex = holder.sex or locked.holder_sex
        old_token, old_pdf = _void_paper(locked)
        locked.save(update_fields=["holder_name", "holder_sex", "token", "pdf", "pdf_rendered_at"])
        record_step(
            certificate=locked,
            action=Action.UPDATE,
            from_status=locked.status,
            actor=actor,
            reason=reason,
            data={"before": before, "after": {"holder_name": locked.holder_name, "holder_sex": locked.holder_sex}},
            voided_token=old_token,
            voided_pdf=old_pdf,
        )
        queue_task(render_certificate_pdf, locked.pk)  # the new paper
        notify_holder_after_commit(locked, "update", reason)
    return locked


def extend_review_interval(
    *, certificate: Certificate, actor: User, reason: str, clean_record: bool, today: dt.date | None = None
) -> Certificate:
    """The authority grants the 10-year clean-record extension: review every 6 years."""
    reason = _clean_reason(reason)
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = lock_certificate(certificate)
        next_status(locked.status, Action.EXTEND)
        if locked.review_interval_years == EXTENDED_REVIEW_INTERVAL_YEARS:
            return locked
        if not clean_record_extension_allowed(first_issued_on=locked.first_issued_on, today=today, clean=clean_record):
            raise ValidationError(
                _("连续从事本工种10年以上且无违法违规记录的，方可延长复审周期。"), code="not_eligible"
            )
        before = locked.review_due
        locked.review_interval_years = EXTENDED_REVIEW_INTERVAL_YEARS
        locked.review_due = review_due_with_interval(
            last_reviewed_on=locked.last_reviewed_on or locked.issued_on,
            valid_until=locked.valid_until,
            interval_years=EXTENDED_REVIEW_INTERVAL_YEARS,
        )
        locked.save(update_fields=["review_interval_years", "review_due"])
        record_step(
            certificate=locked,
            action=CertificateEvent.Action.INTERVAL,
            from_status=locked.status,
            actor=actor,
            reason=reason,
            data={"review_due_before": before.isoformat(), "review_due": locked.review_due.isoformat()},
        )
    return locked


def record_lapses(*, today: dt.date | None = None, batch_size: int = 1000) -> int:
    """Nightly: record as lapsed every valid or suspended certificate past its review date
    or validity (display_status already shows it lapsed). Set-based, audited; safe to rerun."""
    today = today or timezone.localdate()
    now = timezone.now()
    reason = str(_("未按期复审或超过有效期"))
    total = 0
    # A review applied for in time (a first one, or the retry after retraining that order
    # No. 30 art. 26 allows) holds the certificate until the authority decides it.
    pending = Review.objects.filter(
        certificate=OuterRef("pk"), due_on=OuterRef("review_due"), status=Review.Status.APPLIED
    )
    candidates = (
        Certificate.objects.filter(status__in=Certificate.CURRENT_STATUSES)
        .filter(Q(review_due__lt=today) | Q(valid_until__lt=today))
        .exclude(Q(valid_until__gte=today) & Exists(pending))
    )
    while True:
        with transaction.atomic():
            rows = list(
                candidates.select_for_update()
                .order_by("pk")
                .values("pk", "status", "valid_until", "review_due")[:batch_size]
            )
            rows = [
                row
                for row in rows
                if lapse_due(
                    CertificateState(
                        status=row["status"], valid_until=row["valid_until"], review_due=row["review_due"]
                    ),
                    today,
                )
            ]
            if not rows:
                return total
            ids = [row["pk"] for row in rows]
            Certificate.objects.filter(pk__in=ids).update(
                status=Certificate.Status.LAPSED, status_changed_at=now, status_reason=reason
            )
            CertificateEvent.objects.bulk_create(
                CertificateEvent(
                    certificate_id=row["pk"],
                    action=CertificateEvent.Action.LAPSE,
                    from_status=row["status"],
                    to_status=Certificate.Status.LAPSED,
                    reason=reason,
                    at=now,
                )
                for row in rows
            )
            AuditEvent.objects.bulk_create(
                AuditEvent(
                    actor=None,
                    action="certificates.certificate.lapsed",
                    object_type="certificates.certificate",
                    object_id=str(row["pk"]),
                    data={"from": row["status"], "to": "lapsed", "on": today.isoformat()},
                )
                for row in rows
            )
            total += len(rows)


# --- Order No. 30 art. 32: away from the work more than six months ------------------------


def record_work_absence(
    *,
    certificate: Certificate,
    actor: User,
    left_on: dt.date,
    returned_on: dt.date | None = None,
    today: dt.date | None = None,
) -> WorkAbsence:
    """The holder, or the employer on the holder's behalf (its view checks that the person
    is on its register with consent), records an absence from the special operation.

    Away more than 6 months, verification shows "需重新实操考试" until a practical pass
    after ``left_on`` clears it (order No. 30 art. 32). Recording it twice returns the first.
    """
    today = today or timezone.localdate()
    if certificate.operation_type_id is None:
        raise ValidationError(_("离岗登记只适用于特种作业操作证。"), code="not_special_operation")
    if left_on > today or (returned_on is not None and not left_on <= returned_on <= today):
        raise ValidationError(_("离岗日期不能晚于今天，返岗日期须在离岗日期和今天之间。"), code="dates")
    with transaction.atomic():
        locked = lock_certificate(certificate)
        existing = WorkAbsence.objects.filter(certificate=locked, left_on=left_on, cleared_at__isnull=True).first()
        if existing is not None:
            if returned_on is not None and existing.returned_on != returned_on:
                existing.returned_on = returned_on
                existing.save(update_fields=["returned_on"])
            return existing
        absence = WorkAbsence.objects.create(
            certificate=locked, left_on=left_on, returned_on=returned_on, recorded_by=actor
        )
        record_step(
            certificate=locked,
            action=CertificateEvent.Action.AWAY,
            from_status=locked.status,
            actor=actor,
            data={
                "left_on": left_on.isoformat(),
                "returned_on": returned_on.isoformat() if returned_on else None,
                "practical_again": practical_again_required(left_on=left_on, returned_on=returned_on, today=today),
            },
        )
    return absence


def clear_work_absences(*, certificate: Certificate, practical_result: PracticalResult) -> int:
    """A practical exam passed after the holder left clears the absence (art. 32)."""
    passed_on = timezone.localtime(practical_result.submitted_at).date() if practical_result.submitted_at else None
    if not practical_result.passed or passed_on is None:
        return 0
    return WorkAbsence.objects.filter(certificate=certificate, cleared_at__isnull=True, left_on__lte=passed_on).update(
        cleared_at=timezone.now(), cleared_by_result=practical_result
    )
