"""Applications on a worker's behalf (order No. 30 art. 22): the employer registers a
consenting worker for an exam, or applies for the review of their certificate.

The application is the ordinary registration (exams.admission.services.register_candidate)
or review (certificates.reviews.apply_for_review), with every rule those services check;
the regulator decides it through them as any other. The worker sees it at /me/employers/
and may withdraw it until it is decided (the registration is cancelled, the review
application removed). Each call is atomic and audited.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.audit import record_event
from accounts.models import Role, User
from accounts.selectors import has_role
from certificates.models import Certificate, Review
from certificates.reviews import apply_for_review, withdraw_review
from exams.admission.models import ExamSession, SessionPurpose
from exams.admission.services import cancel_registration, register_candidate
from exams.catalogue.models import OperationType

from .models import StaffMember, WorkerApplication

NOT_CONSENTED = _("本人同意加入员工名册后，才能代其申请。")
NOT_THEIR_CERTIFICATE = _("该证书不属于此人。")
NOT_FOR_CERTIFICATION = _("只能代为报名取证考试场次。")
CANNOT_WITHDRAW = _("该申请已有结论或已撤回，不能撤回。")
NOT_YOURS = _("这不是代您提出的申请。")


def _check_employer(actor: User, entry: StaffMember) -> StaffMember:
    locked = StaffMember.objects.select_for_update(of=("self",)).select_related("organisation", "user").get(pk=entry.pk)
    if not has_role(actor, Role.EMPLOYER, locked.organisation):
        raise PermissionDenied(_("只有本单位的用人单位管理人员可以代为申请。"))
    if not locked.consented or locked.user is None:
        raise ValidationError(NOT_CONSENTED, code="not_consented")
    return locked


def apply_review_on_behalf(*, entry: StaffMember, certificate: Certificate, actor: User) -> WorkerApplication:
    """Apply for the review of the worker's certificate; repeating returns the application."""
    with transaction.atomic():
        locked = _check_employer(actor, entry)
        if certificate.holder_id != locked.user_id:
            raise ValidationError(NOT_THEIR_CERTIFICATE, code="not_theirs")
        review = apply_for_review(certificate=certificate, applicant=actor)
        existing = WorkerApplication.objects.filter(entry=locked, review=review, withdrawn_at__isnull=True).first()
        if existing is not None:
            return existing
        application = WorkerApplication.objects.create(
            organisation=locked.organisation,
            entry=locked,
            kind=WorkerApplication.Kind.REVIEW,
            title=f"{certificate.subject.name} · {_('复审')} · {review.due_on:%Y-%m-%d}",
            review=review,
            applied_by=actor,
        )
        record_event(
            actor=actor,
            action="employers.worker_application.made",
            obj=application,
            data={"kind": application.kind, "review": review.pk, "certificate": certificate.pk},
        )
    return application


def register_on_behalf(
    *, entry: StaffMember, session: ExamSession, operation_type: OperationType, actor: User
) -> WorkerApplication:
    """Register the worker for a certification exam; every eligibility rule applies and
    every failure is named (EligibilityError). Repeating returns the application."""
    with transaction.atomic():
        locked = _check_employer(actor, entry)
        if session.purpose != SessionPurpose.CERTIFICATION:
            raise ValidationError(NOT_FOR_CERTIFICATION, code="not_certification")
        registration = register_candidate(
            session=session, candidate=locked.user, operation_type=operation_type, registered_by=actor
        )
        existing = WorkerApplication.objects.filter(
            entry=locked, registration=registration, withdrawn_at__isnull=True
        ).first()
        if existing is not None:
            return existing
        application = WorkerApplication.objects.create(
            organisation=locked.organisation,
            entry=locked,
            kind=WorkerApplication.Kind.REGISTRATION,
            title=f"{operation_type.name} · {session.name} · {timezone.localtime(session.starts_at):%Y-%m-%d}",
            registration=registration,
            applied_by=actor,
        )
        record_event(
            actor=actor,
            action="employers.worker_application.made",
            obj=application,
            data={"kind": application.kind, "registration": registration.pk, "session": session.pk},
        )
    return application


def withdraw_application(*, application: WorkerApplication, user: User) -> WorkerApplication:
    """The worker (only they) withdraws an application made for them, until it is decided."""
    with transaction.atomic():
        locked = (
            WorkerApplication.objects.select_for_update(of=("self",))
            .select_related("entry", "review", "registration")
            .get(pk=application.pk)
        )
        if locked.entry.user_id != user.pk or not user.is_authenticated:
            raise PermissionDenied(NOT_YOURS)
        if locked.withdrawn_at is not None:
            return locked
        if not locked.can_withdraw:
            raise ValidationError(CANNOT_WITHDRAW, code="decided")
        if locked.review is not None:
            withdraw_review(review=locked.review, actor=user)
            locked.review = None
        if locked.registration is not None:
            cancel_registration(registration=locked.registration, actor=user)
        locked.withdrawn_at = timezone.now()
        locked.withdrawn_by = user
        locked.save(update_fields=["review", "withdrawn_at", "withdrawn_by"])
        record_event(
            actor=user, action="employers.worker_application.withdrawn", obj=locked, data={"kind": locked.kind}
        )
    return locked


# --- reads ---------------------------------------------------------------------------------


def applications_for_entry(entry: StaffMember) -> list[WorkerApplication]:
    return list(entry.applications.select_related("review", "registration").order_by("-created_at", "-pk"))


def applications_for_person(user: User) -> list[WorkerApplication]:
    """Applications employers made for this person, through registers they consented to."""
    if not user.is_authenticated:
        return []
    return list(
        WorkerApplication.objects.filter(entry__user=user)
        .select_related("organisation", "review", "registration")
        .order_by("-created_at", "-pk")
    )


def application_of_person(user: User, pk: int) -> WorkerApplication | None:
    if not user.is_authenticated:
        return None
    return WorkerApplication.objects.filter(entry__user=user, pk=pk).first()


def sessions_to_register(entry: StaffMember) -> list[tuple[ExamSession, OperationType]]:
    """Certification sessions open for registration, each with the operation types it examines."""
    from exams.admission.selectors import open_sessions

    sessions = open_sessions().filter(purpose=SessionPurpose.CERTIFICATION)[:50]
    return [(session, operation_type) for session in sessions for operation_type in session.operation_types.all()]


def reviewable_certificates(entry: StaffMember) -> list[Certificate]:
    """The worker's certificates whose review has not been applied for at the current due date."""
    if not entry.consented or entry.user_id is None:
        return []
    applied = set(Review.objects.filter(certificate__holder_id=entry.user_id).values_list("certificate_id", "due_on"))
    return [
        certificate
        for certificate in Certificate.objects.filter(holder_id=entry.user_id, status=Certificate.Status.VALID)
        .select_related("subject")
        .order_by("review_due")
        if (certificate.pk, certificate.review_due) not in applied
    ]
