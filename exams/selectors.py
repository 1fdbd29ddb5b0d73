"""Reads for exam pages and the API, scoped to the user asking.

A row the user may not see is simply not found: views turn that into a 404, so
nobody learns whether someone else's attempt exists.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone

from .models import Attempt, ExamKind, Registration
from .permissions import examiner_site_ids

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
