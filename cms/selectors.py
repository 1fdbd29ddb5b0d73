"""What the learner's dashboard shows, read from the other apps in a fixed number of queries.

The cms app only reads here; nothing else imports it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone

from accounts.models import Role
from accounts.selectors import roles_of
from certificates.models import Certificate
from certificates.rules import DISPLAY_STATUS_CLASSES, DISPLAY_STATUS_LABELS, DisplayStatus, display_status
from certificates.selectors import certificate_state, certificates_for_holder
from courses.selectors import CourseProgress, LessonState, enrolments_for
from employers.selectors import invitations_for
from exams.admission.models import Registration
from exams.theory.selectors import registrations_for

from .next_steps import CertificateFacts, ExamFacts, NextStep, countdown_parts, next_exam_step

if TYPE_CHECKING:
    from accounts.models import User

#: Roles whose holders work in the Wagtail admin.
STAFF_ROLES = frozenset({Role.TRAINER, Role.EXAMINER, Role.REGULATOR, Role.ADMINISTRATOR})


@dataclass(frozen=True)
class CertificateEntry:
    """A certificate with the status it has today (it may have lapsed since it was stored)."""

    certificate: Certificate
    status: str
    status_label: str
    css_class: str


@dataclass(frozen=True)
class Dashboard:
    courses: list[CourseProgress]
    registrations: list[Registration]
    certificates: list[CertificateEntry]
    roles: frozenset[str]
    is_site_staff: bool = False
    #: May enter the Wagtail admin (its access permission): the admin link leads somewhere.
    can_use_admin: bool = False
    now: dt.datetime | None = None
    #: Employers asking this person to join their staff register.
    employer_invitations: int = 0
    #: The exam step the home puts first (start, countdown, result, retake …), if any.
    exam_step: NextStep | None = None

    @property
    def exam_registration(self) -> Registration | None:
        """The registration the exam step is about."""
        if self.exam_step is None or self.exam_step.exam is None:
            return None
        wanted = self.exam_step.exam.registration_id
        return next((r for r in self.registrations if r.pk == wanted), None)

    @property
    def countdown(self) -> tuple[int, int, int]:
        return countdown_parts(self.exam_step.seconds_to_start if self.exam_step else 0)

    @property
    def continue_lesson(self) -> tuple[CourseProgress, LessonState] | None:
        """Where studying goes on: the next lesson of the course most recently enrolled on, not yet completed."""
        for progress in self.courses:
            if not progress.is_completed and progress.next_lesson is not None:
                return progress, progress.next_lesson
        return None

    @property
    def next_exam(self) -> Registration | None:
        """The soonest exam the learner is registered for that has not ended yet."""
        now = self.now or timezone.now()
        upcoming = [
            r
            for r in self.registrations
            if r.status in (Registration.Status.APPROVED, Registration.Status.PENDING) and r.session.ends_at > now
        ]
        return min(upcoming, key=lambda r: (r.session.starts_at, r.pk), default=None)

    @property
    def reviews_due(self) -> list[CertificateEntry]:
        """Certificates inside their review window: the holder should apply for review now."""
        return [entry for entry in self.certificates if entry.status == DisplayStatus.REVIEW_DUE_SOON]

    @property
    def has_next_steps(self) -> bool:
        return bool(self.continue_lesson or self.exam_step or self.reviews_due)

    @property
    def shows_admin(self) -> bool:
        """The staff section (work pages by role); its admin link only with can_use_admin."""
        return self.is_site_staff or bool(self.roles & STAFF_ROLES)

    @property
    def shows_practical(self) -> bool:
        return Role.EXAMINER in self.roles

    @property
    def shows_training_organisation(self) -> bool:
        return Role.TRAINER in self.roles

    @property
    def shows_oversight(self) -> bool:
        return Role.REGULATOR in self.roles

    @property
    def shows_employer(self) -> bool:
        return Role.EMPLOYER in self.roles


def exam_facts(registration: Registration) -> ExamFacts:
    """What the next-step rules need of a registration loaded by ``registrations_for``."""
    attempt = getattr(registration, "attempt", None)
    result = getattr(registration, "practical_result", None)
    theory = registration.session.kind == "theory"
    outcome = attempt if theory else result
    passed = getattr(outcome, "passed", None)
    score = getattr(attempt, "score", None) if theory else getattr(result, "total", None)
    return ExamFacts(
        registration_id=registration.pk,
        operation_type_id=registration.operation_type_id,
        theory=theory,
        approved=registration.status == Registration.Status.APPROVED,
        starts_at=registration.session.starts_at,
        ends_at=registration.session.ends_at,
        is_retake=registration.is_retake,
        attempt_id=attempt.pk if attempt is not None else None,
        attempt_deadline=attempt.deadline if attempt is not None else None,
        attempt_submitted=bool(attempt is not None and attempt.submitted_at),
        passed=passed,
        score="" if score is None else str(score),
    )


def dashboard_for(*, user: User, today: dt.date | None = None) -> Dashboard:
    """Courses (3 queries), registrations, certificates, roles and employers' invitations (1 each)."""
    today = today or timezone.localdate()
    registrations = list(registrations_for(user))
    certificates = []
    for certificate in certificates_for_holder(user):
        status = display_status(certificate_state(certificate), today)
        label = str(DISPLAY_STATUS_LABELS[status])
        certificates.append(
            CertificateEntry(
                certificate=certificate,
                status=str(status),
                status_label=label,
                css_class=DISPLAY_STATUS_CLASSES[status],
            )
        )
    roles = frozenset(roles_of(user))
    now = timezone.now()
    step = next_exam_step(
        exams=[exam_facts(r) for r in registrations],
        certificates=[
            CertificateFacts(operation_type_id=e.certificate.operation_type_id, issued_on=e.certificate.issued_on)
            for e in certificates
            if e.certificate.operation_type_id
        ],
        now=now,
    )
    return Dashboard(
        courses=enrolments_for(learner=user),
        registrations=registrations,
        certificates=certificates,
        roles=roles,
        is_site_staff=user.is_staff or user.is_superuser,
        # Asked only of staff: a learner's home runs no permission query.
        can_use_admin=bool(user.is_staff or user.is_superuser or roles & STAFF_ROLES)
        and user.has_perm("wagtailadmin.access_admin"),
        now=now,
        employer_invitations=len(invitations_for(user)),
        exam_step=step,
    )


def home_sections(*, home) -> dict:
    """The course sections and latest notices linked from the home page: two queries."""
    from courses.models import CourseIndexPage

    from .models import NoticePage

    return {
        "course_indexes": list(CourseIndexPage.objects.live().child_of(home).order_by("path")),
        "notices": list(NoticePage.objects.live().descendant_of(home).order_by("-published_on", "-pk")[:5]),
    }
