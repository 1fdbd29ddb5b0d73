"""Review (复审): reminders before it falls due, the holder's application, the decision.

Rules live in certificates.rules (window, fail grounds, dates after review); review
training hours are read through courses.selectors.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.audit import record_event
from accounts.models import SmsKind, User
from accounts.on_commit import queue_task
from accounts.sms import send_sms
from courses.selectors import enrolments_for
from exams.catalogue.rules import rules_for

from .lifecycle import lock_certificate, record_step
from .models import Certificate, CertificateEvent, Review, ReviewReminder
from .notifications import notify_holder_after_commit
from .qr import verification_url
from .rules import (
    REVIEW_FAIL_GROUND_LABELS,
    REVIEW_WINDOW_DAYS,
    Action,
    ReviewFacts,
    ReviewFailGround,
    can_apply_for_review,
    dates_after_review,
    next_status,
    review_fail_grounds,
    review_may_be_retried,
)
from .tasks import render_certificate_pdf

if TYPE_CHECKING:
    from exams.theory.models import Attempt

logger = logging.getLogger(__name__)

REVIEW_EXAM_PASS_MARK = Decimal("80")
OUTSIDE_WINDOW = _("复审申请须在应复审日期前60日内提出。")


def review_training_hours(certificate: Certificate) -> Decimal:
    """Hours credited on courses of the certificate's type begun after its last review
    (or issue): the review training the holder has done. Three queries."""
    since = certificate.last_reviewed_on or certificate.issued_on
    seconds = sum(
        progress.credited_seconds
        for progress in enrolments_for(learner=certificate.holder)
        if _trains_for(progress.course, certificate)
        and progress.enrolment is not None
        and timezone.localtime(progress.enrolment.enrolled_at).date() > since
    )
    return (Decimal(seconds) / 3600).quantize(Decimal("0.01"))


def _trains_for(course, certificate: Certificate) -> bool:
    """A course counts toward a certificate's review when it is for the same subject (or,
    for courses made before subjects, the same operation type)."""
    if course.audience_subject_id is not None:
        return course.audience_subject_id == certificate.subject_id
    return course.operation_type_id is not None and course.operation_type_id == certificate.operation_type_id


def apply_for_review(*, certificate: Certificate, applicant: User, today: dt.date | None = None) -> Review:
    """The holder applies in the 60-day window; repeating returns the same application.

    After a first review that failed only on grounds (2)-(5) of art. 25, the holder
    retrains, resits and applies again (order No. 30 art. 26): the second application.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = lock_certificate(certificate)
        latest = Review.objects.filter(certificate=locked, due_on=locked.review_due).order_by("-attempt").first()
        if latest is not None and not (latest.status == Review.Status.REJECTED and latest.retry_allowed):
            return latest
        next_status(locked.status, Action.REVIEW)
        if latest is None and not can_apply_for_review(locked.review_due, today):
            raise ValidationError(OUTSIDE_WINDOW, code="outside_window")
        review = Review.objects.create(
            certificate=locked,
            due_on=locked.review_due,
            attempt=latest.attempt + 1 if latest is not None else 1,
            applied_by=applicant if applicant.pk else None,
            applied_at=timezone.now(),
            training_hours=review_training_hours(locked),
        )
        record_step(
            certificate=locked,
            action=CertificateEvent.Action.REVIEW_APPLIED,
            from_status=locked.status,
            actor=applicant,
            data={
                "due_on": locked.review_due.isoformat(),
                "attempt": review.attempt,
                "training_hours": str(review.training_hours),
            },
        )
    return review


def record_review_exam(*, attempt: Attempt, holder: User, subject_id: int) -> Review | None:
    """A passed review exam sat on the platform (a theory session with purpose=review):
    its score goes on the holder's open review of that subject, in the transaction that
    scored it. Without an open review nothing changes (the score stays on the attempt)."""
    found = (
        Review.objects.filter(
            certificate__holder=holder,
            certificate__subject_id=subject_id,
            certificate__status__in=Certificate.CURRENT_STATUSES,
            status=Review.Status.APPLIED,
        )
        .order_by("-applied_at")
        .select_related("certificate")
        .first()
    )
    if found is None:
        return None
    lock_certificate(found.certificate)
    review = Review.objects.select_for_update().get(pk=found.pk)
    if review.status != Review.Status.APPLIED:
        return None
    review.exam_attempt = attempt
    review.exam_score = attempt.score
    review.save(update_fields=["exam_attempt", "exam_score"])
    record_event(
        actor=holder,
        action="certificates.review.exam_recorded",
        obj=review,
        data={"attempt": attempt.pk, "score": str(attempt.score)},
    )
    return review


