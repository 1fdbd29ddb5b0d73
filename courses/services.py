"""The only code that changes a learner's course state.

Locks are taken in one order everywhere: Enrolment, then LessonProgress, then StudyDay.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event

from .models import CoursePage, Enrolment, LessonPage, LessonProgress, StudyDay
from .study_time import DAILY_CAP_SECONDS, clean_position, credit_heartbeat

if TYPE_CHECKING:
    from accounts.models import User


@transaction.atomic
def enrol(*, learner: User, course: CoursePage, enrolled_by: User | None = None) -> Enrolment:
    """Enrol a learner on a published course; enrolling again returns the enrolment."""
    if not course.live:
        raise ValidationError(_("该课程尚未发布，不能报名。"), code="course_not_live")
    enrolment, created = Enrolment.objects.get_or_create(
        learner=learner, course=course, defaults={"enrolled_by": enrolled_by}
    )
    if created:
        record_event(
            actor=enrolled_by or learner,
            action="course.enrolled",
            obj=enrolment,
            data={"learner": learner.pk, "course": course.pk},
        )
    return enrolment


@transaction.atomic
def record_lesson_time(
    *,
    learner: User,
    lesson: LessonPage,
    now: dt.datetime | None = None,
    position: dict[str, Any] | None = None,
) -> LessonProgress:
    """Credit the server time since the learner's previous heartbeat on this lesson.

    Called by the lesson page every 30 seconds while the learner is active. Completing
    the last live lesson of a course completes the enrolment, which is what exam
    eligibility reads (``selectors.completed_training``).
    """
    now = now or timezone.now()
    position = clean_position(position)
    if not lesson.live:
        raise ValidationError(_("该课时尚未发布。"), code="lesson_not_live")
    course_path = lesson.path[: -lesson.steplen]
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .filter(learner_id=getattr(learner, "pk", None), course__path=course_path)
        .first()
    )
    if enrolment is None:
        raise PermissionDenied(_("您尚未报名该课程，学时不能计入。"))

    progress, _created = LessonProgress.objects.select_for_update().get_or_create(enrolment=enrolment, lesson=lesson)
    progress.enrolment = enrolment
    day, _created = StudyDay.objects.select_for_update().get_or_create(learner=learner, day=timezone.localdate(now))

    required = lesson.minutes * 60
    credit = credit_heartbeat(
        previous=progress.last_heartbeat_at,
        now=now,
        credited_until=day.credited_until,
        lesson_remaining=required - progress.seconds,
        day_remaining=DAILY_CAP_SECONDS - day.seconds,
    )

    progress.seconds += credit.seconds
    progress.last_heartbeat_at = credit.clock
    fields = ["seconds", "last_heartbeat_at"]
    if position is not None:
        progress.position = position
        fields.append("position")
    lesson_completed_now = progress.completed_at is None and progress.seconds >= required
    if lesson_completed_now:
        progress.completed_at = now
        fields.append("completed_at")
    progress.save(update_fields=fields)

    if credit.seconds or credit.credited_until != day.credited_until:
        day.seconds += credit.seconds
        day.credited_until = credit.credited_until
        day.save(update_fields=["seconds", "credited_until"])

    if lesson_completed_now:
        record_event(actor=learner, action="course.lesson_completed", obj=progress, data={"lesson": lesson.pk})
    if progress.completed_at is not None and enrolment.completed_at is None:
        _complete_enrolment_if_done(
            learner=learner, enrolment=enrolment, course_path=course_path, lesson_depth=lesson.depth, now=now
        )
    return progress


def _complete_enrolment_if_done(
    *, learner: User, enrolment: Enrolment, course_path: str, lesson_depth: int, now: dt.datetime
) -> None:
    """Mark the enrolment completed once every live lesson of its course is completed.

    Call while holding SELECT FOR UPDATE on the enrolment.
    """
    lesson_ids = set(
        LessonPage.objects.live().filter(path__startswith=course_path, depth=lesson_depth).values_list("pk", flat=True)
    )
    if not lesson_ids:
        return
    completed_ids = set(
        LessonProgress.objects.filter(
            enrolment=enrolment, lesson_id__in=lesson_ids, completed_at__isnull=False
        ).values_list("lesson_id", flat=True)
    )
    if completed_ids != lesson_ids:
        return
    enrolment.completed_at = now
    enrolment.save(update_fields=["completed_at"])
    record_event(
        actor=learner,
        action="course.completed",
        obj=enrolment,
        data={"course": enrolment.course_id},
    )
