"""Reads for the examiner's pages: today's practical candidates, score sheets and the
corrections waiting for a second examiner, scoped to the sites where the user examines.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone

from accounts.dates import day_bounds
from exams.admission.models import ExamKind, Registration

from .access import examiner_site_ids
from .models import PracticalCorrection, PracticalScoreSheet

if TYPE_CHECKING:
    from accounts.models import User


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
    start, end = day_bounds(day, timezone.get_current_timezone())
    return (
        practical_registrations_for(examiner)
        .filter(session__starts_at__lt=end, session__ends_at__gt=start)
        .order_by("session__starts_at", "session__name", "candidate__real_name", "pk")
    )


def practical_registration_for(examiner: User, registration_id: int) -> Registration:
    """A practical registration the examiner may score; Registration.DoesNotExist otherwise."""
    return practical_registrations_for(examiner).get(pk=registration_id)


def examiner_sheet(examiner: User, registration_id: int) -> Registration:
    """A practical registration at the examiner's sites; Registration.DoesNotExist otherwise."""
    queryset = Registration.objects.filter(session__kind=ExamKind.PRACTICAL).select_related(
        "candidate", "operation_type", "session", "session__site", "session__rubric", "practical_result"
    )
    if not examiner.is_superuser:
        queryset = queryset.filter(session__site_id__in=examiner_site_ids(examiner))
    return queryset.get(pk=registration_id)


def sheet_of(registration: Registration) -> PracticalScoreSheet | None:
    return PracticalScoreSheet.objects.filter(registration=registration).prefetch_related("marks", "evidence").first()


def pending_corrections(examiner: User) -> QuerySet[PracticalCorrection]:
    queryset = PracticalCorrection.objects.filter(status=PracticalCorrection.Status.PENDING).select_related(
        "result__registration__candidate", "requested_by"
    )
    if not examiner.is_superuser:
        queryset = queryset.filter(result__registration__session__site_id__in=examiner_site_ids(examiner))
    return queryset.order_by("created_at")