def decide_review(
    *,
    review: Review,
    actor: User,
    approve: bool,
    health_check_passed: bool,
    verified_violations: int,
    administrative_penalty: bool,
    obstructed_inspection: bool,
    exam_score: Decimal | None = None,
    note: str = "",
    today: dt.date | None = None,
) -> Review:
    """The authority decides, with the facts that decide it (Order No. 30 art. 25).

    Approval is refused while a fail ground holds; a rejection names its grounds. A
    passed review moves the review date (and at the end of validity, validity) on and
    re-issues the PDF with the review record. A failed one lapses the certificate unless
    it is a first review failed only on grounds (2)-(5) of art. 25: then the holder may
    retrain, resit and apply again, and the certificate lapses only if that retry fails
    or its date passes without one (art. 26). The management kind is renewed for 3 years.
    """
    today = today or timezone.localdate()
    if exam_score is None:
        exam_score = review.exam_score  # the review exam sat on the platform
    facts = ReviewFacts(
        health_check_passed=health_check_passed,
        verified_violations=verified_violations,
        administrative_penalty=administrative_penalty,
        obstructed_inspection=obstructed_inspection,
        training_hours=float(review.training_hours),
        exam_passed=exam_score is not None and exam_score >= REVIEW_EXAM_PASS_MARK,
    )
    grounds = [str(ground) for ground in review_fail_grounds(facts)]
    if approve and grounds:
        raise ValidationError(_("存在复审不合格情形，不能通过复审。"), code="grounds")
    if not approve and not grounds and not note.strip():
        raise ValidationError(_("复审不予通过时须说明理由。"), code="reason_required")
    with transaction.atomic():
        certificate = lock_certificate(review.certificate)
        locked_review = Review.objects.select_for_update().get(pk=review.pk)
        if locked_review.status != Review.Status.APPLIED:
            return locked_review
        previous = certificate.status
        locked_review.health_check_passed = health_check_passed
        locked_review.verified_violations = verified_violations
        locked_review.administrative_penalty = administrative_penalty
        locked_review.obstructed_inspection = obstructed_inspection
        locked_review.exam_score = exam_score
        locked_review.grounds = grounds
        locked_review.note = note.strip()[:500]
        locked_review.decided_at = timezone.now()
        locked_review.decided_on = today
        locked_review.decided_by = actor
        locked_review.status = Review.Status.APPROVED if approve else Review.Status.REJECTED
        locked_review.retry_allowed = not approve and review_may_be_retried(grounds, attempt=locked_review.attempt)
        locked_review.save(
            update_fields=[
                "health_check_passed",
                "verified_violations",
                "administrative_penalty",
                "obstructed_inspection",
                "exam_score",
                "grounds",
                "note",
                "decided_at",
                "decided_on",
                "decided_by",
                "status",
                "retry_allowed",
            ]
        )
        if approve:
            next_status(certificate.status, Action.REVIEW)
            kind = rules_for(certificate.subject.kind.code)
            certificate.review_due, certificate.valid_until = dates_after_review(
                review_due=certificate.review_due,
                valid_until=certificate.valid_until,
                interval_years=certificate.review_interval_years if kind.review_interval_years else None,
                validity_years=kind.validity_years,
            )
            certificate.last_reviewed_on = today
            if certificate.pdf:
                certificate.pdf.delete(save=False)
            certificate.pdf = ""
            certificate.pdf_rendered_at = None
            certificate.save(update_fields=["review_due", "valid_until", "last_reviewed_on", "pdf", "pdf_rendered_at"])
            queue_task(render_certificate_pdf, certificate.pk)  # the paper with the review record
        elif not locked_review.retry_allowed:
            certificate.status = next_status(certificate.status, Action.LAPSE)
            certificate.status_changed_at = timezone.now()
            certificate.status_reason = str(_("复审不合格"))
            certificate.save(update_fields=["status", "status_changed_at", "status_reason"])
        record_step(
            certificate=certificate,
            action=Action.REVIEW,
            from_status=previous,
            actor=actor,
            reason=locked_review.note,
            ground=",".join(grounds),
            data={
                "review": locked_review.pk,
                "approved": approve,
                "attempt": locked_review.attempt,
                "retry_allowed": locked_review.retry_allowed,
                "grounds": grounds,
                "review_due": certificate.review_due.isoformat(),
                "valid_until": certificate.valid_until.isoformat(),
            },
        )
        reason = locked_review.note or "、".join(
            str(REVIEW_FAIL_GROUND_LABELS[ReviewFailGround(ground)]) for ground in grounds
        )
        if approve:
            action = "review_approved"
        else:
            action = "review_retry" if locked_review.retry_allowed else "review_rejected"
        notify_holder_after_commit(certificate, action, "" if approve else reason)
    return locked_review


