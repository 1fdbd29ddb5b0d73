"""The facts behind a registration's eligibility, read from the database in a fixed set of queries.

The rules themselves are pure (exams/admission/eligibility.py); this module only gathers what
they need about one candidate for one session, so that register_candidate and the
bulk class registration explain failures the same way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.selectors import active_exam_ban
from exams.catalogue.rules import checks_personal_conditions, initial_training_hours
from exams.practical.models import PracticalResult
from exams.theory.models import Attempt

from .eligibility import PRACTICAL, THEORY, CandidateFacts, eligibility_problems, is_retake
from .models import ExamKind, ExamSession, HealthCertificate, Registration, SessionPurpose

if TYPE_CHECKING:
    from accounts.models import User
    from exams.catalogue.models import OperationType, Subject


@dataclass(frozen=True)
class Assessment:
    """What the rules say about one candidate for one session."""

    problems: list[str]
    is_retake: bool
    retake_subjects: list[str]


def _local_date(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localtime(moment).date() if moment is not None else None


def candidate_facts(
    *, session: ExamSession, candidate: User, operation_type: OperationType | None, subject: Subject | None = None
) -> tuple[CandidateFacts, PracticalResult | None]:
    """The facts for the rules, and (practical) the latest failed result since training.

    Special operations are read by operation type; the other kinds (no operation type)
    by subject, with the initial training hours of their kind (order No. 3 art. 9).
    """
    from courses.selectors import completed_training, completed_training_for_subject

    exam_date = timezone.localtime(session.starts_at).date()
    part = PRACTICAL if session.kind == ExamKind.PRACTICAL else THEORY
    review = session.purpose == SessionPurpose.REVIEW
    if operation_type is not None:
        training = completed_training(learner=candidate, operation_type=operation_type)
        by: dict[str, Any] = {"operation_type": operation_type}
        personal_conditions = True
    else:
        if subject is None:
            raise ValueError("a registration is for an operation type or a subject")
        high_risk = subject.industry is not None and subject.industry.high_risk
        hours = initial_training_hours(subject.kind.code, high_risk=high_risk)
        training = completed_training_for_subject(learner=candidate, subject=subject, min_hours=hours or 0)
        by = {"subject": subject}
        personal_conditions = checks_personal_conditions(subject.kind.code)
    on_registration = {f"registration__{key}": value for key, value in by.items()}
    trained_at = training.completed_at if training is not None else None
    health = HealthCertificate.objects.filter(user=candidate).order_by("-issued_on", "-pk").first()
    ban = active_exam_ban(candidate, on=exam_date)

    passed_theory = (
        Attempt.objects.filter(candidate=candidate, passed=True, submitted_at__isnull=False, **on_registration)
        .order_by("-submitted_at")
        .values_list("submitted_at", flat=True)
        .first()
    )
    theory_booked = False
    last_failed_result = None
    if part == PRACTICAL:
        passed_on = (
            PracticalResult.objects.filter(registration__candidate=candidate, passed=True, **on_registration)
            .order_by("-submitted_at")
            .values_list("submitted_at", flat=True)
            .first()
        )
        failed: QuerySet[Any] = PracticalResult.objects.filter(
            registration__candidate=candidate, passed=False, **on_registration
        )
        theory_booked = (
            Registration.objects.filter(
                candidate=candidate,
                session__kind=ExamKind.THEORY,
                **by,
                session__starts_at__lte=session.starts_at,
                status__in=(Registration.Status.PENDING, Registration.Status.APPROVED),
            )
            .filter(Q(attempt__isnull=True) | Q(attempt__submitted_at__isnull=True))
            .exists()
        )
    else:
        passed_on = passed_theory
        failed = Attempt.objects.filter(candidate=candidate, passed=False, **on_registration)
    if trained_at is not None:
        failed = failed.filter(submitted_at__gt=trained_at)
    failures = list(failed.order_by("-submitted_at"))
    if part == PRACTICAL and failures:
        last_failed_result = failures[0]
    facts = CandidateFacts(
        id_number=candidate.id_number,
        education=candidate.education,
        exam_date=exam_date,
        requires_senior_middle=operation_type.requires_senior_middle if operation_type is not None else False,
        # A review (renewal) exam: the review training and health are decided on the review.
        training_completed=None if review else training is not None,
        part=part,
        female_retirement_base=getattr(settings, "KAOZHENG_FEMALE_RETIREMENT_BASE", 50),
        banned_until=ban.ends_on if ban is not None else None,
        health_required=True,
        health_certificate_issued_on=health.issued_on if health is not None else None,
        theory_passed_on=_local_date(passed_theory) if part == PRACTICAL else None,
        theory_booked=theory_booked,
        part_passed_on=_local_date(passed_on),
        failures_since_training=len(failures),
        personal_conditions=personal_conditions and not review,
    )
    return facts, last_failed_result


def assess_candidate(
    *, session: ExamSession, candidate: User, operation_type: OperationType | None, subject: Subject | None = None
) -> Assessment:
    facts, last_failed = candidate_facts(
        session=session, candidate=candidate, operation_type=operation_type, subject=subject
    )
    retake = is_retake(facts)
    subjects: list[str] = []
    rubric = session.rubric if session.kind == ExamKind.PRACTICAL else None
    if retake and last_failed is not None and rubric is not None and rubric.retake_failed_subject_only:
        failed_subjects = list(last_failed.failed_subjects or [])
        # A vetoed exam, or one failed on the total alone, is sat again in full.
        if failed_subjects and not last_failed.veto:
            subjects = failed_subjects
    return Assessment(problems=eligibility_problems(facts), is_retake=retake, retake_subjects=subjects)
