"""Reads of learner state for courses: other apps call these, never the models directly.

Each selector runs a fixed number of queries, however many courses or lessons there are.
"""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass, field
from functools import reduce
from typing import TYPE_CHECKING, Any

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce

from .completion import required_seconds as course_required_seconds
from .models import CheckAnswer, CourseIndexPage, CoursePage, Enrolment, LessonPage, LessonProgress

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User
    from exams.catalogue.models import OperationType, Subject


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


def completed_training_for_subject(*, learner: User, subject: Subject, min_hours: int = 0) -> Enrolment | None:
    """The learner's latest completed initial training for a subject (e.g. a post in an
    industry) on a course of at least ``min_hours`` theory hours (order No. 3 art. 9:
    32, or 48 in the high-risk industries). Completion already needs those hours credited."""
    return (
        Enrolment.objects.filter(
            learner=learner,
            course__audience_subject=subject,
            course__purpose=CoursePage.Purpose.INITIAL,
            course__theory_hours__gte=min_hours,
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
    def lesson_seconds(self) -> int:
        return sum(state.required_seconds for state in self.lessons)

    @property
    def required_seconds(self) -> int:
        """The course's theory hours, or the full length of its lessons when it sets none."""
        return course_required_seconds(theory_hours=self.course.theory_hours, lesson_seconds=self.lesson_seconds)

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
    if not learner.is_authenticated:
        return False
    return Enrolment.objects.filter(learner_id=learner.pk, course=course).exists()


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


# --- catalogue -------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueType:
    operation_type: Any
    courses: list[CoursePage]


@dataclass(frozen=True)
class CatalogueCategory:
    category: Any
    types: list[CatalogueType]


@dataclass(frozen=True)
class CatalogueHeading:
    """A course group (or an audience within it) shown like a category (or a type)."""

    pk: str
    code: str
    name: str


GENERAL_GROUP = CatalogueHeading(pk="g0", code="g0", name="其他课程")


def catalogue(*, category_code: str = "") -> list[CatalogueCategory]:
    """Published courses grouped by operation category, then type (special operations),
    and the other courses by course group, then audience (e.g. a post in an industry):
    three queries.

    Each course carries ``section`` (its course index page, with the organisation).
    ``category_code`` is an operation category's code, or "g<id>" for a course group.
    """
    courses = (
        CoursePage.objects.live()
        .filter(operation_type__isnull=False)
        .select_related("operation_type__category", "cover_image")
        .order_by("operation_type__category__code", "operation_type__code", "title")
    )
    others = (
        CoursePage.objects.live()
        .filter(operation_type__isnull=True)
        .select_related("group", "audience_subject", "cover_image")
        .order_by("group__sort_order", "group__name", "audience_subject__code", "title")
    )
    if category_code.startswith("g") and category_code[1:].isdigit():
        courses = courses.none()
        group_id = int(category_code[1:])
        others = others.filter(group_id=group_id) if group_id else others.filter(group__isnull=True)
    elif category_code:
        courses = courses.filter(operation_type__category__code=category_code)
        others = others.none()
    courses = list(courses) + list(others)
    indexes = {
        index.path: index
        for index in CourseIndexPage.objects.filter(path__in={c.path[: -c.steplen] for c in courses}).select_related(
            "organisation"
        )
    }
    result: list[CatalogueCategory] = []
    for course in courses:
        course.section = indexes.get(course.path[: -course.steplen])
        category, heading = _headings(course)
        if not result or result[-1].category.pk != category.pk:
            result.append(CatalogueCategory(category=category, types=[]))
        types = result[-1].types
        if not types or types[-1].operation_type.pk != heading.pk:
            types.append(CatalogueType(operation_type=heading, courses=[]))
        types[-1].courses.append(course)
    return result


def _headings(course: CoursePage) -> tuple[Any, Any]:
    """(category, type) for a special-operations course; (group, audience) for the others."""
    if course.operation_type is not None:
        return course.operation_type.category, course.operation_type
    group = course.group
    category = CatalogueHeading(pk=f"g{group.pk}", code=f"g{group.pk}", name=group.name) if group else GENERAL_GROUP
    subject = course.audience_subject
    if subject is None:
        return category, CatalogueHeading(pk="all", code="all", name="面向全员")
    return category, CatalogueHeading(pk=f"s{subject.pk}", code=subject.code, name=subject.name)


# --- a training organisation's learners ---------------------------------------------------


@dataclass(frozen=True)
class LearnerRow:
    enrolment: Enrolment
    progress: CourseProgress
    checks_total: int
    checks_correct: int

    @property
    def ready_for_exam(self) -> bool:
        return self.enrolment.completed_at is not None

    @property
    def checks_added_since_completion(self) -> int:
        """Check questions the course gained after this training was completed: the
        completion stands (it was earned under the course as it was), and the page says so
        rather than showing "测验 0/1" beside "已完成培训" without a word."""
        return self.checks_total - self.checks_correct if self.ready_for_exam else 0


def section_courses(*, organisation: Any) -> list[CoursePage]:
    """Every course (live or not) in the organisation's section of the page tree: two queries."""
    index = CourseIndexPage.objects.filter(organisation=organisation).first()
    if index is None:
        return []
    return list(CoursePage.objects.descendant_of(index).select_related("operation_type").order_by("path"))


def learners_of(*, organisation: Any, study_class: Any = None) -> list[LearnerRow]:
    """Learners enrolled on the organisation's courses, with hours and checks: six queries.

    Only enrolments on courses inside the organisation's own section are read, whoever enrolled them.
    """
    courses = section_courses(organisation=organisation)
    if not courses:
        return []
    queryset = Enrolment.objects.filter(course__in=courses).select_related("learner", "study_class")
    if study_class is not None:
        queryset = queryset.filter(study_class=study_class)
    enrolments = list(queryset.order_by("course__path", "learner__real_name", "pk"))
    by_pk = {course.pk: course for course in courses}
    for enrolment in enrolments:
        enrolment.course = by_pk[enrolment.course_id]
    lessons = _live_lessons_by_course(courses)
    progress = _progress(enrolments, lessons)
    # Counted as the completion rule counts them: the live lessons' check questions, each
    # answered right at least once; answers to removed questions do not count.
    checks = {
        course.path: {
            (lesson.pk, block.id)
            for lesson in lessons[course.path]
            for block in lesson.body
            if block.block_type == "check"
        }
        for course in courses
    }
    correct: dict[int, set[tuple[int, str]]] = {}
    for enrolment_id, lesson_id, block_id in CheckAnswer.objects.filter(
        enrolment__in=enrolments, correct=True
    ).values_list("enrolment_id", "lesson_id", "block_id"):
        correct.setdefault(enrolment_id, set()).add((lesson_id, block_id))
    return [
        LearnerRow(
            enrolment=enrolment,
            progress=item,
            checks_total=len(checks[enrolment.course.path]),
            checks_correct=len(checks[enrolment.course.path] & correct.get(enrolment.pk, set())),
        )
        for enrolment, item in zip(enrolments, progress, strict=True)
    ]


def progress_of(*, learner_ids: list[int], course_ids: list[int]) -> dict[tuple[int, int], CourseProgress]:
    """Progress of many learners on some courses, keyed by (learner id, course id), for
    those enrolled: three queries whatever the numbers (an employer's whole register)."""
    if not learner_ids or not course_ids:
        return {}
    enrolments = list(
        Enrolment.objects.filter(learner_id__in=learner_ids, course_id__in=course_ids)
        .select_related("course")
        .order_by("pk")
    )
    courses = {e.course.pk: e.course for e in enrolments}
    return {
        (progress.enrolment.learner_id, progress.course.pk): progress
        for progress in _progress(enrolments, _live_lessons_by_course(list(courses.values())))
        if progress.enrolment is not None
    }


def refresher_study(
    *, learner_ids: list[int], subject_ids: list[int]
) -> dict[tuple[int, int], list[tuple[dt.datetime, int]]]:
    """Credited seconds on each refresher course (再培训) of the subjects, with the time the
    learner enrolled, keyed by (learner, subject): one query for any number of people.

    The yearly refresher (order No. 3 art. 9) counts a course in the certificate year it
    was begun in.
    """
    rows = (
        Enrolment.objects.filter(
            learner_id__in=learner_ids,
            course__audience_subject_id__in=subject_ids,
            course__purpose=CoursePage.Purpose.REFRESHER,
        )
        .annotate(credited=Coalesce(Sum("progress__seconds"), 0))
        .values_list("learner_id", "course__audience_subject_id", "enrolled_at", "credited")
    )
    result: dict[tuple[int, int], list[tuple[dt.datetime, int]]] = {}
    for learner_id, subject_id, enrolled_at, credited in rows:
        result.setdefault((learner_id, subject_id), []).append((enrolled_at, credited))
    return result