# --- Reminders ---------------------------------------------------------------------------


def _reminder_text(certificate: Certificate) -> str:
    return str(
        _(
            "【考证】您的特种作业操作证（%(type)s）应于%(due)s前复审，请在到期前60日内提交复审申请"
            "并完成不少于8学时的复审培训。核验：%(url)s"
        )
        % {
            "type": certificate.operation_type.name if certificate.operation_type else certificate.subject.name,
            "due": f"{certificate.review_due.year}年{certificate.review_due.month}月{certificate.review_due.day}日",
            "url": verification_url(certificate.token),
        }
    )


def _send(channel: str, address: str, text: str, certificate: Certificate) -> None:
    if channel == ReviewReminder.Channel.SMS:
        due = certificate.review_due
        send_sms(
            address,
            SmsKind.REVIEW_REMINDER,
            {
                "kind": certificate.subject.kind.name,
                "subject": certificate.subject.name,
                "due": f"{due.year}年{due.month}月{due.day}日",
            },
            user=certificate.holder,
        )
    else:
        send_mail(str(_("特种作业操作证复审提醒")), text, settings.DEFAULT_FROM_EMAIL, [address])


def send_review_reminders(*, today: dt.date | None = None) -> int:
    """Celery beat, daily: one reminder per certificate, review date and channel, once
    its review window has opened. The row is written before sending in one transaction,
    so a failed send is retried the next day and a sent one never repeats."""
    today = today or timezone.localdate()
    due = (
        Certificate.objects.filter(
            status=Certificate.Status.VALID,
            review_due__gte=today,
            review_due__lte=today + dt.timedelta(days=REVIEW_WINDOW_DAYS),
        )
        .select_related("holder", "operation_type", "subject__kind")
        .order_by("pk")
    )
    sent = 0
    for certificate in due.iterator(chunk_size=500):
        holder = certificate.holder
        destinations: list[tuple[str, str]] = []
        if holder.phone:
            destinations.append((ReviewReminder.Channel.SMS, holder.phone))
        if holder.email:
            destinations.append((ReviewReminder.Channel.EMAIL, holder.email))
        text = _reminder_text(certificate)
        for channel, address in destinations:
            try:
                with transaction.atomic():
                    ReviewReminder.objects.create(
                        certificate=certificate, due_on=certificate.review_due, channel=channel, sent_at=timezone.now()
                    )
                    _send(channel, address, text, certificate)
            except IntegrityError:
                continue  # already reminded for this due date on this channel
            except Exception:  # noqa: BLE001 (a gateway failure must not stop the others)
                logger.warning(
                    "Review reminder for certificate %s by %s failed", certificate.pk, channel, exc_info=True
                )
                continue
            sent += 1
    return sent


# --- Withdrawal ----------------------------------------------------------------------------

ALREADY_DECIDED = _("复审已有结论，不能撤回申请。")


def withdraw_review(*, review: Review, actor: User) -> None:
    """Withdraw an application not yet decided (the holder, or the employer that applied
    on their behalf, changed their mind): it is removed, so a new one can be made in the
    window. A decided review stays as it is. Repeating it does nothing."""
    from accounts.audit import record_event

    with transaction.atomic():
        certificate = lock_certificate(review.certificate)
        locked = Review.objects.select_for_update().filter(pk=review.pk).first()
        if locked is None:
            return
        if locked.status != Review.Status.APPLIED:
            raise ValidationError(ALREADY_DECIDED, code="decided")
        record_event(
            actor=actor,
            action="certificates.review.withdrawn",
            obj=locked,
            data={"certificate": certificate.pk, "due_on": locked.due_on.isoformat()},
        )
        locked.delete()
