"""Reads for the theory exam pages, the API and invigilation, scoped to the user asking.

A row the user may not see is simply not found: views turn that into a 404, so
nobody learns whether someone else's attempt exists.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.dates import day_bounds, months_before
from exams.admission.models import ExamKind, ExamSession, Registration
from exams.bank.models import Question, QuestionBank
from exams.papers.scoring import PASS_VALID_MONTHS, PaperQuestion, is_correct

from .access import invigilated_site_and_authority_ids
from .item_statistics import ItemResponse, ItemStatistics, ScoredAttempt, item_statistics
from .json_length import JSONArrayLength
from .models import Attempt, AttemptAnswer

if TYPE_CHECKING:
    from accounts.models import User
    from exams.catalogue.models import OperationType


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


def passed_theory_attempt(*, candidate: User, operation_type: OperationType | None, now: dt.datetime) -> Attempt | None:
    """The latest theory pass for the operation type that is still valid (12 months);
    None without an operation type (only special operations have a practical part)."""
    if operation_type is None:
        return None
    since = months_before(timezone.localtime(now), PASS_VALID_MONTHS)
    return (
        Attempt.objects.filter(
            candidate=candidate,
            registration__operation_type=operation_type,
            passed=True,
            submitted_at__gte=since,
            submitted_at__lte=now,
        )
        .order_by("-submitted_at", "-pk")
        .first()
    )


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
    start, end = day_bounds(day, timezone.get_current_timezone())
    return invigilated_sessions(user).filter(starts_at__lt=end, ends_at__gt=start).order_by("starts_at", "pk")


def invigilated_session(user: User, session_id: int) -> ExamSession:
    return invigilated_sessions(user).get(pk=session_id)


def invigilated_registration(user: User, registration_id: int) -> Registration:
    """A registration of a theory session the user invigilates; Registration.DoesNotExist otherwise."""
    session_ids = invigilated_sessions(user).values("pk")
    return Registration.objects.select_related("candidate").filter(session__in=session_ids).get(pk=registration_id)


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
        .select_related("candidate", "operation_type", "subject")
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
                "has_photo": bool(registration.candidate.photo),
                "checked_in_at": registration.checked_in_at,
                "operation_type": registration.examined_name,
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


# --- Item statistics ----------------------------------------------------------------------


@dataclass(frozen=True)
class ItemReportRow:
    question: Question
    statistics: ItemStatistics


def item_report(bank: QuestionBank, *, since: dt.datetime | None = None) -> list[ItemReportRow]:
    """Item statistics of the bank's questions from submitted attempts (three queries).

    Attempts are those of sessions whose blueprint draws from this bank; each is read
    from its own snapshot (the key as the candidate's paper had it), so later edits to
    the bank change nothing here. Rows needing review come first.
    """
    submitted = Attempt.objects.filter(
        submitted_at__isnull=False, score__isnull=False, registration__session__blueprint__bank=bank
    )
    if since is not None:
        submitted = submitted.filter(submitted_at__gte=since)
    attempts = list(submitted.values_list("pk", "score", "paper"))
    answers: dict[int, dict[int, list[str]]] = defaultdict(dict)
    for attempt_id, question_id, answer in AttemptAnswer.objects.filter(
        attempt_id__in=[pk for pk, _score, _paper in attempts]
    ).values_list("attempt_id", "question_id", "answer"):
        answers[attempt_id][question_id] = answer
    scored = []
    for pk, score, paper in attempts:
        responses = []
        for data in paper.get("questions", []):
            question = PaperQuestion.from_snapshot(data)
            given = answers[pk].get(question.id) or []
            responses.append(ItemResponse(question.source_id, is_correct(question, given), float(question.points)))
        scored.append(ScoredAttempt(score=float(score or 0), responses=tuple(responses)))
    statistics = item_statistics(scored)
    questions = Question.objects.filter(bank=bank, pk__in=list(statistics)).order_by("pk")
    rows = [ItemReportRow(question=question, statistics=statistics[question.pk]) for question in questions]
    rows.sort(key=lambda row: (not row.statistics.needs_review, row.statistics.difficulty or 0, row.question.pk))
    return rows
