"""A training organisation enrols a class of learners on one of its courses, all at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import record_event
from accounts.models import Organisation
from accounts.selectors import user_by_id_number, user_by_phone

from .models import CourseIndexPage, CoursePage, StudyClass
from .services import enrol

if TYPE_CHECKING:
    from accounts.models import User

MAX_CLASS_SIZE = 500


def course_in_section(*, organisation: Organisation, course: CoursePage) -> bool:
    """Whether the course lies inside the organisation's own section of the page tree."""
    index = CourseIndexPage.objects.filter(organisation=organisation).first()
    return index is not None and course.path.startswith(index.path) and course.depth == index.depth + 1


def _learner_for(identifier: str) -> User | None:
    return user_by_id_number(identifier) or user_by_phone(identifier)


@transaction.atomic
def enrol_class(
    *, organisation: Organisation, course: CoursePage, name: str, identifiers: list[str], actor: User
) -> StudyClass:
    """Enrol every listed learner (ID number or phone, one per entry) in a class, or none.

    Each bad entry is reported with its line number. Enrolling a learner again keeps
    their enrolment (and its progress); it joins the class if it had none.
    """
    name = " ".join((name or "").split())
    errors: list[str] = []
    if not name:
        errors.append(_("请输入班级名称。"))
    if not course_in_section(organisation=organisation, course=course):
        raise ValidationError(_("只能为本机构栏目中的课程报名。"), code="foreign_course")
    if not course.live:
        errors.append(_("该课程尚未发布，不能报名。"))
    entries = [(n, line.strip()) for n, line in enumerate(identifiers, start=1) if line.strip()]
    if not entries:
        errors.append(_("请至少填写一名学员的身份证号或手机号。"))
    if len(entries) > MAX_CLASS_SIZE:
        errors.append(_("一次最多报名 %(count)d 人。") % {"count": MAX_CLASS_SIZE})
    learners: dict[int, User] = {}
    for number, identifier in entries[:MAX_CLASS_SIZE]:
        learner = _learner_for(identifier)
        if learner is None:
            errors.append(_("第 %(line)d 行：找不到该学员（%(value)s）。") % {"line": number, "value": identifier[:32]})
        else:
            learners.setdefault(learner.pk, learner)
    study_class = StudyClass.objects.select_for_update().filter(organisation=organisation, name=name).first()
    if study_class is not None and study_class.course_id != course.pk:
        errors.append(_("班级“%(name)s”已用于另一门课程。") % {"name": name})
    if errors:
        raise ValidationError(errors, code="invalid_class")

    if study_class is None:
        study_class = StudyClass.objects.create(organisation=organisation, course=course, name=name, created_by=actor)
    added = 0
    for learner in learners.values():
        enrolment = enrol(learner=learner, course=course, enrolled_by=actor)
        if enrolment.study_class_id is None:
            enrolment.study_class = study_class
            enrolment.save(update_fields=["study_class"])
            added += 1
    record_event(
        actor=actor,
        action="courses.study_class.enrolled",
        obj=study_class,
        data={"course": course.pk, "learners": sorted(learners), "added": added},
    )
    return study_class
