"""The only code that changes a learner's course state.

Locks are taken in one order everywhere: Enrolment, then LessonProgress, then StudyDay.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event

from .completion import CompletionFacts, is_training_complete, required_seconds
from .models import CheckAnswer, CoursePage, Enrolment, LessonPage, LessonProgress, StudyDay
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
            action="courses.enrolment.created",
            obj=enrolment,
            data={"learner": learner.pk, "course": course.pk},
        )
    return enrolment


class StaleHeartbeat(ValidationError):
    """A heartbeat whose nonce is not the one last issued: replayed, duplicated or from another tab."""


def _new_nonce() -> str:
    return secrets.token_hex(16)


def _locked_enrolment(*, learner: User, lesson: LessonPage) -> Enrolment:
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .filter(learner_id=getattr(learner, "pk", None), course__path=lesson.path[: -lesson.steplen])
        .first()
    )
    if enrolment is None:
        raise PermissionDenied(_("您尚未报名该课程，学时不能计入。"))
    return enrolment


@transaction.atomic
def record_lesson_time(
    *,
    learner: User,
    lesson: LessonPage,
    now: dt.datetime | None = None,
    position: dict[str, Any] | None = None,
    nonce: str | None = None,
) -> LessonProgress:
    """Credit the server time since the learner's previous heartbeat on this lesson.

    The lesson page calls this every 30 seconds while it is visible and the learner
    active. A heartbeat without a nonce (a page just opened) only (re)starts the clock;
    every other one must carry the nonce the previous reply handed out, and gets a new
    one back, so a replayed request, or a second tab on the same lesson, is refused
    (``StaleHeartbeat``) with nothing recorded. Credit stops at the lesson's length and
    the daily cap. Meeting the course's requirements creates the training-completion
    record (``Enrolment.completed_at``) that exam registration reads.
    """
    now = now or timezone.now()
    position = clean_position(position)
    if not lesson.live:
        raise ValidationError(_("该课时尚未发布。"), code="lesson_not_live")
    enrolment = _locked_enrolment(learner=learner, lesson=lesson)

    progress, _created = LessonProgress.objects.select_for_update().get_or_create(enrolment=enrolment, lesson=lesson)
    progress.enrolment = enrolment
    if nonce is not None and (not progress.nonce or not secrets.compare_digest(str(nonce), progress.nonce)):
        raise StaleHeartbeat(_("学时请求已过期或重复，本次不计入。请刷新页面继续学习。"), code="stale_heartbeat")
    day, _created = StudyDay.objects.select_for_update().get_or_create(learner=learner, day=timezone.localdate(now))

    required = lesson.minutes * 60
    credit = credit_heartbeat(
        previous=progress.last_heartbeat_at if nonce is not None else None,
        now=now,
        credited_until=day.credited_until,
        lesson_remaining=required - progress.seconds,
        day_remaining=DAILY_CAP_SECONDS - day.seconds,
    )

    progress.seconds += credit.seconds
    progress.last_heartbeat_at = credit.clock
    progress.nonce = _new_nonce()
    fields = ["seconds", "last_heartbeat_at", "nonce"]
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
        record_event(
            actor=learner, action="courses.lesson_progress.completed", obj=progress, data={"lesson": lesson.pk}
        )
        complete_training_if_done(learner=learner, enrolment=enrolment, now=now)
    return progress


def check_questions(lesson: LessonPage) -> dict[str, Any]:
    """The check questions embedded in a lesson's body, by their stream block id."""
    return {block.id: block.value for block in lesson.body if block.block_type == "check"}


def _correct_keys(question: Any) -> list[int]:
    return [n for n, option in enumerate(question["options"]) if option["correct"]]


@transaction.atomic
def answer_check_question(
    *, learner: User, lesson: LessonPage, block_id: str, answer: list[int], now: dt.datetime | None = None
) -> CheckAnswer:
    """Record the learner's answer (option indexes) to one check question; it may be retried."""
    now = now or timezone.now()
    if not lesson.live:
        raise ValidationError(_("该课时尚未发布。"), code="lesson_not_live")
    enrolment = _locked_enrolment(learner=learner, lesson=lesson)
    question = check_questions(lesson).get(block_id)
    if question is None:
        raise ValidationError(_("该测验题不存在。"), code="unknown_check")
    options = len(question["options"])
    if not answer or any(not isinstance(n, int) or isinstance(n, bool) or not 0 <= n < options for n in answer):
        raise ValidationError(_("请选择答案。"), code="invalid_answer")
    chosen = sorted(set(answer))
    correct = chosen == _correct_keys(question)
    record, created = CheckAnswer.objects.select_for_update().get_or_create(
        enrolment=enrolment,
        lesson=lesson,
        block_id=block_id,
        defaults={"answer": chosen, "correct": correct, "answered_at": now},
    )
    if not created:
        record.answer, record.correct, record.answered_at = chosen, correct, now
        record.save(update_fields=["answer", "correct", "answered_at"])
    record_event(
        actor=learner,
        action="courses.check_answer.recorded",
        obj=record,
        data={"lesson": lesson.pk, "block": block_id, "correct": correct},
    )
    if correct:
        complete_training_if_done(learner=learner, enrolment=enrolment, now=now)
    return record


def completion_facts(*, enrolment: Enrolment) -> CompletionFacts:
    """What the completion rule needs about one enrolment: three queries."""
    course = CoursePage.objects.get(pk=enrolment.course_id)
    lessons = list(LessonPage.objects.live().child_of(course))
    seconds = dict(
        LessonProgress.objects.filter(enrolment=enrolment, lesson__in=lessons).values_list("lesson_id", "seconds")
    )
    completed = set(
        LessonProgress.objects.filter(enrolment=enrolment, lesson__in=lessons, completed_at__isnull=False).values_list(
            "lesson_id", flat=True
        )
    )
    checks = {(lesson.pk, block_id) for lesson in lessons for block_id in check_questions(lesson)}
    correct = set(CheckAnswer.objects.filter(enrolment=enrolment, correct=True).values_list("lesson_id", "block_id"))
    lesson_seconds = sum(lesson.minutes * 60 for lesson in lessons)
    return CompletionFacts(
        required_seconds=required_seconds(theory_hours=course.theory_hours, lesson_seconds=lesson_seconds),
        credited_seconds=sum(min(seconds.get(lesson.pk, 0), lesson.minutes * 60) for lesson in lessons),
        lessons_total=len(lessons),
        lessons_completed=len(completed),
        checks_total=len(checks),
        checks_correct=len(checks & correct),
    )


def complete_training_if_done(*, learner: User, enrolment: Enrolment, now: dt.datetime) -> bool:
    """Create the training-completion record once the course's requirements are met.

    Call while holding SELECT FOR UPDATE on the enrolment. Returns whether it is completed.
    """
    if enrolment.completed_at is not None:
        return True
    if not is_training_complete(completion_facts(enrolment=enrolment)):
        return False
    enrolment.completed_at = now
    enrolment.save(update_fields=["completed_at"])
    record_event(
        actor=learner, action="courses.enrolment.completed", obj=enrolment, data={"course": enrolment.course_id}
    )
    return True
