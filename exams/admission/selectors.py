"""Reads for exam administration: sessions, rosters, training organisations' candidates,
results and statistics, scoped by role.

Each runs a fixed number of queries whatever the number of rows (the tests count them).
A regulator sees the sessions of their authorities; a training organisation only its
own candidates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from exams.practical.models import PracticalResult

from .access import regulator_authority_ids, trainer_organisation_ids
from .models import ExamSession, Registration

if TYPE_CHECKING:
    from accounts.models import User


def sessions_for_regulator(user: User) -> QuerySet[ExamSession]:
    """Sessions of the user's authorities with seat counts (one query)."""
    queryset = ExamSession.objects.all()
    if not user.is_superuser:
        queryset = queryset.filter(authority_id__in=regulator_authority_ids(user))
    return (
        queryset.select_related("site", "authority", "rubric", "blueprint")
        .prefetch_related("operation_types")
        .annotate(
            pending=Count("registrations", filter=Q(registrations__status=Registration.Status.PENDING)),
            approved=Count("registrations", filter=Q(registrations__status=Registration.Status.APPROVED)),
        )
        .order_by("-starts_at", "-pk")
    )


def open_sessions(*, now: dt.datetime | None = None) -> QuerySet[ExamSession]:
    """Sessions still taking registrations, soonest first, with their seat counts."""
    now = now or timezone.now()
    return (
        ExamSession.objects.filter(ends_at__gt=now)
        .select_related("site", "authority")
        .prefetch_related("operation_types")
        .annotate(
            taken=Count(
                "registrations",
                filter=Q(registrations__status__in=(Registration.Status.PENDING, Registration.Status.APPROVED)),
            )
        )
        .order_by("starts_at", "pk")
    )


def session_roster(session: ExamSession) -> QuerySet[Registration]:
    """Everyone registered for a session, with what the roster shows."""
    return (
        Registration.objects.filter(session=session)
        .select_related("candidate", "operation_type", "training_organisation", "practical_result", "attempt")
        .order_by("status", "candidate__real_name", "pk")
    )


def registrations_of_organisation(user: User) -> QuerySet[Registration]:
    """Registrations of the training organisations the user works for, and nobody else's."""
    return (
        Registration.objects.filter(training_organisation_id__in=trainer_organisation_ids(user))
        .select_related(
            "candidate",
            "operation_type",
            "session",
            "session__site",
            "practical_result",
            "attempt",
            "training_organisation",
        )
        .order_by("-session__starts_at", "candidate__real_name", "pk")
    )


def learners_of(organisations: Iterable[int]) -> QuerySet:
    """The workers of training organisations (the people they may register)."""
    from accounts.models import Role, User

    return (
        User.objects.filter(
            is_active=True,
            memberships__organisation_id__in=list(organisations),
            memberships__role=Role.WORKER,
        )
        .distinct()
        .order_by("real_name", "pk")
    )


# --- Statistics ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PassRate:
    label: str
    sat: int
    passed: int
    vetoed: int

    @property
    def rate(self) -> Decimal:
        if not self.sat:
            return Decimal(0)
        return (Decimal(self.passed) * 100 / self.sat).quantize(Decimal("0.1"))


def _results(user: User) -> QuerySet[PracticalResult]:
    """Results the user may see: a regulator's authorities, or a training organisation's own."""
    queryset = PracticalResult.objects.all()
    if user.is_superuser:
        return queryset
    authorities = regulator_authority_ids(user)
    organisations = trainer_organisation_ids(user)
    return queryset.filter(
        Q(registration__session__authority_id__in=authorities)
        | Q(registration__training_organisation_id__in=organisations)
    )


def pass_rates(user: User, *, by: str) -> list[PassRate]:
    """Practical pass rates grouped by session, site, operation type or training organisation (one query)."""
    fields = {
        "session": "registration__session__name",
        "site": "registration__session__site__name",
        "operation_type": "registration__operation_type__name",
        "training_organisation": "registration__training_organisation__name",
    }
    field = fields[by]
    rows = (
        _results(user)
        .values(field)
        .annotate(sat=Count("pk"), passed=Count("pk", filter=Q(passed=True)), vetoed=Count("pk", filter=Q(veto=True)))
        .order_by(field)
    )
    return [
        PassRate(label=row[field] or "—", sat=row["sat"], passed=row["passed"], vetoed=row["vetoed"]) for row in rows
    ]


def examiner_workloads(user: User) -> list[dict]:
    """Candidates scored and corrections confirmed per examiner (two queries)."""
    scored = (
        _results(user)
        .values("examiner__real_name", "examiner__username")
        .annotate(scored=Count("pk"), passed=Count("pk", filter=Q(passed=True)))
        .order_by("-scored", "examiner__username")
    )
    return [
        {
            "examiner": row["examiner__real_name"] or row["examiner__username"],
            "scored": row["scored"],
            "passed": row["passed"],
        }
        for row in scored
    ]


def result_rows(user: User) -> QuerySet[PracticalResult]:
    """Every visible result with what an export lists."""
    return (
        _results(user)
        .select_related(
            "registration__candidate",
            "registration__operation_type",
            "registration__session__site",
            "registration__training_organisation",
            "examiner",
        )
        .order_by("-submitted_at", "pk")
    )
