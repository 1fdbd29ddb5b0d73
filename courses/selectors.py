"""Reads of learner state for courses: other apps call these, never the models directly.

Each selector runs a fixed number of queries, however many courses or lessons there are.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from functools import reduce
from typing import TYPE_CHECKING, Any

from django.db.models import Q

from .models import CheckAnswer, CoursePage, Enrolment, LessonPage, LessonProgress

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User
    from exams.models import OperationType


def completed_training(*, learner: User, operation_type: OperationType | int) -> Enrolment | None:
    """The learner's latest completed enrolment on a course of this operation type.

    Exam eligibility rests on this: training counts only once the enrolment is marked
    completed by ``record_lesson_time``, never from anything the learner can click.
    """
    return (
        Enrolment.objects.filter(
            learner=learner,
            course__operation_type=operation_type,
            completed_at__isnull=False,
        )
        .select_related("course")
        .order_by("-completed_at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class LessonState:
    lesson: LessonPage
    number: int
    seconds: int = 0
    completed: bool = False
    position: dict[str, Any] = field(default_factory=dict)

    @property
    def required_seconds(self) -> int:
        return self.lesson.minutes * 60

    @property
    def credited_minutes(self) -> int:
        return self.seconds // 60

    @property
    def percent(self) -> int:
        if self.completed or not self.required_seconds:
            return 100 if self.completed else 0
        return min(100, self.seconds * 100 // self.required_seconds)

    @property
    def started(self) -> bool:
        return self.seconds > 0 or bool(self.position)


@dataclass(frozen=True)
class CourseProgress:
    """A learner's standing on one course; ``enrolment`` is None when not enrolled."""

    course: CoursePage
    enrolment: Enrolment | None
    lessons: list[LessonState]

    @property
    def is_enrolled(self) -> bool:
        return self.enrolment is not None

    @property
    def is_completed(self) -> bool:
        return self.enrolment is not None and self.enrolment.completed_at is not None

    @property
    def credited_seconds(self) -> int:
        return sum(min(state.seconds, state.required_seconds) for state in self.lessons)

    @property
    def required_seconds(self) -> int:
        return sum(state.required_seconds for state in self.lessons)

    @property
    def credited_minutes(self) -> int:
        return self.credited_seconds // 60

    @property
    def required_minutes(self) -> int:
        return self.required_seconds // 60

    @property
    def percent(self) -> int:
        if not self.required_seconds:
            return 100 if self.is_completed else 0
        return min(100, self.credited_seconds * 100 // self.required_seconds)

    @property
    def completed_lessons(self) -> int:
        return sum(1 for state in self.lessons if state.completed)

    @property
    def next_lesson(self) -> LessonState | None:
        """The first lesson not yet completed: where "continue" leads."""
        return next((state for state in self.lessons if not state.completed), None)

    def state_of(self, lesson: LessonPage) -> LessonState | None:
        return next((state for state in self.lessons if state.lesson.pk == lesson.pk), None)

    def after(self, lesson: LessonPage) -> LessonState | None:
        ids = [state.lesson.pk for state in self.lessons]
        index = ids.index(lesson.pk) + 1 if lesson.pk in ids else len(ids)
        return self.lessons[index] if index < len(self.lessons) else None

    def before(self, lesson: LessonPage) -> LessonState | None:
        ids = [state.lesson.pk for state in self.lessons]
        index = ids.index(lesson.pk) - 1 if lesson.pk in ids else -1
        return self.lessons[index] if index >= 0 else None


def _live_lessons_by_course(courses: list[CoursePage]) -> dict[str, list[LessonPage]]:
    """Live lessons of several courses in one query, keyed by the course's tree path."""
    if not courses:
        return {}
    children = reduce(operator.or_, (Q(path__startswith=c.path, depth=c.depth + 1) for c in courses))
    lessons: dict[str, list[LessonPage]] = {course.path: [] for course in courses}
    for lesson in LessonPage.objects.live().filter(children).order_by("path"):
        lessons[lesson.path[: -lesson.steplen]].append(lesson)
    return lessons


def _progress(enrolments: list[Enrolment], lessons: dict[str, list[LessonPage]]) -> list[CourseProgress]:
    rows = {
        (row.enrolment_id, row.lesson_id): row
        for row in LessonProgress.objects.filter(enrolment__in=[e.pk for e in enrolments]).only(
            "enrolment_id", "lesson_id", "seconds", "position", "completed_at"
        )
    }
    result = []
    for enrolment in enrolments:
        course = enrolment.course
        states = []
        for number, lesson in enumerate(lessons.get(course.path, []), start=1):
            row = rows.get((enrolment.pk, lesson.pk))
            states.append(
                LessonState(
                    lesson=lesson,
                    number=number,
                    seconds=row.seconds if row else 0,
                    completed=bool(row and row.completed_at),
                    position=(row.position or {}) if row else {},
                )
            )
        result.append(CourseProgress(course=course, enrolment=enrolment, lessons=states))
    return result


def course_progress(*, learner: User | AnonymousUser | None, course: CoursePage) -> CourseProgress:
    """Lessons of a course with the learner's state on each; anonymous learners get none."""
    lessons = _live_lessons_by_course([course])
    enrolment = None
    if learner is not None and learner.is_authenticated:
        enrolment = Enrolment.objects.filter(learner=learner, course=course).first()
    if enrolment is None:
        states = [LessonState(lesson=lesson, number=n) for n, lesson in enumerate(lessons[course.path], start=1)]
        return CourseProgress(course=course, enrolment=None, lessons=states)
    enrolment.course = course
    return _progress([enrolment], lessons)[0]


def enrolments_for(*, learner: User) -> list[CourseProgress]:
    """Every course the learner is enrolled on, newest first, with progress: three queries."""
    enrolments = list(
        Enrolment.objects.filter(learner=learner)
        .select_related("course", "course__operation_type")
        .order_by("-enrolled_at", "-pk")
    )
    return _progress(enrolments, _live_lessons_by_course([e.course for e in enrolments]))


def course_of_lesson(*, lesson: LessonPage) -> CoursePage:
    return CoursePage.objects.select_related("operation_type").get(path=lesson.path[: -lesson.steplen])


def is_enrolled(*, learner: User | AnonymousUser, course: CoursePage) -> bool:
    return bool(learner.is_authenticated) and Enrolment.objects.filter(learner=learner, course=course).exists()


def live_courses(*, index: Any) -> list[CoursePage]:
    """Published courses under a course index page, in menu order."""
    return list(CoursePage.objects.live().child_of(index).select_related("operation_type").order_by("path"))


@dataclass(frozen=True)
class LessonBlock:
    """One block of a lesson's body; check questions carry the learner's latest answer."""

    block: Any
    answer: CheckAnswer | None = None

    @property
    def is_check(self) -> bool:
        return self.block.block_type == "check"

    @property
    def multiple(self) -> bool:
        return self.is_check and sum(1 for option in self.block.value["options"] if option["correct"]) > 1

    @property
    def options(self) -> list[tuple[int, str, bool]]:
        """(index, text, chosen in the latest answer) for each option."""
        chosen = set(self.answer.answer) if self.answer else set()
        return [(n, option["text"], n in chosen) for n, option in enumerate(self.block.value["options"])]


def lesson_blocks(*, lesson: LessonPage, enrolment: Enrolment | None) -> list[LessonBlock]:
    """The lesson's body with the learner's answers to its check questions: one query."""
    answers: dict[str, CheckAnswer] = {}
    if enrolment is not None and any(block.block_type == "check" for block in lesson.body):
        answers = {a.block_id: a for a in CheckAnswer.objects.filter(enrolment=enrolment, lesson=lesson)}
    return [LessonBlock(block=block, answer=answers.get(block.id)) for block in lesson.body]
