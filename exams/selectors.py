"""Reads for exam pages and the API, scoped to the user asking.

A row the user may not see is simply not found: views turn that into a 404, so
nobody learns whether someone else's attempt exists.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .json_length import JSONArrayLength
from .models import Attempt, ExamKind, ExamSession, Registration
from .permissions import examiner_site_ids, invigilated_site_and_authority_ids

if TYPE_CHECKING:
    from accounts.models import User


def registrations_for(user: User) -> QuerySet[Registration]:
    """The candidate's registrations with what their list shows, in one query."""
    return (
        Registration.objects.filter(candidate=user)
        .select_related("session", "session__site", "operation_type", "attempt", "practical_result")
        .order_by("-session__starts_at", "-pk")
    )


def registration_for(user: User, registration_id: int) -> Registration:
    """One of the candidate's own registrations; Registration.DoesNotExist otherwise."""
    return registrations_for(user).get(pk=registration_id)


def attempt_for(user: User, attempt_id: int) -> Attempt:
    """One of the candidate's own attempts; Attempt.DoesNotExist otherwise."""
    return (
        Attempt.objects.filter(candidate=user)
        .select_related("registration__session", "registration__operation_type")
        .get(pk=attempt_id)
    )


def saved_answers(attempt: Attempt) -> dict[int, list[str]]:
    return dict(attempt.answers.values_list("question_id", "answer"))


def saved_answers_with_times(attempt: Attempt) -> dict[int, tuple[list[str], dt.datetime]]:
    """Question id -> (answer, saved_at): the exam page tells stale device copies by the time."""
    return {
        qid: (answer, saved_at)
        for qid, answer, saved_at in attempt.answers.values_list("question_id", "answer", "saved_at")
    }


def open_attempt_for(user: User) -> Attempt | None:
    """The candidate's attempt not yet submitted, if any (there is at most one)."""
    return (
        Attempt.objects.filter(candidate=user, submitted_at__isnull=True)
        .select_related("registration__session", "registration__operation_type")
        .first()
    )


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def practical_registrations_for(examiner: User) -> QuerySet[Registration]:
    """Approved practical registrations at the sites where the user examines."""
    queryset = Registration.objects.filter(
        session__kind=ExamKind.PRACTICAL, status=Registration.Status.APPROVED
    ).select_related("candidate", "operation_type", "session", "session__site", "session__rubric", "practical_result")
    if not examiner.is_superuser:
        queryset = queryset.filter(session__site_id__in=examiner_site_ids(examiner))
    return queryset


def practical_roster(examiner: User, day: dt.date) -> QuerySet[Registration]:
    """The day's practical candidates at the examiner's sites, by session then name."""
    start, end = _day_bounds(day)
    return (
        practical_registrations_for(examiner)
        .filter(session__starts_at__lt=end, session__ends_at__gt=start)
        .order_by("session__starts_at", "session__name", "candidate__real_name", "pk")
    )


def practical_registration_for(examiner: User, registration_id: int) -> Registration:
    """A practical registration the examiner may score; Registration.DoesNotExist otherwise."""
    return practical_registrations_for(examiner).get(pk=registration_id)


# --- Invigilation -------------------------------------------------------------------------


def invigilated_sessions(user: User) -> QuerySet[ExamSession]:
    """Theory sessions the user may invigilate: at their exam sites or of their authorities."""
    sessions = ExamSession.objects.filter(kind=ExamKind.THEORY).select_related("site", "authority")
    if user.is_superuser:
        return sessions
    site_ids, authority_ids = invigilated_site_and_authority_ids(user)
    return sessions.filter(Q(site_id__in=site_ids) | Q(authority_id__in=authority_ids))


def invigilation_day(user: User, day: dt.date) -> QuerySet[ExamSession]:
    """The day's theory sessions the user may invigilate, in time order."""
    start, end = _day_bounds(day)
    return invigilated_sessions(user).filter(starts_at__lt=end, ends_at__gt=start).order_by("starts_at", "pk")


def invigilated_session(user: User, session_id: int) -> ExamSession:
    return invigilated_sessions(user).get(pk=session_id)


def invigilated_attempt(user: User, attempt_id: int) -> Attempt:
    """An attempt of a session the user invigilates; Attempt.DoesNotExist otherwise."""
    session_ids = invigilated_sessions(user).values("pk")
    return Attempt.objects.filter(registration__session__in=session_ids).get(pk=attempt_id)


def invigilation_rows(session: ExamSession, *, now: dt.datetime) -> list[dict]:
    """Every approved candidate of the session with the state of their attempt: 2 queries.

    The paper's question count is read in the database (jsonb length on PostgreSQL),
    never by loading papers.
    """
    registrations = (
        Registration.objects.filter(session=session, status=Registration.Status.APPROVED)
        .select_related("candidate", "operation_type")
        .order_by("candidate__real_name", "pk")
    )
    attempts = {
        row["registration_id"]: row
        for row in Attempt.objects.filter(registration__session=session)
        .annotate(answered=Count("answers"))
        .values(
            "pk",
            "registration_id",
            "deadline",
            "submitted_at",
            "extra_minutes",
            "score",
            "passed",
            "answered",
            "auto_submitted",
            "closed_by_id",
            questions=JSONArrayLength("paper__questions"),
        )
    }
    rows = []
    for registration in registrations:
        attempt = attempts.get(registration.pk)
        if attempt is None:
            status, remaining = "not_started", None
        elif attempt["submitted_at"] is not None:
            status, remaining = "submitted", 0
        else:
            status = "in_progress"
            remaining = max(0, int((attempt["deadline"] - now).total_seconds()))
        rows.append(
            {
                "registration_id": registration.pk,
                "candidate": registration.candidate.real_name or registration.candidate.username,
                "operation_type": registration.operation_type.name,
                "attempt_id": attempt["pk"] if attempt else None,
                "status": status,
                "answered": attempt["answered"] if attempt else 0,
                "questions": attempt["questions"] or 0 if attempt else 0,
                "deadline": attempt["deadline"] if attempt else None,
                "remaining_seconds": remaining,
                "extra_minutes": attempt["extra_minutes"] if attempt else 0,
                "score": float(attempt["score"]) if attempt and attempt["score"] is not None else None,
                "passed": attempt["passed"] if attempt else None,
                "auto_submitted": attempt["auto_submitted"] if attempt else False,
                "closed_by_invigilator": bool(attempt and attempt["closed_by_id"]),
            }
        )
    return rows
