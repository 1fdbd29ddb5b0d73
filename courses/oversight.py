"""Regulators' view of training organisations: grading (分级管理) and outcomes side by side."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.audit import record_event
from accounts.models import Organisation, Role
from accounts.selectors import has_role, organisations_of

from .models import CourseIndexPage, CoursePage, Enrolment

if TYPE_CHECKING:
    from accounts.models import User


def regulated_organisations(user: User) -> QuerySet[Organisation]:
    """Training organisations under the authorities where the user is a regulator."""
    authorities = organisations_of(user, role=Role.REGULATOR)
    return Organisation.objects.filter(kind=Organisation.Kind.TRAINING, parent__in=authorities).order_by("name")


def can_regulate(user: User, organisation: Organisation) -> bool:
    return (
        organisation.kind == Organisation.Kind.TRAINING
        and organisation.parent_id is not None
        and has_role(user, Role.REGULATOR, organisation.parent)
    )


@transaction.atomic
def grade_training_organisation(*, organisation: Organisation, grade: str, actor: User, reason: str) -> Organisation:
    """Set a training organisation's grade; only a regulator of its authority may, with a reason."""
    if not can_regulate(actor, organisation):
        raise PermissionDenied(_("您无权为该培训机构评定等级。"))
    if grade not in Organisation.Grade.values:
        raise ValidationError({"grade": _("请选择等级。")}, code="invalid")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("请填写评定理由。")}, code="required")
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.grade == grade:
        return organisation
    previous = organisation.grade
    organisation.grade = grade
    organisation.save(update_fields=["grade"])
    record_event(
        actor=actor,
        action="accounts.organisation.graded",
        obj=organisation,
        data={"from": previous, "to": grade, "reason": reason},
    )
    return organisation


@dataclass(frozen=True)
class OrganisationOutcome:
    organisation: Organisation
    courses: list[CoursePage]
    enrolled: int
    completed: int

    @property
    def completion_percent(self) -> int:
        return self.completed * 100 // self.enrolled if self.enrolled else 0


def outcomes(organisations: list[Organisation]) -> list[OrganisationOutcome]:
    """Each organisation's published catalogue and its learners' training outcomes: three queries."""
    indexes = {index.organisation_id: index for index in CourseIndexPage.objects.filter(organisation__in=organisations)}
    by_index: dict[str, list[CoursePage]] = {index.path: [] for index in indexes.values()}
    counts: dict[int, tuple[int, int]] = {}
    if indexes:
        paths = Q()
        for index in indexes.values():
            paths |= Q(path__startswith=index.path, depth=index.depth + 1)
        for course in CoursePage.objects.live().filter(paths).select_related("operation_type").order_by("path"):
            by_index[course.path[: -course.steplen]].append(course)
        course_ids = [course.pk for courses in by_index.values() for course in courses]
        for row in (
            Enrolment.objects.filter(course_id__in=course_ids)
            .values("course_id")
            .annotate(enrolled=Count("pk"), completed=Count("pk", filter=Q(completed_at__isnull=False)))
        ):
            counts[row["course_id"]] = (row["enrolled"], row["completed"])
    result = []
    for organisation in organisations:
        index = indexes.get(organisation.pk)
        courses = by_index.get(index.path, []) if index else []
        enrolled = sum(counts.get(course.pk, (0, 0))[0] for course in courses)
        completed = sum(counts.get(course.pk, (0, 0))[1] for course in courses)
        result.append(
            OrganisationOutcome(organisation=organisation, courses=courses, enrolled=enrolled, completed=completed)
        )
    return result
